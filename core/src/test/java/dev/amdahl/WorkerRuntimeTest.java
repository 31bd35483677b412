package dev.amdahl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class WorkerRuntimeTest {

    record Pair(int a, int b) {
    }

    private final Amdahl app = Amdahl.builder().build();

    @AfterEach
    void close() {
        app.close();
    }

    @Test
    void runsATaskAndReturnsItsTypedResult() throws Exception {
        Task<Pair, Integer> add = app.task("add", Pair.class, Integer.class, p -> p.a() + p.b());
        app.startWorker(WorkerOptions.builder().concurrency(2).build());

        TaskFuture<Integer> sum = add.submit(new Pair(2, 3));

        assertThat(sum.get()).isEqualTo(5);
        assertThat(sum.state()).isEqualTo(TaskState.SUCCESS);
    }

    @Test
    void mapReturnsResultsInArgumentOrder() {
        Task<Integer, Integer> square = app.task("square", Integer.class, Integer.class, x -> x * x);
        app.startWorker(WorkerOptions.builder().concurrency(4).build());
        List<Integer> xs = IntStream.range(0, 500).boxed().toList();

        assertThat(square.map(xs).result(Duration.ofSeconds(30))).isEqualTo(xs.stream().map(x -> x * x).toList());
        assertThat(square.map(xs, 7).result(Duration.ofSeconds(30))).isEqualTo(xs.stream().map(x -> x * x).toList());
    }

    @Test
    void aFailingTaskRethrowsTheRemoteTypeMessageAndStack() {
        Task<String, String> boom = app.task("boom", String.class, String.class, s -> {
            throw new IllegalStateException("no " + s);
        });
        app.startWorker(WorkerOptions.builder().concurrency(1).build());

        TaskFuture<String> f = boom.submit("luck");

        assertThatThrownBy(f::get).isInstanceOf(ExecutionException.class)
                .cause().isInstanceOfSatisfying(TaskFailedException.class, e -> {
                    assertThat(e.remoteType()).isEqualTo("java.lang.IllegalStateException");
                    assertThat(e.remoteMessage()).isEqualTo("no luck");
                    assertThat(e.remoteStackTrace()).contains("WorkerRuntimeTest");
                    assertThat(e.taskName()).isEqualTo("boom");
                    assertThat(e.getMessage()).contains("boom", f.id(), "no luck");
                });
        assertThat(f.state()).isEqualTo(TaskState.FAILURE);
    }
}
