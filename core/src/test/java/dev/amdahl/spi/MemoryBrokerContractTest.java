package dev.amdahl.spi;

import dev.amdahl.internal.memory.MemoryBroker;
import java.time.Clock;

class MemoryBrokerContractTest extends BrokerContractTest {

    @Override
    protected Broker createBroker() {
        return new MemoryBroker(Clock.systemUTC());
    }
}
