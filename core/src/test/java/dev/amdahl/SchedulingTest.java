package dev.amdahl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.amdahl.testkit.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** ETA and countdown, expiry, routing and priorities. */
class SchedulingTest {

    private static final Duration WAIT = Duration.ofSeconds(10);

    @Test
    void aCountdownIsHonouredWithin100Milliseconds() {
        try (Amdahl app = Amdahl.builder().build()) {
            Task<String, Long> stamp = app.task("stamp", String.class, Long.class, s -> System.nanoTime());
            app.startWorker(WorkerOptions.builder().concurrency(1).build());
            stamp.submit("warm up").result(WAIT);
            Duration countdown = Duration.ofMillis(300);

            long submitted = System.nanoTime();
            TaskFuture<Long> f = stamp.withOptions(SubmitOptions.builder().countdown(countdown).build()).submit("x");
            Duration late = Duration.ofNanos(f.result(WAIT) - submitted).minus(countdown);

            assertThat(late).isGreaterThanOrEqualTo(Duration.ZERO).isLessThan(Duration.ofMillis(100));
        }
    }

    @Test
    void anEtaIsHonouredWithin100Milliseconds() {
        try (Amdahl app = Amdahl.builder().build()) {
            Task<String, Instant> stamp = app.task("stamp", String.class, Instant.class, s -> Instant.now());
            app.startWorker(WorkerOptions.builder().concurrency(1).build());
            Instant eta = Instant.now().plusMillis(250);

            Instant ran = stamp.withOptions(SubmitOptions.builder().eta(eta).build()).submit("x").result(WAIT);

            assertThat(ran).isAfterOrEqualTo(eta).isBefore(eta.plusMillis(100));
        }
    }

    @Test
    void aNegativeCountdownIsAClearErrorAndSubmitsNothing() {
        try (Amdahl app = Amdahl.builder().build()) {
            Task<String, String> echo = app.task("echo", String.class, String.class, s -> s);

            assertThatThrownBy(() -> echo.withOptions(SubmitOptions.builder().countdown(Duration.ofSeconds(-5)).build()).submit("x"))
                    .isInstanceOf(IllegalArgumentException.class).hasMessage("countdown must not be negative, was PT-5S");
            assertThat(app.broker().depth(app.defaultQueue())).isZero();
        }
    }

    @Test
    void aTaskThatReachesAWorkerAfterItsExpiryIsRevokedAndNotRun() {
        MutableClock clock = new MutableClock(Instant.parse("2030-01-01T00:00:00Z"));
        AtomicInteger runs = new AtomicInteger();
        try (Amdahl app = Amdahl.builder().clock(clock).build()) {
            Task<String, String> news = app.task("news", String.class, String.class, s -> "ran " + runs.incrementAndGet());
            TaskFuture<String> stale = news.withOptions(SubmitOptions.builder().expiresIn(Duration.ofMinutes(1)).build()).submit("x");
            TaskFuture<String> delayed = news.withOptions(SubmitOptions.builder()
                    .countdown(Duration.ofMinutes(1)).expiresIn(Duration.ofMinutes(2)).build()).submit("y");
            clock.advance(Duration.ofMinutes(3));   // no worker for three minutes

            app.startWorker(WorkerOptions.builder().concurrency(1).build());

            assertThatThrownBy(() -> stale.result(WAIT)).isInstanceOf(CancellationException.class);
            assertThatThrownBy(() -> delayed.result(WAIT)).isInstanceOf(CancellationException.class);
            assertThat(stale.state()).isEqualTo(TaskState.REVOKED);
            assertThat(app.resultBackend().get(stale.id()).orElseThrow().error().message()).contains("expired at 2030-01-01T00:01:00Z");
            assertThat(runs).hasValue(0);
            assertThat(news.submit("fresh").result(WAIT)).isEqualTo("ran 1");
        }
    }

    @Test
    void tasksAreRoutedByNameAndPatternFirstMatchWinning() {
        try (Amdahl app = Amdahl.builder().route("photo.thumbnail", "cpu").route("photo.*", "io").build()) {
            Task<String, String> thumbnail = app.task("photo.thumbnail", String.class, String.class, s -> "thumb " + s);
            Task<String, String> metadata = app.task("photo.metadata", String.class, String.class, s -> "meta " + s);
            Task<String, String> index = app.task("index", String.class, String.class, s -> s);
            Task<String, String> special = app.task("photo.special", String.class, String.class,
                    TaskOptions.builder().queue("special").build(), s -> s);

            assertThat(thumbnail.queue()).isEqualTo("cpu");
            assertThat(metadata.queue()).isEqualTo("io");
            assertThat(index.queue()).isEqualTo(app.defaultQueue());
            assertThat(special.queue()).isEqualTo("special");                                      // registration beats routes
            assertThat(metadata.withOptions(SubmitOptions.builder().queue("urgent").build()).queue()).isEqualTo("urgent");
            assertThat(app.route("photo.anything")).isEqualTo("io");

            app.startWorker(WorkerOptions.builder().queues("io").concurrency(1).build());
            TaskFuture<String> thumb = thumbnail.submit("a.jpg");

            assertThat(metadata.submit("a.jpg").result(WAIT)).isEqualTo("meta a.jpg");
            assertThat(thumb.isDone()).isFalse();
            assertThat(app.broker().depth("cpu")).isEqualTo(1);   // waiting for a worker on "cpu"
        }
    }

    @Test
    void badRoutesAreRefusedAtOnce() {
        assertThatThrownBy(() -> Amdahl.builder().route("photo.*", "not a queue")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("queue name");
        assertThatThrownBy(() -> Amdahl.builder().route(" ", "io")).hasMessageContaining("pattern");
    }

    @Test
    void aWorkerTakesHigherPrioritiesFirst() {
        List<String> order = new CopyOnWriteArrayList<>();
        try (Amdahl app = Amdahl.builder().build()) {
            Task<String, String> job = app.task("job", String.class, String.class, s -> {
                order.add(s);
                return s;
            });
            for (int i = 0; i < 3; i++) {
                job.submit("low" + i);
            }
            TaskFuture<String> urgent = job.withOptions(SubmitOptions.builder().priority(9).build()).submit("urgent");
            TaskFuture<String> medium = job.withOptions(SubmitOptions.builder().priority(5).build()).submit("medium");

            app.startWorker(WorkerOptions.builder().concurrency(1).prefetch(1).build());
            job.map(List.of()).result(WAIT);
            urgent.result(WAIT);
            medium.result(WAIT);
            job.submit("last").result(WAIT);

            assertThat(order).startsWith("urgent", "medium", "low0", "low1", "low2");
        }
    }
}
