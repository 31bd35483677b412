package dev.amdahl.spi;

import dev.amdahl.internal.memory.MemoryBroker;
import dev.amdahl.internal.memory.MemoryResultBackend;
import dev.amdahl.testkit.PlacementContractTest;
import java.time.Clock;
import java.time.Duration;

/**
 * Placement and data by reference on the embedded broker: the applications of one test share one broker and one
 * backend, as processes share a server; each application's close leaves them open for the others.
 */
class MemoryPlacementContractTest extends PlacementContractTest {

    private final Broker broker = new MemoryBroker(Clock.systemUTC(), Duration.ofSeconds(30), 5);
    private final ResultBackend backend = new MemoryResultBackend(Clock.systemUTC());

    @Override
    protected Broker openBroker() {
        return new ForwardingBroker(broker) {
            @Override
            public void close() {
                // shared by the test's applications
            }
        };
    }

    @Override
    protected ResultBackend openResultBackend() {
        return new ForwardingResultBackend(backend) {
            @Override
            public void close() {
                // shared by the test's applications
            }
        };
    }
}
