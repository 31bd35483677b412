package dev.amdahl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.amdahl.internal.memory.MemoryBroker;
import dev.amdahl.internal.memory.MemoryResultBackend;
import dev.amdahl.testkit.Await;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Schedulers driven by a fake clock: exactly one fire per tick across schedulers, missed ticks, bad input. */
class SchedulerTest {

    /** A clock the test moves by hand. */
    static final class FakeClock extends Clock {
        private volatile Instant now;

        FakeClock(String utc) {
            set(utc);
        }

        void set(String utc) {
            now = Instant.parse(utc);
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            throw new UnsupportedOperationException();
        }

        @Override
        public Instant instant() {
            return now;
        }
    }

    private static final SchedulerOptions MANUAL = SchedulerOptions.builder().background(false).build();

    private final List<AutoCloseable> toClose = new ArrayList<>();

    @AfterEach
    void closeAll() throws Exception {
        for (int i = toClose.size() - 1; i >= 0; i--) {
            toClose.get(i).close();
        }
    }

    private <T extends AutoCloseable> T closeLater(T c) {
        toClose.add(c);
        return c;
    }

    @Test
    void twoSchedulersOnOneSharedBackendFireEachTickOnceAndTheTaskRunsOnce() throws Exception {
        FakeClock clock = new FakeClock("2026-05-04T10:00:30Z");
        MemoryBroker broker = new MemoryBroker(Clock.systemUTC());
        MemoryResultBackend backend = new MemoryResultBackend();
        AtomicInteger runs = new AtomicInteger();
        CompletableFuture<String> ran = new CompletableFuture<>();
        List<Scheduler> beats = new ArrayList<>();
        Worker[] worker = new Worker[1];
        for (int host = 1; host <= 2; host++) {
            // one application per "host", meeting at the shared broker and backend
            Amdahl app = closeLater(Amdahl.builder().broker(broker).resultBackend(backend).clock(clock).build());
            Task<String, String> report = app.task("report", String.class, String.class, s -> {
                runs.incrementAndGet();
                ran.complete(s);
                return s;
            });
            app.schedule("report.minutely", Schedule.every(Duration.ofMinutes(1)), report.sig("tick"));
            beats.add(closeLater(app.startScheduler(SchedulerOptions.builder().name("beat-" + host).background(false).build())));
            if (host == 2) {   // closed first: a worker stops before its broker does
                worker[0] = closeLater(app.startWorker(WorkerOptions.builder().concurrency(1).build()));
            }
        }

        assertThat(beats.get(0).tick() + beats.get(1).tick()).isZero();       // nothing due yet
        clock.set("2026-05-04T10:01:00Z");
        assertThat(beats.get(1).tick() + beats.get(0).tick()).isEqualTo(1);

        assertThat(ran.get(10, TimeUnit.SECONDS)).isEqualTo("tick");
        assertThat(backend.get("beat:report.minutely")).hasValueSatisfying(r ->
                assertThat(r.result()).isEqualTo("{\"tick\":" + Instant.parse("2026-05-04T10:01:00Z").getEpochSecond() + "}"));
        // both schedulers ticking at the same moment, from two threads, for the next ten ticks
        ExecutorService threads = Executors.newFixedThreadPool(2);
        try {
            for (int minute = 2; minute <= 11; minute++) {
                clock.set(String.format("2026-05-04T10:%02d:00Z", minute));
                CyclicBarrier together = new CyclicBarrier(2);
                List<Future<Integer>> fired = new ArrayList<>();
                for (Scheduler beat : beats) {
                    fired.add(threads.submit(() -> {
                        together.await();
                        return beat.tick();
                    }));
                }
                assertThat(fired.get(0).get() + fired.get(1).get()).as("tick at minute %d", minute).isEqualTo(1);
            }
        } finally {
            threads.shutdownNow();
        }
        // wait for the eleventh run, then stop the worker (it finishes what it runs): nothing else ran or waits
        Await.until(Duration.ofSeconds(10), "the eleventh run", () -> runs.get() >= 11);
        worker[0].close();
        assertThat(runs.get()).isEqualTo(11);
        assertThat(broker.depth(WorkerOptions.DEFAULT_QUEUE)).isZero();
    }

    /** An eager application: submitting runs the task at once, so what fired is known when tick() returns. */
    private Amdahl eagerApp(FakeClock clock, MemoryResultBackend backend, Queue<String> fired) {
        // closing an application closes its backend, which for the embedded one only drops its waiters:
        // the records (and so the schedulers' claims and last ticks) stay for the next application
        Amdahl app = closeLater(Amdahl.builder().eager(true).resultBackend(backend).clock(clock).build());
        Task<String, String> record = app.task("record", String.class, String.class, s -> {
            fired.add(s + "@" + clock.instant().toString().substring(11, 16));
            return s;
        });
        Schedule everyMinute = Schedule.every(Duration.ofMinutes(1));
        app.schedule("skip", everyMinute, record.sig("skip"));
        app.schedule("all", everyMinute.onMissed(MissedTicks.FIRE_ALL), record.sig("all"));
        app.schedule("latest", everyMinute.onMissed(MissedTicks.FIRE_LATEST), record.sig("latest"));
        return app;
    }

