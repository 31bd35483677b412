package dev.amdahl.spi;

import dev.amdahl.internal.memory.MemoryResultBackend;
import dev.amdahl.testkit.ResultBackendContractTest;

class MemoryResultBackendContractTest extends ResultBackendContractTest {

    @Override
    protected ResultBackend createBackend() {
        return new MemoryResultBackend();
    }

    @Override
    protected ResultBackend createBackend(java.time.Clock clock, java.time.Duration resultTtl) {
        return new MemoryResultBackend(clock, resultTtl);
    }
}
