package dev.amdahl.spi;

import dev.amdahl.internal.memory.MemoryBroker;
import dev.amdahl.internal.memory.MemoryResultBackend;
import dev.amdahl.testkit.ResultBackendContractTest;
import java.time.Clock;
import java.time.Duration;

/**
 * A forwarding backend keeps every promise of the backend it wraps, its capabilities included: no method
 * falls back to an SPI default.
 */
class ForwardingResultBackendContractTest extends ResultBackendContractTest {

    @Override
    protected ResultBackend createBackend() {
        return new ForwardingResultBackend(new MemoryResultBackend());
    }

    /** The embedded broker beside it: the settling tests store, then acknowledge, in two steps. */
    @Override
    protected Broker createBroker(Clock clock, Duration visibilityTimeout) {
        return new MemoryBroker(clock, visibilityTimeout, 5);
    }
}
