package dev.amdahl.spi;

import dev.amdahl.internal.memory.MemoryResultBackend;
import dev.amdahl.testkit.ResultBackendContractTest;

/**
 * A forwarding backend keeps every promise of the backend it wraps, its capabilities included: no method
 * falls back to an SPI default.
 */
class ForwardingResultBackendContractTest extends ResultBackendContractTest {

    @Override
    protected ResultBackend createBackend() {
        return new ForwardingResultBackend(new MemoryResultBackend());
    }
}
