package dev.amdahl.spi;

import dev.amdahl.internal.memory.MemoryBroker;
import dev.amdahl.testkit.BrokerContractTest;
import dev.amdahl.testkit.ResultBackendContractTest;
import java.time.Clock;

class MemoryBrokerContractTest extends BrokerContractTest {

    @Override
    protected Broker createBroker() {
        return new MemoryBroker(Clock.systemUTC());
    }
}
