package dev.amdahl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

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
    void aFutureCannotBeCompletedByHand() {
        TaskFuture<Integer> f = gated.submit(0);

        assertThatThrownBy(() -> f.toCompletableFuture().complete(7)).isInstanceOf(UnsupportedOperationException.class);
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
                .isInstanceOf(AmdahlException.class)
                .hasMessageContaining(f.id())
                .hasMessageContaining("PENDING")
                .hasMessageContaining("Is a worker consuming its queue?");
    }
}
