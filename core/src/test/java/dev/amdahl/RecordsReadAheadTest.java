package dev.amdahl;

import static org.assertj.core.api.Assertions.assertThat;

import dev.amdahl.internal.memory.MemoryBroker;
import dev.amdahl.internal.memory.MemoryResultBackend;
import dev.amdahl.spi.Broker;
import dev.amdahl.spi.Delivery;
import dev.amdahl.spi.ForwardingBroker;
import dev.amdahl.spi.ForwardingResultBackend;
import dev.amdahl.spi.RecordsReadAhead;
import dev.amdahl.spi.Registration;
import dev.amdahl.spi.RevocationFeed;
import dev.amdahl.spi.TaskError;
import dev.amdahl.spi.TaskRecord;
import dev.amdahl.testkit.Await;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The worker's rules for records read ahead ({@link RecordsReadAhead}): a carried read spares the consumer's own, but
 * only for the task its delivery names and only with a complete revocation feed; a revocation stored between the read
 * ahead and the tracking still stops the task.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class RecordsReadAheadTest {

    private static final Duration WAIT = Duration.ofSeconds(20);
    private static final String TASK = "ahead.echo";

    /** A memory broker that reads each polled task's record right after the claim, as the Redis broker does. */
    static final class ReadingBroker extends ForwardingBroker {
        final MemoryResultBackend store;
        /** The read made for each delivery, by identity: a read belongs to its delivery alone. */
        final Map<Delivery, Optional<TaskRecord>> reads = Collections.synchronizedMap(new IdentityHashMap<>());
        final Set<String> acked = ConcurrentHashMap.newKeySet();
        volatile Function<Delivery, Optional<TaskRecord>> read;

        ReadingBroker(MemoryResultBackend store) {
            super(new MemoryBroker(Clock.systemUTC()));
            this.store = store;
            this.read = d -> store.get(d.messageId());
        }

        @Override
        public List<Delivery> poll(List<String> queues, int max, Duration timeout) throws InterruptedException {
            List<Delivery> got = super.poll(queues, max, timeout);
            for (Delivery d : got) {
                reads.put(d, read.apply(d));
            }
            return got;
        }

        @Override
        public void ack(Delivery delivery) {
            super.ack(delivery);
            acked.add(delivery.messageId());
        }

        @Override
        public void ackAll(List<Delivery> deliveries) {
            super.ackAll(deliveries);
            deliveries.forEach(d -> acked.add(d.messageId()));
        }
    }

    /** A memory backend that hands the worker its broker's reads, and notes the ids the consumer thread reads itself. */
    static final class ReadAheadBackend extends ForwardingResultBackend implements RecordsReadAhead {
        final ReadingBroker broker;
        final List<String> consumerReads = new CopyOnWriteArrayList<>();
        volatile boolean feedComplete = true;

        ReadAheadBackend(ReadingBroker broker) {
            super(broker.store);
            this.broker = broker;
        }

        @Override
        public Map<String, TaskRecord> getAll(Collection<String> taskIds) {
            if (Thread.currentThread().getName().startsWith("amdahl-consumer-")) {
                consumerReads.addAll(taskIds);
            }
            return super.getAll(taskIds);
        }

        @Override
        public <C extends Capability> Optional<C> capability(Class<C> type) {
            if (type == RecordsReadAhead.class) {
                return Optional.of(type.cast(this));
            }
            if (type == RevocationFeed.class) {
                RevocationFeed feed = new RevocationFeed() {
                    @Override
                    public Registration onRevoked(Consumer<TaskRecord> listener) {
                        return broker.store.onRevoked(listener);
                    }

                    @Override
                    public boolean revocationFeedComplete() {
                        return feedComplete;
                    }
                };
                return Optional.of(type.cast(feed));
            }
            return super.capability(type);
        }

        @Override
        public boolean readsAheadFor(Broker b) {
            return b == broker;
        }

        @Override
        public ReadAhead readAhead(List<Delivery> deliveries) {
            Set<String> read = new HashSet<>();
            Map<String, TaskRecord> records = new HashMap<>();
            for (Delivery d : deliveries) {
                Optional<TaskRecord> r = broker.reads.remove(d);
                if (r != null) {
                    read.add(d.messageId());
                    r.ifPresent(found -> records.put(d.messageId(), found));
                }
            }
            return new ReadAhead(read, records);
        }
    }

    private final ReadingBroker broker = new ReadingBroker(new MemoryResultBackend());
    private final ReadAheadBackend backend = new ReadAheadBackend(broker);
    private final AtomicInteger runs = new AtomicInteger();

    private Task<String, String> echo(Amdahl app) {
        Task<String, String> echo = app.task(TASK, String.class, String.class, s -> {
            runs.incrementAndGet();
            return s + "!";
        });
        app.startWorker(WorkerOptions.builder().concurrency(1).build());
        return echo;
    }

    private static TaskRecord record(String id, TaskState state) {
        TaskError error = state == TaskState.REVOKED ? TaskError.of("Revoked", "revoked by the test") : null;
        String result = state == TaskState.SUCCESS ? "\"someone else's\"" : null;
        return new TaskRecord(id, TASK, state, result, error, 0, null, Instant.now(), null, 0);
    }

    @Test
    void aCarriedReadSparesTheConsumersOwnRead() throws Exception {
        try (Amdahl app = Amdahl.builder().broker(broker).resultBackend(backend).build()) {
            TaskFuture<String> f = echo(app).submit("x");

            assertThat(f.get(WAIT.toSeconds(), TimeUnit.SECONDS)).isEqualTo("x!");
            assertThat(runs).hasValue(1);
            assertThat(backend.consumerReads).doesNotContain(f.id());
        }
    }

    @Test
    void aCarriedRecordOfAnotherTaskIsNotUsed() throws Exception {
        // were it used, the SUCCESS would have the message acknowledged unrun and the future wait for ever
        broker.read = d -> Optional.of(record("someone-else", TaskState.SUCCESS));
        try (Amdahl app = Amdahl.builder().broker(broker).resultBackend(backend).build()) {
            TaskFuture<String> f = echo(app).submit("x");

            assertThat(f.get(WAIT.toSeconds(), TimeUnit.SECONDS)).isEqualTo("x!");
            assertThat(runs).hasValue(1);
            assertThat(backend.consumerReads).contains(f.id());
        }
    }

    @Test
    void aRevocationStoredBetweenTheReadAheadAndTheTrackingStopsTheTask() throws Exception {
        // the read finds the task not final, then the revocation is stored and the feed brings it, all before the
        // consumer tracks the task: only the feed's memory (Revocations#heard) can tell the consumer now
        broker.read = d -> {
            broker.store.store(record(d.messageId(), TaskState.STARTED));
            Optional<TaskRecord> before = broker.store.get(d.messageId());
            broker.store.storeAllUnlessFinal(List.of(record(d.messageId(), TaskState.REVOKED)));
            return before;
        };
        try (Amdahl app = Amdahl.builder().broker(broker).resultBackend(backend).build()) {
            TaskFuture<String> f = echo(app).submit("x");

            Await.until(WAIT, "the revoked task's message to be acknowledged", () -> broker.acked.contains(f.id()));
            assertThat(runs).as("runs of a task revoked before the worker tracked it").hasValue(0);
            assertThat(backend.get(f.id()).map(TaskRecord::state)).contains(TaskState.REVOKED);
            assertThat(backend.consumerReads).doesNotContain(f.id());
        }
    }

    @Test
    void withAnIncompleteRevocationFeedTheConsumerReadsTheRecordItself() throws Exception {
        backend.feedComplete = false;
        try (Amdahl app = Amdahl.builder().broker(broker).resultBackend(backend).build()) {
            TaskFuture<String> f = echo(app).submit("x");

            assertThat(f.get(WAIT.toSeconds(), TimeUnit.SECONDS)).isEqualTo("x!");
            assertThat(backend.consumerReads).contains(f.id());
        }
    }
}