    @Test
    void ticksMissedWhileNoSchedulerRanAreSkippedOrCaughtUpAsConfigured() {
        FakeClock clock = new FakeClock("2026-05-04T10:00:30Z");
        MemoryResultBackend backend = new MemoryResultBackend();
        Queue<String> fired = new ConcurrentLinkedQueue<>();

        Amdahl first = eagerApp(clock, backend, fired);
        Scheduler beat = first.startScheduler(MANUAL);
        clock.set("2026-05-04T10:01:00Z");
        assertThat(beat.tick()).isEqualTo(3);
        assertThat(fired).containsExactly("skip@10:01", "all@10:01", "latest@10:01");
        beat.close();

        // everything down from 10:01 to 10:05:30; then a scheduler starts on another "host"
        fired.clear();
        clock.set("2026-05-04T10:05:30Z");
        Amdahl second = eagerApp(clock, backend, fired);
        Scheduler later = second.startScheduler(MANUAL);
        assertThat(later.tick()).isEqualTo(5);
        // the tasks ran when fired, so they all saw the clock at 10:05; the ticks they stand for:
        assertThat(fired).containsExactly("all@10:05", "all@10:05", "all@10:05", "all@10:05", "latest@10:05");
        assertThat(lastTicks(backend)).containsExactly("10:01", "10:05", "10:05");

        // and from here on all three fire on time, once
        fired.clear();
        assertThat(later.tick()).isZero();
        clock.set("2026-05-04T10:06:00Z");
        assertThat(later.tick()).isEqualTo(3);
        assertThat(fired).containsExactly("skip@10:06", "all@10:06", "latest@10:06");
    }

    private static List<String> lastTicks(MemoryResultBackend backend) {
        return List.of("skip", "all", "latest").stream()
                .map(name -> backend.get("beat:" + name).orElseThrow().startedAt().toString().substring(11, 16))
                .toList();
    }

    @Test
    void aSchedulerThatFallsBehindWhileRunningFiresOnlyTheLatestTickUnlessToldToFireAll() {
        FakeClock clock = new FakeClock("2026-05-04T10:00:30Z");
        Queue<String> fired = new ConcurrentLinkedQueue<>();
        Amdahl app = eagerApp(clock, new MemoryResultBackend(), fired);
        Scheduler beat = closeLater(app.startScheduler(MANUAL));

        clock.set("2026-05-04T10:03:10Z");   // the host slept through 10:01, 10:02 and 10:03
        assertThat(beat.tick()).isEqualTo(5);
        assertThat(fired).containsExactlyInAnyOrder("skip@10:03", "all@10:03", "all@10:03", "all@10:03", "latest@10:03");
    }

    @Test
    void aSchedulerStartedLaterDoesNotRepeatWhatAnotherFired() {
        FakeClock clock = new FakeClock("2026-05-04T10:00:30Z");
        MemoryResultBackend backend = new MemoryResultBackend();
        Queue<String> fired = new ConcurrentLinkedQueue<>();
        Scheduler a = closeLater(eagerApp(clock, backend, fired).startScheduler(MANUAL));
        clock.set("2026-05-04T10:01:00Z");
        assertThat(a.tick()).isEqualTo(3);

        clock.set("2026-05-04T10:01:40Z");
        Scheduler b = closeLater(eagerApp(clock, backend, fired).startScheduler(MANUAL));
        assertThat(b.tick()).isZero();
        clock.set("2026-05-04T10:02:00Z");
        assertThat(a.tick() + b.tick()).isEqualTo(3);
        assertThat(fired).hasSize(6);
    }

    @Test
    void aBackgroundSchedulerFiresOnItsOwnThread() throws Exception {
        Amdahl app = closeLater(Amdahl.builder().eager(true).build());
        CountDownLatch twice = new CountDownLatch(2);
        Task<String, String> ping = app.task("ping", String.class, String.class, s -> {
            twice.countDown();
            return s;
        });
        app.schedule("ping", Schedule.every(Duration.ofSeconds(1)), ping.sig("x"));

        try (Scheduler beat = app.startScheduler()) {
            assertThat(beat.name()).startsWith("beat-");
            assertThat(twice.await(10, TimeUnit.SECONDS)).isTrue();
        }
    }

    @Test
    void badPeriodicTasksAreRefusedWhenScheduled() {
        Amdahl app = closeLater(Amdahl.builder().build());
        Amdahl other = closeLater(Amdahl.builder().build());
        Task<String, String> echo = app.task("echo", String.class, String.class, s -> s);
        Task<String, String> foreign = other.task("echo", String.class, String.class, s -> s);
        Schedule hourly = Schedule.cron("@hourly");
        app.schedule("echo.hourly", hourly, echo.sig("x"));

        assertThatThrownBy(() -> app.schedule("echo.hourly", hourly, echo.sig("y")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'echo.hourly' is scheduled already");
        assertThatThrownBy(() -> app.schedule("no spaces", hourly, echo.sig("y")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'no spaces' is not allowed");
        assertThatThrownBy(() -> app.schedule("echo.noarg", hourly, echo.sig()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("has no argument");
        assertThatThrownBy(() -> app.schedule("echo.foreign", hourly, foreign.sig("x")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("another Amdahl application");
    }

    /** Without expiring claims two schedulers could both fire a tick: refused at start, not at the first tick. */
    @Test
    @Timeout(30)
    void aBackendWithoutClaimsRefusesToStartAScheduler() {
        Amdahl app = closeLater(Amdahl.builder().broker(new MemoryBroker(Clock.systemUTC())).resultBackend(new PlainBackend()).build());
        Task<String, String> echo = app.task("echo", String.class, String.class, s -> s);
        app.schedule("echo.hourly", Schedule.cron("@hourly"), echo.sig("x"));   // registering is fine: workers do it too

        assertThatThrownBy(() -> app.startScheduler(MANUAL)).isInstanceOf(AmdahlException.class)
                .hasMessage("cannot start a scheduler: the result backend dev.amdahl.PlainBackend does not support expiring"
                        + " claims (it has no dev.amdahl.spi.Claims capability), by which each tick fires once however many"
                        + " schedulers run; start it with a result backend that supports them, such as redis:// or the embedded one");
    }
}
