package dev.amdahl;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(60)
class EagerModeTest {

    record Point(double x, double y) {
    }

    /** Encodes fine ({"x":1}) but has no creator, so it cannot be decoded on the worker side. */
    static final class OneWay {
        private final int x;

        OneWay(int x) {
            this.x = x;
        }

        public int getX() {
            return x;
        }
    }

    @Test
    void runsTasksInTheCallersThreadWithNoWorker() throws Exception {
        AtomicReference<Thread> ranOn = new AtomicReference<>();
        try (Amdahl app = Amdahl.builder().eager(true).build()) {
            Task<Point, Double> norm = app.task("norm", Point.class, Double.class, p -> {
                ranOn.set(Thread.currentThread());
                return Math.hypot(p.x(), p.y());
            });

            TaskFuture<Double> f = norm.submit(new Point(3, 4));

            assertThat(f.isDone()).isTrue();
            assertThat(f.get()).isEqualTo(5.0);
            assertThat(ranOn.get()).isSameAs(Thread.currentThread());
            assertThat(norm.map(List.of(new Point(0, 1), new Point(6, 8)), 2).result(Duration.ZERO)).containsExactly(1.0, 10.0);
        }
    }

    @Test
    void anArgumentThatDoesNotSurviveTheWireFailsTheTest() {
        try (Amdahl app = Amdahl.builder().eager(true).build()) {
            Task<OneWay, Integer> t = app.task("one.way", OneWay.class, Integer.class, OneWay::getX);

            TaskFuture<Integer> f = t.submit(new OneWay(1));

            assertThat(f.toCompletableFuture()).isCompletedExceptionally();
            Throwable cause = org.assertj.core.api.Assertions.catchThrowableOfType(ExecutionException.class, f::get).getCause();
            assertThat(cause).isInstanceOf(TaskFailedException.class)
                    .hasMessageContaining("one.way")
                    .hasMessageContaining("does not decode into " + OneWay.class.getName());
        }
    }

    @Test
    void aTaskFailureSurfacesAsInProduction() {
        try (Amdahl app = Amdahl.builder().eager(true).build()) {
            Task<String, Integer> parse = app.task("parse", String.class, Integer.class, Integer::parseInt);

            TaskFuture<Integer> f = parse.submit("forty-two");

            assertThat(f.state()).isEqualTo(TaskState.FAILURE);
            Throwable cause = org.assertj.core.api.Assertions.catchThrowableOfType(ExecutionException.class, f::get).getCause();
            assertThat(((TaskFailedException) cause).remoteType()).isEqualTo(NumberFormatException.class.getName());
        }
    }

    /** Eager mode stores through the state machine too: a revocation stored while the task ran is final. */
    @Test
    void aTaskRevokedWhileItRunsEagerlyStaysRevoked() {
        try (Amdahl app = Amdahl.builder().eager(true).build()) {
            Task<Integer, Integer> selfRevoking = app.task("self.revoking", Integer.class, Integer.class, x -> {
                app.revoke(TaskContext.current().taskId());
                return x;
            });

            TaskFuture<Integer> f = selfRevoking.submit(1);

            assertThat(f.isCancelled()).isTrue();
            assertThat(f.state()).isEqualTo(TaskState.REVOKED);
            assertThat(app.resultBackend().get(f.id()).orElseThrow().state()).isEqualTo(TaskState.REVOKED);
        }
    }

    @Test
    void aTaskRevokedBetweenItsEagerRetriesIsNotRunAgainNorOverwritten() {
        java.util.concurrent.atomic.AtomicInteger runs = new java.util.concurrent.atomic.AtomicInteger();
        try (Amdahl app = Amdahl.builder().eager(true).build()) {
            Task<Integer, Integer> flaky = app.task("flaky.revoked", Integer.class, Integer.class, x -> {
                runs.incrementAndGet();
                app.revoke(TaskContext.current().taskId());
                throw TaskContext.current().retry(new IllegalStateException("again"), Duration.ZERO);
            });

            TaskFuture<Integer> f = flaky.submit(1);

            assertThat(f.state()).isEqualTo(TaskState.REVOKED);
            assertThat(runs).hasValue(1);
        }
    }
}
