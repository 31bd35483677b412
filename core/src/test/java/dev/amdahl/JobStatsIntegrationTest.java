package dev.amdahl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.amdahl.scaling.JobStats;
import java.time.Duration;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A job measures its own serial fraction from its events, with no separate scaling run. */
class JobStatsIntegrationTest {

    /** Burns CPU for {@code millis}: deliberate, measurable work (not a wait). */
    static long spin(long millis) {
        long end = System.nanoTime() + millis * 1_000_000;
        long n = 0;
        while (System.nanoTime() < end) {
            n++;
        }
        return n;
    }

    @Test
    void aJobWithADeliberateSerialCombineStepReportsThatFraction() {
        try (Amdahl app = Amdahl.builder().build()) {
            Task<Integer, Integer> work = app.task("work", Integer.class, Integer.class, ms -> {
                spin(ms);
                return ms;
            });
            // one worker thread: on a 2-core machine nothing else competes with the measured work
            app.startWorker(WorkerOptions.builder().concurrency(1).build());
            work.map(Collections.nCopies(20, 0)).result(Duration.ofSeconds(30)); // warm up the codec paths
            // 10 tasks of 50 ms = 500 ms parallel; the combine step spins 125 ms: S = 125 / 625 = 0.2
            // (long tasks, so the codec's per-task overhead stays small next to the deliberate work)
            GroupFuture<Integer> job = work.map(Collections.nCopies(10, 50));

            int total = job.combine(Duration.ofSeconds(30), results -> {
                spin(125);
                return results.stream().mapToInt(Integer::intValue).sum();
            });

            assertThat(total).isEqualTo(500);
            JobStats stats = job.stats();
            assertThat(stats.parallelSeconds()).isCloseTo(0.500, within(0.05));
            assertThat(stats.serialFraction()).isCloseTo(0.2, within(0.02));
            assertThat(stats.ceiling()).isCloseTo(5.0, within(0.5));
        }
    }

    @Test
    void chunksCountEachTaskRunOnce() {
        try (Amdahl app = Amdahl.builder().eager(true).build()) {
            Task<Integer, Integer> work = app.task("work", Integer.class, Integer.class, ms -> {
                spin(ms);
                return ms;
            });
            work.map(Collections.nCopies(4, 0), 4).result(Duration.ZERO); // warm up
            GroupFuture<Integer> job = work.map(Collections.nCopies(12, 5), 4);

            assertThat(job.result(Duration.ZERO)).hasSize(12);
            // three chunks of 4 x 5 ms: 60 ms; counting each member's share of its chunk would give 240 ms
            assertThat(job.stats().parallelSeconds()).isBetween(0.060, 0.150);
        }
    }

    @Test
    void statsOfAFailedOrUnfinishedGroupAreRefused() {
        try (Amdahl app = Amdahl.builder().eager(true).build()) {
            Task<Integer, Integer> fail = app.task("fail", Integer.class, Integer.class, x -> 1 / x);
            GroupFuture<Integer> job = fail.map(List.of(1, 0));

            assertThatThrownBy(job::stats).isInstanceOf(IllegalStateException.class).hasMessageContaining("failed");
        }
    }
}
