package dev.amdahl;

import static org.assertj.core.api.Assertions.assertThat;

import dev.amdahl.internal.memory.MemoryBroker;
import dev.amdahl.internal.memory.MemoryResultBackend;
import dev.amdahl.spi.Broker;
import dev.amdahl.spi.ForwardingBroker;
import dev.amdahl.spi.OutboundMessage;
import dev.amdahl.spi.TaskRecord;
import dev.amdahl.spi.UpdateFeed;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class RetryTest {

    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final TaskOptions RETRY_IO_QUICKLY = TaskOptions.builder()
            .retryOn(IOException.class).maxRetries(3).backoff(RetryBackoff.fixed(Duration.ofMillis(10))).build();

    private final Amdahl app = Amdahl.builder().build();
    private final AtomicInteger tries = new AtomicInteger();

    @AfterEach
    void close() {
        app.close();
    }

    private void startWorker() {
        app.startWorker(WorkerOptions.builder().concurrency(1).build());
    }

    /** Every non-final record stored for the task, from before a worker starts. */
    private List<TaskRecord> updatesOf(TaskFuture<?> f) {
        List<TaskRecord> updates = new CopyOnWriteArrayList<>();
        app.resultBackend().capability(UpdateFeed.class).orElseThrow().onUpdate(f.id(), updates::add);
        return updates;
    }

    private static TaskFailedException failureOf(TaskFuture<?> f) {
        Throwable cause = org.assertj.core.api.Assertions.catchThrowableOfType(ExecutionException.class, f::get).getCause();
        assertThat(cause).isInstanceOf(TaskFailedException.class);
        return (TaskFailedException) cause;
    }

    @Test
    void aTaskThatFailsTwiceSucceedsOnTheThirdTryAndTheRecordCountsTheRetries() throws Exception {
        Task<String, String> flaky = app.task("flaky", String.class, String.class, RETRY_IO_QUICKLY, s -> {
            int n = tries.incrementAndGet();
            if (n < 3) {
                throw new IOException("try " + n + " failed");
            }
            return s + " on try " + n + " after " + TaskContext.current().retries() + " retries";
        });
        TaskFuture<String> f = flaky.submit("ok");
        List<TaskRecord> updates = updatesOf(f);
        startWorker();

        assertThat(f.result(WAIT)).isEqualTo("ok on try 3 after 2 retries");

        List<TaskRecord> retries = updates.stream().filter(r -> r.state() == TaskState.RETRY).toList();
        assertThat(retries).extracting(TaskRecord::retries).containsExactly(1, 2);
        assertThat(retries).extracting(r -> r.error().message()).containsExactly("try 1 failed", "try 2 failed");
        assertThat(retries).extracting(r -> r.error().type()).containsOnly("java.io.IOException");
        TaskRecord last = app.resultBackend().get(f.id()).orElseThrow();
        assertThat(last.state()).isEqualTo(TaskState.SUCCESS);
        assertThat(last.retries()).isEqualTo(2);
        assertThat(f.state()).isEqualTo(TaskState.SUCCESS);
    }

    @Test
    void aTaskThatExhaustsItsRetriesFailsWithTheLastCauseAndSaysHowManyTries() {
        Task<String, String> hopeless = app.task("hopeless", String.class, String.class,
                TaskOptions.from(RETRY_IO_QUICKLY).maxRetries(2).build(), s -> {
                    throw new IOException("disk " + tries.incrementAndGet() + " is full");
                });
        startWorker();

        TaskFuture<String> f = hopeless.submit("x");

        TaskFailedException e = failureOf(f);
        assertThat(e.remoteType()).isEqualTo("java.io.IOException");
        assertThat(e.remoteMessage()).isEqualTo("gave up after 3 tries (2 retries allowed); last error: disk 3 is full");
        assertThat(tries).hasValue(3);
        assertThat(app.resultBackend().get(f.id()).orElseThrow().retries()).isEqualTo(2);
        assertThat(f.state()).isEqualTo(TaskState.FAILURE);
    }

    @Test
    void anExceptionNotListedInRetryOnFailsAtOnce() {
        Task<String, String> strict = app.task("strict", String.class, String.class, RETRY_IO_QUICKLY, s -> {
            tries.incrementAndGet();
            throw new IllegalStateException("a bug, not a glitch");
        });
        startWorker();

        TaskFuture<String> f = strict.submit("x");

        TaskFailedException e = failureOf(f);
        assertThat(e.remoteType()).isEqualTo("java.lang.IllegalStateException");
        assertThat(e.remoteMessage()).isEqualTo("a bug, not a glitch");
        assertThat(tries).hasValue(1);
        assertThat(app.resultBackend().get(f.id()).orElseThrow().retries()).isZero();
    }

    @Test
    void aSubmissionCanAllowFewerRetriesThanTheRegistration() {
        Task<String, String> hopeless = app.task("hopeless", String.class, String.class, RETRY_IO_QUICKLY, s -> {
            throw new IOException("no " + tries.incrementAndGet());
        });
        startWorker();

        TaskFuture<String> f = hopeless.withOptions(SubmitOptions.builder().maxRetries(0).build()).submit("x");

        assertThat(failureOf(f).remoteMessage()).startsWith("gave up after 1 tries (0 retries allowed)");
        assertThat(tries).hasValue(1);
    }

    @Test
    void anExplicitRetryWaitsItsCountdownAndShowsRetryOnTheFuture() throws Exception {
        List<Long> startedAt = new CopyOnWriteArrayList<>();
        Task<String, String> polite = app.task("polite", String.class, String.class, s -> {
            startedAt.add(System.nanoTime());
            if (TaskContext.current().retries() == 0) {
                throw TaskContext.current().retry(new IllegalStateException("server busy"), Duration.ofMillis(300));
            }
            return "done";
        });
        TaskFuture<String> f = polite.submit("x");
        CountDownLatch retrying = retryStored(f);
        startWorker();

        assertThat(retrying.await(10, TimeUnit.SECONDS)).isTrue();
        assertThat(f.state()).isIn(TaskState.RETRY, TaskState.STARTED, TaskState.SUCCESS);
        TaskRecord retry = app.resultBackend().get(f.id()).orElseThrow();
        assertThat(f.result(WAIT)).isEqualTo("done");

        assertThat(startedAt).hasSize(2);
        assertThat(Duration.ofNanos(startedAt.get(1) - startedAt.get(0))).isGreaterThanOrEqualTo(Duration.ofMillis(300));
        if (retry.state() == TaskState.RETRY) {   // unless the second try overtook this read
            assertThat(retry.retries()).isEqualTo(1);
            assertThat(retry.error().summary()).isEqualTo("java.lang.IllegalStateException: server busy");
        }
    }

    /** Released when a RETRY record of the task is stored. */
    private CountDownLatch retryStored(TaskFuture<?> f) {
        CountDownLatch retrying = new CountDownLatch(1);
        app.resultBackend().capability(UpdateFeed.class).orElseThrow().onUpdate(f.id(), r -> {
            if (r.state() == TaskState.RETRY) {
                retrying.countDown();
            }
        });
        return retrying;
    }

    @Test
    void theFutureReportsRetryWhileTheNextTryWaits() throws Exception {
        Task<String, String> later = app.task("later", String.class, String.class, s -> {
            throw TaskContext.current().retry(null, Duration.ofHours(1));
        });
        TaskFuture<String> f = later.submit("x");
        CountDownLatch retrying = retryStored(f);
        startWorker();

        assertThat(retrying.await(10, TimeUnit.SECONDS)).isTrue();
        assertThat(f.state()).isEqualTo(TaskState.RETRY);
        assertThat(app.resultBackend().get(f.id()).orElseThrow().retries()).isEqualTo(1);
        assertThat(app.broker().depth(app.defaultQueue())).isZero();   // delayed in the broker, not held by the worker
    }

    @Test
    void aRetryWhosePublishFailsIsNotLost() throws Exception {
        MemoryBroker memory = new MemoryBroker(Clock.systemUTC());
        AtomicBoolean failedOnce = new AtomicBoolean();
        Broker flakyBroker = new ForwardingBroker(memory) {
            @Override
            public void publish(String queue, OutboundMessage message) {
                if (message.id().contains("/retry-") && failedOnce.compareAndSet(false, true)) {
                    throw new IllegalStateException("broker hiccup");
                }
                super.publish(queue, message);
            }
        };
        try (Amdahl flakyApp = Amdahl.builder().broker(flakyBroker).resultBackend(new MemoryResultBackend()).build()) {
            Task<String, Integer> once = flakyApp.task("once", String.class, Integer.class, RETRY_IO_QUICKLY, s -> {
                int n = tries.incrementAndGet();
                if (n == 1) {
                    throw new IOException("first try fails");
                }
                return n;
            });
            flakyApp.startWorker(WorkerOptions.builder().concurrency(1).build());

            // the retry could not be published, so the original went back and ran again
            assertThat(once.submit("x").result(WAIT)).isEqualTo(2);
            assertThat(failedOnce).isTrue();
        }
    }

    @Test
    void eagerModeRetriesAtOnce() throws Exception {
        try (Amdahl eager = Amdahl.builder().eager(true).build()) {
            Task<String, Integer> flaky = eager.task("flaky", String.class, Integer.class,
                    TaskOptions.builder().retryOn(IOException.class).backoff(RetryBackoff.fixed(Duration.ofHours(1))).build(), s -> {
                        if (TaskContext.current().retries() < 2) {
                            throw new IOException("not yet");
                        }
                        return TaskContext.current().retries();
                    });

            TaskFuture<Integer> f = flaky.submit("x");

            assertThat(f.isDone()).isTrue();
            assertThat(f.get()).isEqualTo(2);
        }
    }
}
