package dev.amdahl.internal.worker;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.amdahl.TaskState;
import dev.amdahl.internal.memory.MemoryBroker;
import dev.amdahl.internal.memory.MemoryResultBackend;
import dev.amdahl.internal.wire.TaskMessage;
import dev.amdahl.internal.workflow.Continuations;
import dev.amdahl.spi.Delivery;
import dev.amdahl.spi.OutboundMessage;
import dev.amdahl.testkit.Await;
import dev.amdahl.testkit.ForwardingBroker;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class SettlementTest {

    /** A pool that runs nothing: these tests settle by hand. */
    private static final ExecutionPool IDLE_POOL = new ExecutionPool() {
        @Override
        public void execute(Job job) {
        }

        @Override
        public void stopAccepting() {
        }

        @Override
        public void awaitRunning(Duration grace) {
        }
    };

    @Test
    void aLeaseRenewalRacingTheAckOfASettledMessageIsNotReportedAsLost() throws Exception {
        MemoryBroker memory = new MemoryBroker(Clock.systemUTC());
        MemoryResultBackend backend = new MemoryResultBackend();
        Settlement[] settlement = new Settlement[1];
        AtomicInteger acks = new AtomicInteger();
        // the renewer runs just as the broker has taken the ack and before the settler hears back: the worst moment
        ForwardingBroker racing = new ForwardingBroker(memory) {
            @Override
            public void ackAll(List<Delivery> deliveries) {
                super.ackAll(deliveries);
                settlement[0].renewLeases();
                acks.addAndGet(deliveries.size());
            }
        };
        Revocations revocations = new Revocations("w", backend, IDLE_POOL);
        settlement[0] = new Settlement("w", racing, backend, new Continuations(backend, (q, m, p) -> { }, Clock.systemUTC()),
                revocations, new Semaphore(0), Duration.ofSeconds(1));
        settlement[0].start();
        try {
            memory.publish("q", OutboundMessage.of("m-1", new byte[]{1}));
            List<Delivery> held = memory.poll(List.of("q"), 1, Duration.ofSeconds(5));
            settlement[0].hold(held);
            TaskMessage m = new TaskMessage("t-1", "noop", JsonNodeFactory.instance.arrayNode(), false, 0, null, null, null, null,
                    null, null, null);

            settlement[0].storeThenAck(held.get(0), m, new WorkerRecords("w", Clock.systemUTC()).of(m, TaskState.SUCCESS, null, null));

            Await.until(Duration.ofSeconds(10), "the ack", () -> acks.get() == 1);
            assertThat(settlement[0].lostLeases()).as("acknowledged messages reported as lost leases").isZero();
            assertThat(settlement[0].heldCount()).isZero();
        } finally {
            settlement[0].stop(5_000);
        }
    }
}
