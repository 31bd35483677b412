package dev.amdahl.spi;

import dev.amdahl.internal.memory.MemoryBroker;
import dev.amdahl.testkit.BrokerContractTest;

/** A forwarding broker keeps every promise of the broker it wraps: no method falls back to an SPI default. */
class ForwardingBrokerContractTest extends BrokerContractTest {

    @Override
    protected Broker createBroker(Settings s) {
        return new ForwardingBroker(new MemoryBroker(s.clock(), s.visibilityTimeout(), s.maxDeliveries()));
    }

    /** Another handle on the same embedded queues; closing it closes nothing (see MemoryBrokerContractTest). */
    @Override
    protected Broker openAnotherConsumer() {
        return new ForwardingBroker(broker) {
            @Override
            public void close() {
            }
        };
    }
}
