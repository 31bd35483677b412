package dev.amdahl.spi;

import dev.amdahl.internal.memory.MemoryResultBackend;
import dev.amdahl.testkit.ResultBackendContractTest;

class MemoryResultBackendContractTest extends ResultBackendContractTest {

    @Override
    protected ResultBackend createBackend() {
        return new MemoryResultBackend();
    }
}
