package dev.amdahl.examples;

import dev.amdahl.internal.memory.MemoryBroker;
import dev.amdahl.spi.Broker;
import dev.amdahl.spi.ForwardingBroker;
import dev.amdahl.testkit.BrokerContractTest;

/** The pipeline demo's counting broker keeps every promise of the broker it wraps while it counts bytes. */
class CountingBrokerContractTest extends BrokerContractTest {

    @Override
    protected Broker createBroker(Settings s) {
        return new CountingBroker(new MemoryBroker(s.clock(), s.visibilityTimeout(), s.maxDeliveries()));
    }

    /** Another handle on the same embedded queues; closing it closes nothing (see MemoryBrokerContractTest). */
    @Override
    protected Broker openAnotherConsumer() {
        return new CountingBroker(new ForwardingBroker(broker) {
            @Override
            public void close() {
            }
        });
    }
}
