package dev.amdahl.spi;

import dev.amdahl.internal.memory.MemoryResultBackend;

class MemoryResultBackendContractTest extends ResultBackendContractTest {

    @Override
    protected ResultBackend createBackend() {
        return new MemoryResultBackend();
    }
}
