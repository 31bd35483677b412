package dev.amdahl;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;

/**
 * The examples of the guide's "Periodic tasks" and "Revoking tasks" sections, compiled and run. Each sits
 * between {@code // --- guide: NAME ---} and {@code // --- end ---}; docs/guide.md must contain it verbatim
 * (less its indentation). Keep the two in step.
 */
class BeatGuideTest {

    static List<String> periodic() {
        SchedulerTest.FakeClock clock = new SchedulerTest.FakeClock("2026-03-28T12:00:00Z");
        List<String> reports = new ArrayList<>();
        try (Amdahl app = Amdahl.builder().clock(clock).eager(true).build()) {
            // --- guide: periodic ---
            Task<String, String> report = app.task("report.build", String.class, String.class, kind -> {
                reports.add(kind);
                return "report " + kind;
            });
            Task<Integer, Integer> sweep = app.task("cache.sweep", Integer.class, Integer.class, maxAgeMinutes -> 0);

            app.schedule("report.nightly", Schedule.cron("30 2 * * *", ZoneId.of("Europe/Berlin")), report.sig("nightly"));
            app.schedule("report.weekly", Schedule.cron("0 6 * * MON").onMissed(MissedTicks.FIRE_LATEST), report.sig("weekly"));
            app.schedule("cache.sweep", Schedule.every(Duration.ofMinutes(5)), sweep.sig(60));

            try (Scheduler beat = app.startScheduler(SchedulerOptions.builder().background(false).build())) {
                clock.set("2026-03-29T01:00:00Z");   // 03:00 in Berlin: 02:30 did not exist tonight
                beat.tick();                          // fires report.nightly once, and cache.sweep
            }
            // --- end ---
        }
        return reports;
    }

    static Instant springForward() {
        // --- guide: dst ---
        Schedule nightly = Schedule.cron("30 2 * * *", ZoneId.of("Europe/Berlin"));
        Instant tick = nightly.nextAfter(Instant.parse("2026-03-28T12:00:00Z"));   // 2026-03-29T01:00:00Z, 03:00 CEST
        // --- end ---
        return tick;
    }

    static List<Object> revoke() throws Exception {
        List<Object> seen = new ArrayList<>();
        CountDownLatch running = new CountDownLatch(1);
        try (Amdahl app = Amdahl.builder().build()) {
            // --- guide: revoke ---
            Task<Integer, Integer> render = app.task("frame.render", Integer.class, Integer.class, frame -> {
                running.countDown();
                Thread.sleep(60_000);            // long work that honours interruption
                return frame;
            });
            Worker worker = app.startWorker(WorkerOptions.builder().concurrency(1).build());

            TaskFuture<Integer> frame = render.submit(1);
            TaskFuture<Integer> queued = render.submit(2);
            running.await();                     // frame 1 runs; frame 2 waits for the worker's only thread
            queued.cancel(false);                // revoke: no worker will start it
            frame.cancel(true);                  // revoke and terminate: the worker interrupts it

            try {
                frame.get();
            } catch (CancellationException revoked) {
                seen.add(frame.state());          // REVOKED
            }
            app.terminate(frame.id());          // by id, from anywhere: the same, and harmless when repeated
            // --- end ---
            seen.add(queued.state());
            seen.add(worker.isRunning());
        }
        return seen;
    }

    @Test
    void theExamplesRun() throws Exception {
        assertThat(periodic()).containsExactly("nightly");
        assertThat(springForward()).isEqualTo(Instant.parse("2026-03-29T01:00:00Z"));
        assertThat(revoke()).containsExactly(TaskState.REVOKED, TaskState.REVOKED, true);
    }

    @Test
    void theGuideShowsThisCode() throws Exception {
        assertThat(DocSnippets.assertShown(BeatGuideTest.class, "docs/guide.md")).containsExactly("periodic", "dst", "revoke");
        assertThat(java.nio.file.Files.readString(java.nio.file.Path.of("../docs/guide.md"))).contains("## Periodic tasks", "## Revoking tasks");
    }
}
