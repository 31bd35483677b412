package dev.amdahl.internal.worker;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.amdahl.ErrorType;
import dev.amdahl.TaskState;
import dev.amdahl.internal.memory.MemoryBroker;
import dev.amdahl.internal.memory.MemoryResultBackend;
import dev.amdahl.internal.wire.TaskMessage;
import dev.amdahl.internal.workflow.Continuations;
import dev.amdahl.spi.Delivery;
import dev.amdahl.spi.ForwardingBroker;
import dev.amdahl.spi.ForwardingResultBackend;
import dev.amdahl.spi.OutboundMessage;
import dev.amdahl.spi.TaskError;
import dev.amdahl.spi.TaskRecord;
import dev.amdahl.testkit.Await;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
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

    private static TaskMessage message(String id) {
        return new TaskMessage(id, "noop", JsonNodeFactory.instance.arrayNode(), false, 0, null, null, null, null,
                null, null, null);
    }

    @Test
    void anExceptionFromTheLostLeasePathDoesNotStopLaterRenewals() throws Exception {
        MemoryBroker memory = new MemoryBroker(Clock.systemUTC());
        MemoryResultBackend backend = new MemoryResultBackend();
        memory.publish("q", OutboundMessage.of("lost", new byte[]{1}));
        memory.publish("q", OutboundMessage.of("kept", new byte[]{2}));
        List<Delivery> held = memory.poll(List.of("q"), 2, Duration.ofSeconds(5));
        AtomicInteger keptRenewals = new AtomicInteger();
        ForwardingBroker broker = new ForwardingBroker(memory) {
            @Override
            public boolean extendLease(Delivery d) {
                if (d.messageId().equals("lost")) {
                    return false;
                }
                keptRenewals.incrementAndGet();
                return true;
            }
        };
        // the lost lease's job is queued in a pool whose cancel fails: the lost-lease path throws on the renewer thread
        ExecutionPool failingCancel = new ExecutionPool() {
            @Override
            public void execute(Job job) {
            }

            @Override
            public void stopAccepting() {
            }

            @Override
            public void awaitRunning(Duration grace) {
            }

            @Override
            public boolean cancel(Job job, dev.amdahl.internal.task.Outcome outcome, boolean mayInterruptIfRunning) {
                throw new IllegalStateException("cancel failed");
            }
        };
        Revocations revocations = new Revocations("w", backend, failingCancel);
        Settlement settlement = new Settlement("w", broker, backend, new Continuations(backend, (q, m, p) -> { }, Clock.systemUTC()),
                revocations, new Semaphore(0), Duration.ofMillis(10));
        settlement.hold(held);
        Delivery lost = held.stream().filter(d -> d.messageId().equals("lost")).findFirst().orElseThrow();
        TaskMessage m = message("t-lost");
        revocations.track(lost, m);
        revocations.handOver(lost, new ExecutionPool.Job(m, 1, o -> { }, null));
        ScheduledExecutorService renewer = Executors.newSingleThreadScheduledExecutor();
        try {
            // as WorkerRuntime runs it: an exception escaping one round would cancel every later one
            renewer.scheduleWithFixedDelay(settlement::renewLeases, 0, 10, TimeUnit.MILLISECONDS);

            Await.until(Duration.ofSeconds(5), "renewals after the failed lost-lease path", () -> keptRenewals.get() >= 5);
            assertThat(settlement.lostLeases()).isEqualTo(1);
            assertThat(settlement.heldCount()).isEqualTo(1);
        } finally {
            renewer.shutdownNow();
        }
    }

    @Test
    void anExhaustedDeliveryStoresItsFailureAfterAConnectionReset() throws Exception {
        MemoryBroker memory = new MemoryBroker(Clock.systemUTC());
        MemoryResultBackend backend = new MemoryResultBackend();
        AtomicInteger stores = new AtomicInteger();
        ForwardingResultBackend flaky = new ForwardingResultBackend(backend) {
            @Override
            public Map<String, TaskRecord> storeAllUnlessFinal(List<TaskRecord> records) {
                if (stores.getAndIncrement() == 0) {
                    throw new IllegalStateException("Connection reset");
                }
                return super.storeAllUnlessFinal(records);
            }
        };
        Settlement settlement = new Settlement("w", memory, flaky, new Continuations(flaky, (q, m, p) -> { }, Clock.systemUTC()),
                new Revocations("w", flaky, IDLE_POOL), new Semaphore(0), Duration.ofSeconds(1));
        memory.publish("q", OutboundMessage.of("m-1", new byte[]{1}));
        List<Delivery> held = memory.poll(List.of("q"), 1, Duration.ofSeconds(5));
        settlement.hold(held);
        TaskMessage m = message("t-1");

        settlement.giveUp(held.get(0), m, new WorkerRecords("w", Clock.systemUTC()).of(m, TaskState.FAILURE,
                TaskError.of(ErrorType.DELIVERIES_EXHAUSTED.typeName(), "delivered 3 time(s)"), null));

        assertThat(backend.get("t-1")).as("the FAILURE whoever waits on the task reads")
                .hasValueSatisfying(r -> assertThat(r.state()).isEqualTo(TaskState.FAILURE));
        assertThat(settlement.heldCount()).isZero();
    }

    @Test
    void aPausedWorkerLosingManyLeasesWritesOneLineNamingAMessageId() throws Exception {
        MemoryBroker memory = new MemoryBroker(Clock.systemUTC());
        MemoryResultBackend backend = new MemoryResultBackend();
        for (int i = 0; i < 50; i++) {
            memory.publish("q", OutboundMessage.of("m-" + i, new byte[]{1}));
        }
        List<Delivery> held = memory.poll(List.of("q"), 50, Duration.ofSeconds(5));
        ForwardingBroker allLost = new ForwardingBroker(memory) {
            @Override
            public boolean extendLease(Delivery d) {
                return false;   // the worker was paused past the visibility timeout: every lease ran out
            }
        };
        Settlement settlement = new Settlement("w", allLost, backend, new Continuations(backend, (q, m, p) -> { }, Clock.systemUTC()),
                new Revocations("w", backend, IDLE_POOL), new Semaphore(0), Duration.ofSeconds(1));
        settlement.hold(held);
        java.io.ByteArrayOutputStream captured = new java.io.ByteArrayOutputStream();
        java.io.PrintStream stderr = System.err;
        System.setErr(new java.io.PrintStream(captured, true, java.nio.charset.StandardCharsets.UTF_8));
        try {
            settlement.renewLeases();
        } finally {
            System.setErr(stderr);
        }

        assertThat(settlement.lostLeases()).isEqualTo(50);
        List<String> lines = captured.toString(java.nio.charset.StandardCharsets.UTF_8).lines()
                .filter(l -> l.contains("was lost")).toList();
        assertThat(lines).singleElement().satisfies(l -> assertThat(l).containsPattern("message m-\\d+ was lost")
                .doesNotContain("[B@"));
    }

    /** A memory backend that settles its broker's deliveries in one call, counting those calls; or failing them. */
    private static final class OneStepBackend extends ForwardingResultBackend implements dev.amdahl.spi.AckingStore {
        final dev.amdahl.spi.Broker broker;
        final AtomicInteger oneStep = new AtomicInteger();
        volatile boolean failing;

        OneStepBackend(MemoryResultBackend delegate, dev.amdahl.spi.Broker broker) {
            super(delegate);
            this.broker = broker;
        }

        @Override
        public <C extends Capability> java.util.Optional<C> capability(Class<C> type) {
            return type.isInstance(this) ? java.util.Optional.of(type.cast(this)) : super.capability(type);
        }

        @Override
        public boolean acknowledges(dev.amdahl.spi.Broker b) {
            return b == broker;
        }

        @Override
        public Map<String, TaskRecord> storeAllUnlessFinalAndAck(List<TaskRecord> records, dev.amdahl.spi.Broker b,
                                                                 List<Delivery> deliveries) {
            if (failing) {
                throw new IllegalStateException("the store is down");
            }
            oneStep.incrementAndGet();
            Map<String, TaskRecord> kept = storeAllUnlessFinal(records);
            b.ackAll(deliveries);
            return kept;
        }
    }

    @Test
    void aBatchWithNothingAfterItIsStoredAndAcknowledgedInOneStepOfABackendThatCan() throws Exception {
        MemoryBroker memory = new MemoryBroker(Clock.systemUTC());
        AtomicInteger separateAcks = new AtomicInteger();
        ForwardingBroker broker = new ForwardingBroker(memory);
        OneStepBackend backend = new OneStepBackend(new MemoryResultBackend(), broker);
        Settlement settlement = new Settlement("w", broker, backend, new Continuations(backend, (q, m, p) -> { }, Clock.systemUTC()),
                new Revocations("w", backend, IDLE_POOL), new Semaphore(0), Duration.ofSeconds(1));
        settlement.start();
        try {
            memory.publish("q", OutboundMessage.of("m-1", new byte[]{1}));
            memory.publish("q", OutboundMessage.of("m-2", new byte[]{2}));
            List<Delivery> held = memory.poll(List.of("q"), 2, Duration.ofSeconds(5));
            settlement.hold(held);
            TaskMessage plain = message("t-1");
            TaskMessage inWorkflow = new TaskMessage("t-2", "noop", JsonNodeFactory.instance.arrayNode(), false, 0, null, null,
                    null, JsonNodeFactory.instance.objectNode(), null, null, null);
            WorkerRecords records = new WorkerRecords("w", Clock.systemUTC());

            settlement.storeThenAck(held.get(0), plain, records.of(plain, TaskState.SUCCESS, null, null));
            Await.until(Duration.ofSeconds(10), "the first settled", () -> settlement.heldCount() == 1);
            settlement.storeThenAck(held.get(1), inWorkflow, records.of(inWorkflow, TaskState.SUCCESS, null, null));
            Await.until(Duration.ofSeconds(10), "the second settled", () -> settlement.heldCount() == 0);

            assertThat(backend.oneStep.get()).as("one-step settlements: the plain task's only").isEqualTo(1);
            assertThat(backend.get("t-1").map(TaskRecord::state)).contains(TaskState.SUCCESS);
            assertThat(backend.get("t-2").map(TaskRecord::state)).contains(TaskState.SUCCESS);
            assertThat(memory.poll(List.of("q"), 2, Duration.ZERO)).isEmpty();
        } finally {
            settlement.stop(5_000);
        }
    }

    @Test
    void aOneStepSettlementThatKeepsFailingGivesItsMessagesBackUnacknowledged() throws Exception {
        MemoryBroker memory = new MemoryBroker(Clock.systemUTC());
        OneStepBackend backend = new OneStepBackend(new MemoryResultBackend(), memory);
        backend.failing = true;
        Settlement settlement = new Settlement("w", memory, backend, new Continuations(backend, (q, m, p) -> { }, Clock.systemUTC()),
                new Revocations("w", backend, IDLE_POOL), new Semaphore(0), Duration.ofSeconds(1));
        settlement.start();
        try {
            memory.publish("q", OutboundMessage.of("m-1", new byte[]{1}));
            List<Delivery> held = memory.poll(List.of("q"), 1, Duration.ofSeconds(5));
            settlement.hold(held);
            TaskMessage m = message("t-1");

            settlement.storeThenAck(held.get(0), m, new WorkerRecords("w", Clock.systemUTC()).of(m, TaskState.SUCCESS, null, null));

            Await.until(Duration.ofSeconds(20), "the give-back", () -> settlement.heldCount() == 0);
            List<Delivery> again = memory.poll(List.of("q"), 1, Duration.ofSeconds(5));
            assertThat(again).as("given back, not acknowledged").hasSize(1);
            assertThat(again.get(0).deliveryCount()).isEqualTo(2);
            assertThat(settlement.completedCount()).isZero();
        } finally {
            settlement.stop(5_000);
        }
    }

    @Test
    void aLoneFinalOnANetworkedBrokerIsSettledByTheThreadThatFinishedItAndOneAmongOthersByTheSettler() throws Exception {
        MemoryBroker memory = new MemoryBroker(Clock.systemUTC());
        ForwardingBroker networked = new ForwardingBroker(memory) {
            @Override
            public boolean isShared() {
                return true;
            }
        };
        List<String> storedBy = new java.util.concurrent.CopyOnWriteArrayList<>();
        ForwardingResultBackend backend = new ForwardingResultBackend(new MemoryResultBackend()) {
            @Override
            public Map<String, TaskRecord> storeAllUnlessFinal(List<TaskRecord> records) {
                storedBy.add(Thread.currentThread().getName());
                return super.storeAllUnlessFinal(records);
            }
        };
        Settlement settlement = new Settlement("w", networked, backend, new Continuations(backend, (q, m, p) -> { }, Clock.systemUTC()),
                new Revocations("w", backend, IDLE_POOL), new Semaphore(0), Duration.ofSeconds(1));
        settlement.start();
        WorkerRecords records = new WorkerRecords("w", Clock.systemUTC());
        try {
            for (int i = 1; i <= 3; i++) {
                memory.publish("q", OutboundMessage.of("m-" + i, new byte[]{(byte) i}));
            }
            List<Delivery> alone = memory.poll(List.of("q"), 1, Duration.ofSeconds(5));
            settlement.hold(alone);

            settlement.storeThenAck(alone.get(0), message("t-1"), records.of(message("t-1"), TaskState.SUCCESS, null, null));

            assertThat(settlement.heldCount()).as("settled before storeThenAck returned").isZero();
            assertThat(storedBy).containsExactly(Thread.currentThread().getName());

            List<Delivery> two = memory.poll(List.of("q"), 2, Duration.ofSeconds(5));
            settlement.hold(two);
            settlement.storeThenAck(two.get(0), message("t-2"), records.of(message("t-2"), TaskState.SUCCESS, null, null));
            Await.until(Duration.ofSeconds(10), "the first of two settled", () -> settlement.heldCount() == 1);
            settlement.storeThenAck(two.get(1), message("t-3"), records.of(message("t-3"), TaskState.SUCCESS, null, null));

            assertThat(settlement.heldCount()).isZero();
            assertThat(storedBy).containsExactly(Thread.currentThread().getName(), "amdahl-settler-w",
                    Thread.currentThread().getName());
            assertThat(backend.getAll(List.of("t-1", "t-2", "t-3"))).hasSize(3);
            assertThat(memory.poll(List.of("q"), 3, Duration.ZERO)).as("every message acknowledged").isEmpty();
        } finally {
            settlement.stop(5_000);
        }
    }
}
