package dev.amdahl;

import static org.assertj.core.api.Assertions.assertThat;

import dev.amdahl.testkit.Await;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class GracefulShutdownTest {

    private static final Duration WAIT = Duration.ofSeconds(20);

    private final Amdahl app = Amdahl.builder().build();
    private final CountDownLatch started = new CountDownLatch(1);
    private final CountDownLatch release = new CountDownLatch(1);
    private final AtomicInteger runs = new AtomicInteger();
    private final Task<Integer, Integer> gated = app.task("gated", Integer.class, Integer.class, x -> {
        runs.incrementAndGet();
        started.countDown();
        if (x == 0) {
            release.await();
        }
        return x;
    });

    @AfterEach
    void close() {
        release.countDown();
        app.close();
    }

    @Test
    void aRunningTaskFinishesWithinTheGraceAndHeldMessagesGoBack() throws Exception {
        Worker first = app.startWorker(WorkerOptions.builder().concurrency(1).prefetch(8).shutdownGrace(WAIT).build());
        GroupFuture<Integer> all = gated.map(IntStream.range(0, 6).boxed().toList());
        assertThat(started.await(10, TimeUnit.SECONDS)).isTrue();

        CompletableFuture<Void> closing = CompletableFuture.runAsync(first::close);
        // the worker stops taking work while the gated task still runs; then the task is let go
        awaitNotRunning(first);
        release.countDown();
        closing.get(20, TimeUnit.SECONDS);

        assertThat(all.members().get(0).result(WAIT)).isZero();
        assertThat(first.completedCount()).isEqualTo(1);
        // the five it held but had not started were given back: a second worker runs them
        app.startWorker(WorkerOptions.builder().concurrency(2).build());
        assertThat(all.result(WAIT)).containsExactly(0, 1, 2, 3, 4, 5);
        assertThat(runs).hasValue(6);
    }

    @Test
    void aTaskStillRunningAfterTheGraceIsInterruptedAndDeliveredAgain() throws Exception {
        Worker first = app.startWorker(WorkerOptions.builder().concurrency(1).shutdownGrace(Duration.ofMillis(100)).build());
        TaskFuture<Integer> stuck = gated.submit(0);
        assertThat(started.await(10, TimeUnit.SECONDS)).isTrue();

        first.close();

        assertThat(first.awaitTermination(Duration.ZERO)).isTrue();
        assertThat(stuck.isDone()).isFalse();
        release.countDown();
        app.startWorker(WorkerOptions.builder().concurrency(1).build());
        assertThat(stuck.result(WAIT)).isZero();
        assertThat(runs).hasValue(2);
    }

    @Test
    void closingTheAppClosesItsWorkers() {
        Worker w = app.startWorker(WorkerOptions.builder().concurrency(1).build());
        release.countDown();
        assertThat(gated.submit(3).result(WAIT)).isEqualTo(3);

        app.close();

        assertThat(w.isRunning()).isFalse();
    }

    private static void awaitNotRunning(Worker w) {
        Await.until(WAIT, "the worker to stop running", () -> !w.isRunning());
    }

    @Test
    void theQueueIsEmptyAfterEverythingRan() {
        app.startWorker(WorkerOptions.builder().concurrency(2).build());
        release.countDown();
        List<Integer> xs = IntStream.range(1, 50).boxed().toList();

        assertThat(gated.map(xs).result(WAIT)).isEqualTo(xs);
        assertThat(app.broker().depth("amdahl")).isZero();
    }
}
