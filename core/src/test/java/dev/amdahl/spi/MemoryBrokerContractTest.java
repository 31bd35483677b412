package dev.amdahl.spi;

import dev.amdahl.internal.memory.MemoryBroker;
import dev.amdahl.testkit.BrokerContractTest;

class MemoryBrokerContractTest extends BrokerContractTest {

    @Override
    protected Broker createBroker(Settings s) {
        return new MemoryBroker(s.clock(), s.visibilityTimeout(), s.maxDeliveries());
    }

    /**
     * The embedded queues live in one object: another consumer is another handle on it. Closing a handle
     * closes nothing, so what it held comes back after the visibility timeout.
     */
    @Override
    protected Broker openAnotherConsumer() {
        return new ForwardingBroker(broker) {
            @Override
            public void close() {
            }
        };
    }
}
