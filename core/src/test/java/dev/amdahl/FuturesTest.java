package dev.amdahl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(60)
class FuturesTest {

    private static final Duration WAIT = Duration.ofSeconds(20);

    private final Amdahl app = Amdahl.builder().build();
    private final List<CountDownLatch> gates = List.of(new CountDownLatch(1), new CountDownLatch(1), new CountDownLatch(1));
    private final Task<Integer, Integer> gated = app.task("gated", Integer.class, Integer.class, i -> {
        gates.get(i).await();
        return i;
    });

    @AfterEach
    void close() {
        gates.forEach(CountDownLatch::countDown);
        app.close();
    }

    @Test
    void asCompletedYieldsInCompletionOrder() {
        app.startWorker(WorkerOptions.builder().concurrency(3).build());
        GroupFuture<Integer> group = gated.map(List.of(0, 1, 2));
        List<Integer> order = new ArrayList<>();

        gates.get(2).countDown();
        for (TaskFuture<Integer> done : group.asCompleted()) {
            int i = done.result(WAIT);
            order.add(i);
            if (i == 2) {
                gates.get(0).countDown();
            } else if (i == 0) {
                gates.get(1).countDown();
            }
        }

        assertThat(order).containsExactly(2, 0, 1);
        // having seen every member complete, the group is complete too: no wait needed
        assertThat(group.result(Duration.ZERO)).containsExactly(0, 1, 2);
        assertThat(group.completedCount()).isEqualTo(3);
    }

    @Test
    void aFutureIsAlsoACompletionStage() throws Exception {
        app.startWorker(WorkerOptions.builder().concurrency(1).build());
        gates.forEach(CountDownLatch::countDown);

        int doubled = gated.submit(1).thenApply(x -> x * 2).toCompletableFuture().get(20, TimeUnit.SECONDS);

        assertThat(doubled).isEqualTo(2);
    }

    @Test
    void completingTheCompletableFutureByHandLeavesTheTasksFutureAlone() {
        TaskFuture<Integer> f = gated.submit(0);
        CompletableFuture<Integer> mine = f.toCompletableFuture();

        assertThat(mine.complete(7)).isTrue();

        assertThat(mine).isCompletedWithValue(7);
        assertThat(f.isDone()).isFalse();
        assertThat(f.state()).isEqualTo(TaskState.PENDING);
    }

    @Test
    void orTimeoutFiresOnAFutureOfATaskNoWorkerTakes() {
        TaskFuture<Integer> f = gated.submit(0);

        CompletableFuture<Integer> timed = f.toCompletableFuture().orTimeout(50, TimeUnit.MILLISECONDS);

        assertThat(timed).failsWithin(WAIT).withThrowableOfType(ExecutionException.class)
                .withCauseInstanceOf(TimeoutException.class);
        assertThat(f.isDone()).as("the task's own future waits on").isFalse();
    }

    @Test
    void completeOnTimeoutCompletesWithTheValue() {
        TaskFuture<Integer> f = gated.submit(0);

        CompletableFuture<Integer> value = f.toCompletableFuture().completeOnTimeout(-1, 50, TimeUnit.MILLISECONDS)
                .thenApply(x -> x * 10);

        assertThat(value).succeedsWithin(WAIT).isEqualTo(-10);
        assertThat(f.isDone()).isFalse();
    }

    @Test
    void theCompletableFutureFollowsTheTaskAndChainsOn() {
        app.startWorker(WorkerOptions.builder().concurrency(1).build());
        TaskFuture<Integer> f = gated.submit(2);
        CompletableFuture<Integer> timed = f.toCompletableFuture().orTimeout(20, TimeUnit.SECONDS);

        gates.get(2).countDown();

        assertThat(timed.thenApply(x -> x + 1)).succeedsWithin(WAIT).isEqualTo(3);
    }

    @Test
    void cancellingTheCompletableFutureRevokesTheTask() {
        TaskFuture<Integer> f = gated.submit(0);

        assertThat(f.toCompletableFuture().cancel(false)).isTrue();

        assertThatThrownBy(() -> f.result(WAIT)).isInstanceOf(CancellationException.class);
        assertThat(f.state()).isEqualTo(TaskState.REVOKED);
    }

    @Test
    void theTasksOwnFutureCannotBeCompletedByHand() {
        TaskFuture<Integer> f = gated.submit(0);

        assertThatThrownBy(() -> ((CompletableFuture<Integer>) f).complete(7)).isInstanceOf(UnsupportedOperationException.class);
    }

    @Test
    void aGroupsCompletableFutureTimesOutToo() {
        GroupFuture<Integer> g = gated.map(List.of(0, 1));

        assertThat(g.toCompletableFuture().orTimeout(50, TimeUnit.MILLISECONDS)).failsWithin(WAIT)
                .withThrowableOfType(ExecutionException.class).withCauseInstanceOf(TimeoutException.class);
        assertThatThrownBy(() -> g.result(Duration.ofMillis(20))).isInstanceOfSatisfying(TaskTimeoutException.class, e -> {
            assertThat(e.taskName()).isEmpty();
            assertThat(e.taskId()).isEqualTo(g.id());
        });
    }

    @Test
    void cancellingRevokesATaskNoWorkerHasStarted() {
        AtomicInteger runs = new AtomicInteger();
        Task<Integer, Integer> counted = app.task("counted", Integer.class, Integer.class, x -> {
            runs.incrementAndGet();
            return x;
        });
        TaskFuture<Integer> f = counted.submit(1);

        assertThat(f.cancel(false)).isTrue();
        app.startWorker(WorkerOptions.builder().concurrency(1).build());

        assertThatThrownBy(() -> f.result(WAIT)).isInstanceOf(CancellationException.class).hasMessageContaining("revoked");
        assertThat(f.state()).isEqualTo(TaskState.REVOKED);
        assertThat(counted.submit(2).result(WAIT)).isEqualTo(2);
        assertThat(runs).hasValue(1);
        assertThat(app.broker().depth("amdahl")).isZero();
    }

    @Test
    void waitingTooLongSaysWhatTheTaskIsDoing() {
        TaskFuture<Integer> f = gated.submit(0);

        assertThatThrownBy(() -> f.result(Duration.ofMillis(50)))
                .isInstanceOfSatisfying(TaskTimeoutException.class, e -> {
                    assertThat(e.taskName()).contains("gated");
                    assertThat(e.taskId()).isEqualTo(f.id());
                    assertThat(e.timeout()).isEqualTo(Duration.ofMillis(50));
                    assertThat(e.state()).isEqualTo(TaskState.PENDING);
                    assertThat(e).hasCauseInstanceOf(TimeoutException.class);
                })
                .hasMessageContaining(f.id())
                .hasMessageContaining("PENDING")
                .hasMessageContaining("Is a worker consuming its queue?");
    }
}
