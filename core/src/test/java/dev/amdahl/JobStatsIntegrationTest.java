package dev.amdahl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.amdahl.scaling.JobStats;
import java.time.Duration;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.atomic.LongAdder;
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

    /**
     * The job's stats agree with what the test measures itself: the parallel part is the tasks' own run
     * time, the serial part lies between the combine step alone and the whole job's wall time. Bounds, not
     * fixed figures, so a loaded machine cannot fail it.
     */
    @Test
    void aJobWithADeliberateSerialCombineStepReportsThatFraction() {
        try (Amdahl app = Amdahl.builder().build()) {
            LongAdder ownNanos = new LongAdder();
            Task<Integer, Integer> work = app.task("work", Integer.class, Integer.class, ms -> {
                long t0 = System.nanoTime();
                spin(ms);
                ownNanos.add(System.nanoTime() - t0);
                return ms;
            });
            app.startWorker(WorkerOptions.builder().concurrency(1).build());
            work.map(Collections.nCopies(20, 0)).result(Duration.ofSeconds(30)); // warm up the codec paths
            ownNanos.reset();

            long jobStart = System.nanoTime();
            GroupFuture<Integer> job = work.map(Collections.nCopies(10, 50));
            long[] combineNanos = new long[1];
            int total = job.combine(Duration.ofSeconds(30), results -> {
                long t0 = System.nanoTime();
                spin(125);
                combineNanos[0] = System.nanoTime() - t0;
                return results.stream().mapToInt(Integer::intValue).sum();
            });
            double wall = (System.nanoTime() - jobStart) / 1e9;

            assertThat(total).isEqualTo(500);
            JobStats stats = job.stats();
            double own = ownNanos.sum() / 1e9;
            double combine = combineNanos[0] / 1e9;
            assertThat(stats.parallelSeconds()).isBetween(own, own * 1.1 + 0.02);
            double p = stats.parallelSeconds();
            assertThat(stats.serialFraction()).isBetween(combine / (combine + p), wall / (wall + p));
            assertThat(stats.ceiling()).isCloseTo(1 / stats.serialFraction(), within(1e-9));
        }
    }

    @Test
    void chunksCountEachTaskRunOnce() {
        try (Amdahl app = Amdahl.builder().eager(true).build()) {
            LongAdder ownNanos = new LongAdder();
            Task<Integer, Integer> work = app.task("work", Integer.class, Integer.class, ms -> {
                long t0 = System.nanoTime();
                spin(ms);
                ownNanos.add(System.nanoTime() - t0);
                return ms;
            });
            work.map(Collections.nCopies(4, 0), 4).result(Duration.ZERO); // warm up
            ownNanos.reset();
            GroupFuture<Integer> job = work.map(Collections.nCopies(12, 5), 4);

            assertThat(job.result(Duration.ZERO)).hasSize(12);
            // three chunks of four runs: counting each member's share of its chunk would give four times this
            double own = ownNanos.sum() / 1e9;
            assertThat(job.stats().parallelSeconds()).isBetween(own, own * 1.5 + 0.01);
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
