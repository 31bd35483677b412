package dev.amdahl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.amdahl.internal.memory.MemoryBroker;
import dev.amdahl.internal.memory.MemoryResultBackend;
import dev.amdahl.spi.Broker;
import dev.amdahl.spi.DeadLetter;
import dev.amdahl.spi.Delivery;
import dev.amdahl.spi.ForwardingBroker;
import dev.amdahl.spi.ForwardingResultBackend;
import dev.amdahl.spi.OutboundMessage;
import dev.amdahl.spi.ResultBackend;
import dev.amdahl.spi.TaskRecord;
import dev.amdahl.testkit.Await;
import dev.amdahl.testkit.MutableClock;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The worker's settlement, lease and redelivery defects of issue 10, each as a scenario on the embedded broker
 * that failed before its fix: give-backs that never end (1), a caller left waiting by a dead letter (2), leases
 * renewed more slowly than the broker's visibility timeout (5), a paused worker running what it no longer owns
 * (6), a store failing once running the work again (8), and a reused task id running again (10).
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class WorkerReliabilityTest {

    private static final Duration WAIT = Duration.ofSeconds(20);

    /** A broker that counts what passes, to measure redeliveries without trusting the worker's own figures. */
    static class CountingBroker extends ForwardingBroker {
        final AtomicInteger delivered = new AtomicInteger();
        final AtomicInteger acked = new AtomicInteger();
        final Map<String, byte[]> published = new ConcurrentHashMap<>();

        CountingBroker(Broker delegate) {
            super(delegate);
        }

        @Override
        public void publish(String queue, OutboundMessage message) {
            published.put(message.id(), message.body());
            super.publish(queue, message);
        }

        @Override
        public void publishAll(String queue, List<OutboundMessage> messages) {
            messages.forEach(m -> published.put(m.id(), m.body()));
            super.publishAll(queue, messages);
        }

        @Override
        public List<Delivery> poll(List<String> queues, int max, Duration timeout) throws InterruptedException {
            List<Delivery> got = super.poll(queues, max, timeout);
            delivered.addAndGet(got.size());
            return got;
        }

        @Override
        public void ack(Delivery delivery) {
            acked.incrementAndGet();
            super.ack(delivery);
        }

        @Override
        public void ackAll(List<Delivery> deliveries) {
            acked.addAndGet(deliveries.size());
            super.ackAll(deliveries);
        }
    }

    private static List<DeadLetter> awaitDeadLetter(Broker broker, String queue) {
        return Await.value(WAIT, "a dead letter in " + queue, () -> {
            List<DeadLetter> dead = broker.deadLetters(queue, 10);
            return dead.isEmpty() ? java.util.Optional.empty() : java.util.Optional.of(dead);
        });
    }

    // ------------------------------------------------------------------ 1: give-back loops

    @Test
    void aBackendThatAlwaysRefusesTheStoreEndsInADeadLetterAfterBoundedDeliveries() {
        int maxDeliveries = 2;
        CountingBroker broker = new CountingBroker(new MemoryBroker(Clock.systemUTC(), Duration.ofSeconds(60), maxDeliveries));
        ForwardingResultBackend refusing = new ForwardingResultBackend(new MemoryResultBackend()) {
            @Override
            public Map<String, TaskRecord> storeAllUnlessFinal(List<TaskRecord> records) {
                throw new IllegalStateException("READONLY You can't write against a read only replica");
            }
        };
        AtomicInteger runs = new AtomicInteger();
        try (Amdahl app = Amdahl.builder().broker(broker).resultBackend(refusing).build()) {
            Task<String, String> echo = app.task("r.echo", String.class, String.class, s -> {
                runs.incrementAndGet();
                return s;
            });
            app.startWorker(WorkerOptions.builder().concurrency(1).build());
            echo.submit("x");

            List<DeadLetter> dead = awaitDeadLetter(broker, WorkerOptions.DEFAULT_QUEUE);

            assertThat(dead).hasSize(1);
            assertThat(dead.get(0).reason()).contains("delivered " + maxDeliveries + " time(s)", "could not be stored", "READONLY");
            // each delivery within the maximum ran once; the exhausted one did not run
            assertThat(runs.get()).isEqualTo(maxDeliveries);
            assertThat(broker.delivered.get()).isEqualTo(maxDeliveries + 1);
        }
    }

    @Test
    void aWorkflowStepThatCannotBePublishedEndsInADeadLetterWithTheReason() {
        int maxDeliveries = 3;
        CountingBroker broker = new CountingBroker(new MemoryBroker(Clock.systemUTC(), Duration.ofSeconds(60), maxDeliveries)) {
            @Override
            public void publish(String queue, OutboundMessage message) {
                if (queue.equals("unreachable")) {
                    throw new IllegalArgumentException("queue name 'unreachable' is refused by this broker");
                }
                super.publish(queue, message);
            }
        };
        AtomicInteger runs = new AtomicInteger();
        try (Amdahl app = Amdahl.builder().broker(broker).build()) {
            Task<String, String> first = app.task("r.first", String.class, String.class, s -> {
                runs.incrementAndGet();
                return s;
            });
            Task<String, String> next = app.task("r.next", String.class, String.class, s -> s);
            app.startWorker(WorkerOptions.builder().concurrency(1).build());
            first.sig("x").then(next.onQueue("unreachable")).submit();

            List<DeadLetter> dead = awaitDeadLetter(broker, WorkerOptions.DEFAULT_QUEUE);

            assertThat(dead.get(0).reason()).contains("workflow steps", "could not be published", "unreachable");
            assertThat(runs.get()).as("the first step ran once; its redeliveries found it final").isEqualTo(1);
            assertThat(broker.delivered.get()).isEqualTo(maxDeliveries + 1);
        }
    }

    // ------------------------------------------------------------------ 2: dead-lettered task, caller waits

    @Test
    void aTaskWhoseWorkersDiedEveryTimeFailsWithTheReasonInsteadOfLeavingItsCallerWaiting() throws Exception {
        int maxDeliveries = 2;
        MutableClock clock = new MutableClock(Instant.now());
        Duration visibility = Duration.ofSeconds(30);
        MemoryBroker broker = new MemoryBroker(clock, visibility, maxDeliveries);
        AtomicInteger runs = new AtomicInteger();
        try (Amdahl app = Amdahl.builder().broker(broker).clock(clock).build()) {
            Task<String, String> halts = app.task("r.halts", String.class, String.class, s -> {
                runs.incrementAndGet();
                return s;
            });
            TaskFuture<String> f = halts.submit("x");
            // two workers took it and died with it (a task that halts its JVM): nothing stored, nothing settled
            for (int i = 1; i <= maxDeliveries; i++) {
                List<Delivery> got = broker.poll(List.of(WorkerOptions.DEFAULT_QUEUE), 1, WAIT);
                assertThat(got).hasSize(1);
                assertThat(got.get(0).deliveryCount()).isEqualTo(i);
                clock.advance(visibility.plusSeconds(1));
            }

            app.startWorker(WorkerOptions.builder().concurrency(1).build());

            assertThatThrownBy(() -> f.get(WAIT.toSeconds(), TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
                    .cause().isInstanceOfSatisfying(TaskFailedException.class, e -> {
                        assertThat(e.errorType()).contains(ErrorType.DELIVERIES_EXHAUSTED);
                        assertThat(e.remoteMessage()).contains("delivered 2 time(s) without an outcome being stored", "crashed or was killed", "lost its lease");
                    });
            assertThat(runs.get()).as("the exhausted delivery is not run").isZero();
            List<DeadLetter> dead = awaitDeadLetter(broker, WorkerOptions.DEFAULT_QUEUE);
            assertThat(dead.get(0).reason()).contains("delivered 2 time(s)");
            assertThat(dead.get(0).messageId()).isEqualTo(f.id());
        }
    }

    // ------------------------------------------------------------------ 5: lease renewal from the visibility timeout

    @Test
    void tasksLongerThanTheVisibilityTimeoutRunOnceWhenTheRenewalIsNotSet() throws Exception {
        Duration visibility = Duration.ofMillis(600);
        CountingBroker broker = new CountingBroker(new MemoryBroker(Clock.systemUTC(), visibility, 5));
        Map<String, AtomicInteger> runs = new ConcurrentHashMap<>();
        try (Amdahl app = Amdahl.builder().broker(broker).build()) {
            Task<String, String> slow = app.task("r.slow", String.class, String.class, s -> {
                runs.computeIfAbsent(s, k -> new AtomicInteger()).incrementAndGet();
                try {
                    Thread.sleep(visibility.multipliedBy(3).toMillis());   // the work itself: three timeouts long
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                return s;
            });
            Worker worker = app.startWorker(WorkerOptions.builder().concurrency(4).build());
            assertThat(((dev.amdahl.internal.worker.WorkerRuntime) worker).leaseRenewal()).isEqualTo(Duration.ofMillis(200));
            List<TaskFuture<String>> fs = List.of(slow.submit("a"), slow.submit("b"));

            for (TaskFuture<String> f : fs) {
                f.get(WAIT.toSeconds(), TimeUnit.SECONDS);
            }

            assertThat(runs).hasSize(2).allSatisfy((k, n) -> assertThat(n.get()).as("runs of %s", k).isEqualTo(1));
            assertThat(broker.delivered.get()).isEqualTo(2);
        }
    }

    // ------------------------------------------------------------------ 6: paused worker

    @Test
    void aWorkerThatLostItsLeasesDoesNotRunTheMessagesItPrefetched() throws Exception {
        MutableClock clock = new MutableClock(Instant.now());
        Duration visibility = Duration.ofSeconds(30);
        MemoryBroker memory = new MemoryBroker(clock, visibility, 5);
        AtomicInteger reportedLost = new AtomicInteger();
        ForwardingBroker broker = new ForwardingBroker(memory) {
            @Override
            public boolean extendLease(Delivery delivery) {
                boolean kept = super.extendLease(delivery);
                if (!kept) {
                    reportedLost.incrementAndGet();
                }
                return kept;
            }
        };
        CountDownLatch firstRuns = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        AtomicInteger prefetchedRuns = new AtomicInteger();
        try (Amdahl app = Amdahl.builder().broker(broker).clock(clock).build()) {
            Task<String, String> block = app.task("r.block", String.class, String.class, s -> {
                firstRuns.countDown();
                try {
                    release.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                return s;
            });
            Task<String, String> later = app.task("r.later", String.class, String.class, s -> {
                prefetchedRuns.incrementAndGet();
                return s;
            });
            Worker worker = app.startWorker(WorkerOptions.builder().concurrency(1).prefetch(4)
                    .leaseRenewal(Duration.ofMillis(50)).build());
            TaskFuture<String> running = block.submit("first");
            assertThat(firstRuns.await(WAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();
            List<TaskFuture<String>> prefetched = List.of(later.submit("a"), later.submit("b"), later.submit("c"));
            Await.until(WAIT, "the worker to prefetch the three", () -> memory.depth(WorkerOptions.DEFAULT_QUEUE) == 0);

            // the worker is paused past the visibility timeout: no renewal reaches the broker, another worker takes over
            clock.advance(visibility.plusSeconds(1));
            List<Delivery> takenOver = memory.poll(List.of(WorkerOptions.DEFAULT_QUEUE), 10, WAIT);
            assertThat(takenOver).hasSize(4);
            // on resuming, the renewer asks the broker and learns the four leases are lost; then the running task ends
            Await.until(WAIT, "the broker to report the four leases lost", () -> reportedLost.get() >= 4);
            release.countDown();
            assertThat(running.get(WAIT.toSeconds(), TimeUnit.SECONDS)).isEqualTo("first");
            assertThat(((dev.amdahl.internal.worker.WorkerRuntime) worker).heldCount()).as("messages held after losing them").isZero();
            worker.close();

            assertThat(prefetchedRuns.get()).as("prefetched messages whose leases were lost, run anyway").isZero();
            assertThat(prefetched).allSatisfy(f -> assertThat(f.state()).isEqualTo(TaskState.PENDING));
            // the other worker still owns them: settling them works
            takenOver.forEach(memory::ack);
        }
    }

    // ------------------------------------------------------------------ 6, what a lost running task publishes

    /**
     * Runs {@code submit}'s first task on a worker that loses its lease while the task runs (another consumer takes
     * the message over), lets the task end, closes the worker, and returns how many messages it published meanwhile.
     */
    private static int publishedAfterLosingTheLease(boolean failWithRetry) throws Exception {
        MutableClock clock = new MutableClock(Instant.now());
        Duration visibility = Duration.ofSeconds(30);
        MemoryBroker memory = new MemoryBroker(clock, visibility, 5);
        AtomicInteger reportedLost = new AtomicInteger();
        AtomicInteger publishedAfterTakeover = new AtomicInteger();
        CountDownLatch takenOver = new CountDownLatch(1);
        ForwardingBroker broker = new ForwardingBroker(memory) {
            @Override
            public boolean extendLease(Delivery delivery) {
                boolean kept = super.extendLease(delivery);
                if (!kept) {
                    reportedLost.incrementAndGet();
                }
                return kept;
            }

            @Override
            public void publish(String queue, OutboundMessage message) {
                if (takenOver.getCount() == 0) {
                    publishedAfterTakeover.incrementAndGet();
                }
                super.publish(queue, message);
            }
        };
        CountDownLatch running = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        try (Amdahl app = Amdahl.builder().broker(broker).clock(clock).build()) {
            Task<String, String> slow = app.task("r.slow", String.class, String.class,
                    TaskOptions.builder().retryOn(java.io.IOException.class).maxRetries(3).build(), s -> {
                        running.countDown();
                        release.await();
                        if (failWithRetry) {
                            throw new java.io.IOException("try again");
                        }
                        return s;
                    });
            Task<String, String> next = app.task("r.next", String.class, String.class, s -> s);
            Worker worker = app.startWorker(WorkerOptions.builder().concurrency(1).leaseRenewal(Duration.ofMillis(50)).build());
            slow.sig("x").then(next.sig()).submit();
            assertThat(running.await(WAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();

            clock.advance(visibility.plusSeconds(1));
            List<Delivery> other = memory.poll(List.of(WorkerOptions.DEFAULT_QUEUE), 10, WAIT);
            assertThat(other).hasSize(1);
            takenOver.countDown();
            Await.until(WAIT, "the worker to hear its lease is lost", () -> reportedLost.get() >= 1);
            release.countDown();
            worker.close();    // waits for the task to end and for what follows its outcome
            memory.ack(other.get(0));
        }
        return publishedAfterTakeover.get();
    }

    @Test
    void aTaskWhoseLeaseWasLostWhileItRanDoesNotPublishItsWorkflowSteps() throws Exception {
        assertThat(publishedAfterLosingTheLease(false)).as("steps published by the worker that lost the message").isZero();
    }

    @Test
    void aTaskWhoseLeaseWasLostWhileItRanDoesNotPublishItsRetry() throws Exception {
        assertThat(publishedAfterLosingTheLease(true)).as("retries published by the worker that lost the message").isZero();
    }

    // ------------------------------------------------------------------ 8: a store that fails once

    @Test
    void aStoreThatFailsAFewTimesIsRetriedAndTheTaskRunsOnce() throws Exception {
        AtomicInteger failuresLeft = new AtomicInteger(2);
        ForwardingResultBackend flaky = new ForwardingResultBackend(new MemoryResultBackend()) {
            @Override
            public Map<String, TaskRecord> storeAllUnlessFinal(List<TaskRecord> records) {
                if (records.stream().anyMatch(r -> r.state() == TaskState.SUCCESS) && failuresLeft.getAndDecrement() > 0) {
                    throw new IllegalStateException("Connection reset by peer");
                }
                return super.storeAllUnlessFinal(records);
            }
        };
        RunsAndDeliveries seen = runOneTaskOn(flaky);
        assertThat(seen.runs()).isEqualTo(1);
        assertThat(seen.deliveries()).isEqualTo(1);
    }

    private record RunsAndDeliveries(int runs, int deliveries) {
    }

    /** Submits one task to a worker on {@code backend}, waits for its result, and counts its runs and deliveries. */
    private static RunsAndDeliveries runOneTaskOn(ResultBackend backend) throws Exception {
        CountingBroker broker = new CountingBroker(new MemoryBroker(Clock.systemUTC()));
        AtomicInteger runs = new AtomicInteger();
        try (Amdahl app = Amdahl.builder().broker(broker).resultBackend(backend).build()) {
            Task<String, String> once = app.task("r.once", String.class, String.class, s -> {
                runs.incrementAndGet();
                return s + "!";
            });
            app.startWorker(WorkerOptions.builder().concurrency(1).build());
            assertThat(once.submit("x").get(WAIT.toSeconds(), TimeUnit.SECONDS)).isEqualTo("x!");
        }
        return new RunsAndDeliveries(runs.get(), broker.delivered.get());
    }

    // ------------------------------------------------------------------ 10: the same task id twice

    @Test
    void aSecondMessageReusingAFinishedTasksIdIsAcknowledgedWithoutRunning() throws Exception {
        CountingBroker broker = new CountingBroker(new MemoryBroker(Clock.systemUTC()));
        AtomicInteger runs = new AtomicInteger();
        try (Amdahl app = Amdahl.builder().broker(broker).build()) {
            Task<String, String> once = app.task("r.once", String.class, String.class, s -> {
                runs.incrementAndGet();
                return s;
            });
            app.startWorker(WorkerOptions.builder().concurrency(1).build());
            TaskFuture<String> f = once.submit("x");
            assertThat(f.get(WAIT.toSeconds(), TimeUnit.SECONDS)).isEqualTo("x");
            Await.until(WAIT, "the first message to be acknowledged", () -> broker.acked.get() == 1);

            // another client (or a replayed message) publishes a message with the same task id
            broker.publish(WorkerOptions.DEFAULT_QUEUE, OutboundMessage.of("replayed", broker.published.get(f.id())));

            Await.until(WAIT, "the second message to be acknowledged", () -> broker.acked.get() == 2);
            assertThat(runs.get()).isEqualTo(1);
            assertThat(broker.deadLetters(WorkerOptions.DEFAULT_QUEUE, 10)).isEmpty();
        }
    }

    // ------------------------------------------------------------------ review: a batch whose handling throws

    @Test
    void aBatchWhoseHandlingThrowsIsGivenBackAndTheConsumerGoesOn() throws Exception {
        AtomicInteger brokenReads = new AtomicInteger(1);
        // a broken backend (or a bug) throws out of the consumer's handling of one batch: here, no map at all
        ForwardingResultBackend broken = new ForwardingResultBackend(new MemoryResultBackend()) {
            @Override
            public Map<String, TaskRecord> getAll(java.util.Collection<String> taskIds) {
                if (Thread.currentThread().getName().startsWith("amdahl-consumer") && brokenReads.getAndDecrement() > 0) {
                    return null;
                }
                return super.getAll(taskIds);
            }
        };
        RunsAndDeliveries seen = runOneTaskOn(broken);
        assertThat(seen.runs()).isEqualTo(1);
        assertThat(seen.deliveries()).as("the given-back delivery and the one that ran").isEqualTo(2);
    }

    @Test
    void aMalformedMessagesFailureIsStoredAfterAConnectionReset() throws Exception {
        MemoryResultBackend backend = new MemoryResultBackend();
        AtomicInteger failuresLeft = new AtomicInteger(1);
        ForwardingResultBackend flaky = new ForwardingResultBackend(backend) {
            @Override
            public Map<String, TaskRecord> storeAllUnlessFinal(List<TaskRecord> records) {
                if (records.stream().anyMatch(r -> r.state() == TaskState.FAILURE) && failuresLeft.getAndDecrement() > 0) {
                    throw new IllegalStateException("Connection reset by peer");
                }
                return super.storeAllUnlessFinal(records);
            }
        };
        CountingBroker broker = new CountingBroker(new MemoryBroker(Clock.systemUTC()));
        try (Amdahl app = Amdahl.builder().broker(broker).resultBackend(flaky).build()) {
            app.startWorker(WorkerOptions.builder().concurrency(1).build());

            broker.publish(WorkerOptions.DEFAULT_QUEUE, OutboundMessage.of("garbage", "{\"amdahl\":1,\"id\":\"t-bad\",\"task\":7,\"args\":1}"
                    .getBytes(java.nio.charset.StandardCharsets.UTF_8)));

            awaitDeadLetter(broker, WorkerOptions.DEFAULT_QUEUE);
            assertThat(backend.get("t-bad")).as("the FAILURE a waiting client reads")
                    .hasValueSatisfying(r -> assertThat(r.state()).isEqualTo(TaskState.FAILURE));
        }
    }
}
