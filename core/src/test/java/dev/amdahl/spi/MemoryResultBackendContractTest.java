package dev.amdahl.spi;

import dev.amdahl.internal.memory.MemoryResultBackend;
import dev.amdahl.testkit.ResultBackendContractTest;
import java.time.Clock;
import java.time.Duration;

class MemoryResultBackendContractTest extends ResultBackendContractTest {

    @Override
    protected ResultBackend createBackend() {
        return new MemoryResultBackend();
    }

    @Override
    protected ResultBackend createBackend(Clock clock, Duration resultTtl) {
        return new MemoryResultBackend(clock, resultTtl);
    }
}
