package dev.amdahl;

import static org.assertj.core.api.Assertions.assertThat;

import dev.amdahl.internal.memory.MemoryBroker;
import dev.amdahl.testkit.Await;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** A running task's progress reaches the caller: on the future, and to subscribers. */
class ProgressTest {

    private static final Duration WAIT = Duration.ofSeconds(10);

    /** Steps through two progress reports, each released by the test. */
    private static final class Steps {
        final CountDownLatch first = new CountDownLatch(1);
        final CountDownLatch second = new CountDownLatch(1);

        String run(String photo) throws InterruptedException {
            TaskContext task = TaskContext.current();
            task.progress(0.25, "copying " + photo);
            assertThat(first.await(10, TimeUnit.SECONDS)).isTrue();
            task.progress(0.75, "resizing " + photo);
            assertThat(second.await(10, TimeUnit.SECONDS)).isTrue();
            return photo + " imported";
        }
    }

    private static void awaitSize(List<?> list, int size) {
        Await.until(Duration.ofSeconds(10), size + " progress updates", () -> list.size() >= size);
    }

    private static void checkProgressReaches(Amdahl app) throws Exception {
        Steps steps = new Steps();
        Task<String, String> importPhoto = app.task("photo.import", String.class, String.class, steps::run);
        app.startWorker(WorkerOptions.builder().concurrency(1).build());
        List<Progress> seen = new CopyOnWriteArrayList<>();
        CountDownLatch firstSeen = new CountDownLatch(1);

        TaskFuture<String> f = importPhoto.submit("cat.jpg").onProgress(p -> {
            seen.add(p);
            firstSeen.countDown();
        });

        assertThat(firstSeen.await(10, TimeUnit.SECONDS)).isTrue();
        assertThat(f.progress()).contains(new Progress(0.25, "copying cat.jpg"));
        assertThat(f.state()).isEqualTo(TaskState.STARTED);
        steps.first.countDown();
        awaitSize(seen, 2);
        assertThat(f.progress()).contains(new Progress(0.75, "resizing cat.jpg"));
        steps.second.countDown();

        assertThat(f.result(WAIT)).isEqualTo("cat.jpg imported");
        assertThat(seen).containsExactly(new Progress(0.25, "copying cat.jpg"), new Progress(0.75, "resizing cat.jpg"));
    }

    @Test
    void theCallerSeesProgressOnTheFutureAndThroughASubscription() throws Exception {
        try (Amdahl app = Amdahl.builder().build()) {
            checkProgressReaches(app);
        }
    }

    /** Without the UpdateFeed capability nothing is pushed: subscribers are fed by reading the record. */
    @Test
    void aBackendThatCannotPushIsRead() throws Exception {
        try (Amdahl app = Amdahl.builder().broker(new MemoryBroker(Clock.systemUTC())).resultBackend(new PlainBackend()).build()) {
            checkProgressReaches(app);
        }
    }

    @Test
    void aBadFractionIsRefusedInTheTask() {
        try (Amdahl app = Amdahl.builder().build()) {
            Task<String, String> bad = app.task("bad", String.class, String.class, s -> {
                TaskContext.current().progress(1.5, "too far");
                return s;
            });
            app.startWorker(WorkerOptions.builder().concurrency(1).build());

            TaskFuture<String> f = bad.submit("x");

            assertThat(f.toCompletableFuture()).failsWithin(WAIT).withThrowableOfType(java.util.concurrent.ExecutionException.class)
                    .withMessageContaining("a progress fraction is between 0 and 1, was 1.5");
        }
    }

    @Test
    void aGroupReportsTheShareOfItsMembersDone() {
        try (Amdahl app = Amdahl.builder().build()) {
            Task<Integer, Integer> square = app.task("square", Integer.class, Integer.class, x -> x * x);
            app.startWorker(WorkerOptions.builder().concurrency(2).build());
            List<Progress> seen = new CopyOnWriteArrayList<>();

            GroupFuture<Integer> all = square.map(List.of(1, 2, 3, 4));
            all.onProgress(seen::add);

            assertThat(all.result(WAIT)).containsExactly(1, 4, 9, 16);
            assertThat(all.progress()).contains(new Progress(1.0, "4 of 4 done"));
        }
    }
}
