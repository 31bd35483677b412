package dev.amdahl.spi;

import dev.amdahl.internal.memory.MemoryBroker;
import dev.amdahl.internal.memory.MemoryResultBackend;
import dev.amdahl.testkit.ChaosContractTest;
import java.time.Clock;

/**
 * The chaos suite on the embedded broker: its workers run in this JVM (the broker is not shared), so a kill
 * abandons a worker and a pause blocks it; there is no server to restart and no connection to cut (the
 * suite prints both reasons). Leases run on the system clock, as in production.
 */
class MemoryChaosContractTest extends ChaosContractTest {

    @Override
    protected Broker openBroker(Settings s) {
        return new MemoryBroker(Clock.systemUTC(), s.visibilityTimeout(), s.maxDeliveries());
    }

    @Override
    protected ResultBackend openResultBackend(Settings s) {
        return new MemoryResultBackend(Clock.systemUTC());
    }
}
