package dev.amdahl;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Soft and hard time limits on the thread pool. */
class TimeLimitTest {

    private static final Duration WAIT = Duration.ofSeconds(10);

    /** Lets the "infinite" loop end after the test, so its abandoned thread does not burn a core for the rest of the build. */
    private volatile boolean releaseLoops;

    private final Amdahl app = Amdahl.builder().build();

    @AfterEach
    void close() {
        releaseLoops = true;
        app.close();
    }

    private static TaskFailedException failureOf(TaskFuture<?> f) {
        Throwable cause = org.assertj.core.api.Assertions.catchThrowableOfType(ExecutionException.class, f::get).getCause();
        assertThat(cause).isInstanceOf(TaskFailedException.class);
        return (TaskFailedException) cause;
    }

    @Test
    void theSoftLimitInterruptsTheTaskWhichCanCleanUp() throws Exception {
        AtomicBoolean cleanedUp = new AtomicBoolean();
        Task<String, String> slow = app.task("slow", String.class, String.class, TaskOptions.builder()
                .softTimeLimit(Duration.ofMillis(200)).hardTimeLimit(Duration.ofSeconds(30)).build(), s -> {
                    try {
                        Thread.sleep(60_000);
                        return "finished";
                    } finally {
                        cleanedUp.set(TaskContext.current().softTimeLimitExceeded());
                    }
                });
        app.startWorker(WorkerOptions.builder().concurrency(1).build());

        TaskFuture<String> f = slow.submit("x");

        TaskFailedException e = failureOf(f);
        assertThat(e.remoteType()).isEqualTo("dev.amdahl.SoftTimeLimitExceeded");
        assertThat(e.remoteMessage()).contains("soft time limit of PT0.2S");
        assertThat(e.remoteStackTrace()).contains("InterruptedException");
        assertThat(cleanedUp).isTrue();
    }

    @Test
    void aTaskCanCatchItsSoftLimitAndReturnWhatItHas() {
        Task<Integer, Integer> count = app.task("count", Integer.class, Integer.class, TaskOptions.builder()
                .softTimeLimit(Duration.ofMillis(100)).build(), max -> {
                    int done = 0;
                    while (done < max) {
                        try {
                            TaskContext.current().checkSoftTimeLimit();
                            Thread.sleep(10);
                            done++;
                        } catch (InterruptedException | SoftTimeLimitExceeded e) {
                            return -done;   // partial: negative marks it
                        }
                    }
                    return done;
                });
        app.startWorker(WorkerOptions.builder().concurrency(1).build());

        assertThat(count.submit(1_000_000).result(WAIT)).isNegative();
        assertThat(count.withOptions(SubmitOptions.builder().softTimeLimit(Duration.ofSeconds(30)).build()).submit(3).result(WAIT))
                .isEqualTo(3);
    }

    @Test
    void theHardLimitFailsALoopThatIgnoresInterruptsAndTheWorkerKeepsItsConcurrency() throws Exception {
        CountDownLatch looping = new CountDownLatch(1);
        Task<String, String> stuck = app.task("stuck", String.class, String.class, TaskOptions.builder()
                .hardTimeLimit(Duration.ofMillis(300)).build(), s -> {
                    looping.countDown();
                    long spins = 0;
                    while (!releaseLoops) {   // a CPU loop: never blocks, never looks at its interrupt
                        spins++;
                    }
                    return "escaped after " + spins;
                });
        CyclicBarrier bothRunning = new CyclicBarrier(2);
        Task<String, String> pair = app.task("pair", String.class, String.class, s -> {
            bothRunning.await(10, TimeUnit.SECONDS);   // only passes if two tasks run at once
            return s;
        });
        Worker worker = app.startWorker(WorkerOptions.builder().concurrency(2).build());

        TaskFuture<String> f = stuck.submit("x");

        TaskFailedException e = failureOf(f);
        assertThat(looping.getCount()).isZero();
        assertThat(e.remoteType()).isEqualTo("dev.amdahl.TimeLimitExceeded");
        assertThat(e.remoteMessage()).contains("exceeded its hard time limit of PT0.3S");
        assertThat(f.state()).isEqualTo(TaskState.FAILURE);

        // the looping thread still spins, yet two tasks run side by side: a new thread took its place
        TaskFuture<String> a = pair.submit("a");
        TaskFuture<String> b = pair.submit("b");
        assertThat(a.result(WAIT)).isEqualTo("a");
        assertThat(b.result(WAIT)).isEqualTo("b");
        assertThat(worker.isRunning()).isTrue();
        assertThat(app.resultBackend().get(f.id()).orElseThrow().state()).isEqualTo(TaskState.FAILURE);
    }

    @Test
    void aTaskWithinItsLimitsIsUnaffected() {
        Task<String, String> quick = app.task("quick", String.class, String.class, TaskOptions.builder()
                .softTimeLimit(Duration.ofSeconds(5)).hardTimeLimit(Duration.ofSeconds(10)).build(), s -> s + "!");
        app.startWorker(WorkerOptions.builder().concurrency(2).build());

        for (int i = 0; i < 50; i++) {
            assertThat(quick.submit("x" + i).result(WAIT)).isEqualTo("x" + i + "!");
        }
    }
}
