package dev.amdahl.examples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.amdahl.Amdahl;
import dev.amdahl.Pool;
import dev.amdahl.ScalingBenchmark;
import dev.amdahl.WorkerOptions;
import dev.amdahl.scaling.ScalingReport;
import dev.amdahl.scaling.WeakScalingReport;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The scaling analysis is accurate: on the synthetic job, whose serial fraction is set, the fitted S comes
 * within 10 % of the configured one, and the predictions for held-out worker counts within 10 % of what those
 * counts measure — fitted on 1 to 8 workers of the thread pool, checked at 16 and 32, far past this machine's
 * cores. It is the acceptance test for the analysis, not a timing goal of the framework: the job's
 * tasks and its serial part sleep to a deadline rather than compute, so what is measured is the time the job
 * was built to take plus the framework's own cost per task, and that does not depend on how busy the cores are.
 *
 * <p>Why these settings hold on a loaded 2-core machine (measured at load 10 to 20 before choosing them): the
 * framework adds two costs to the set times. A gap of about 1 ms between one task and the next on a slot
 * (result stored, next message handed to the thread) lengthens every task, which biases S down by
 * {@code gap/taskMs}; and a few milliseconds per run of submitting and collecting that no worker shares, which
 * biases S up by {@code that/serial part} and shows most at 16 and 32 workers, where a run is shortest. Tasks
 * of 40 ms and a serial part of 200 ms or more keep both within a few per cent; at 25 ms tasks and load 25 the
 * held-out errors reached 9 %. An earlier run of the same check missed by +43 % and +65 % at 16 and 32 workers
 * with S = 0.05, a 67 ms serial part, at load 16 to 20: a serial part that small makes the fixed cost a large
 * share of S and of the 32-worker time. The weak setting keeps a serial part of 200 ms against the few
 * milliseconds of dispatching n times the tasks. The test takes about 55 s, 70 s at load 25.
 */
class SyntheticScalingAccuracyTest {

    private static final double TOLERANCE = 0.10;

    private static final WorkerOptions THREADS = WorkerOptions.builder().pool(Pool.THREADS).build();

    @ParameterizedTest(name = "S = {0}, {2} tasks of {1} ms")
    @CsvSource({"0.15, 40, 32", "0.2, 40, 32", "0.25, 40, 32"})
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void theFittedSerialFractionAndTheHeldOutPredictionsAreWithinTenPerCent(double s, double taskMillis, int tasks) {
        SyntheticJob job = new SyntheticJob(s, taskMillis, tasks);

        ScalingReport report = ScalingBenchmark.builder()
                .workers(1, 2, 4, 8)
                .heldOut(List.of(16, 32))
                .repeat(3)
                .workerOptions(THREADS)
                .build()
                .run(() -> Amdahl.builder().include(job.catalog()).build(), job.benchmark())
                .report();

        double fitted = report.preferredFit().serialFraction();
        StringBuilder figures = new StringBuilder(String.format(Locale.ROOT,
                "strong, configured S %.3f: fitted S %.4f (%+.1f %%)", s, fitted, 100 * (fitted / s - 1)));
        report.heldOut().forEach(h -> figures.append(String.format(Locale.ROOT, ", %d workers predicted %.3f s"
                + " measured %.3f s (%+.1f %%)", h.workers(), h.predictedSeconds(), h.measuredSeconds(),
                100 * h.relativeError())));
        record(figures);

        assertThat(report.superlinear()).as(figures.toString()).isEmpty();
        assertThat(Math.abs(fitted / s - 1)).as(figures.toString()).isLessThan(TOLERANCE);
        assertThat(report.heldOut()).hasSize(2).allSatisfy(h ->
                assertThat(Math.abs(h.relativeError())).as(figures.toString()).isLessThan(TOLERANCE));
    }

    /**
     * Weak scaling: {@code n} workers run {@code n} times the tasks with the same serial part, so Gustafson's
     * serial share of every run is the configured S of the one-worker job.
     */
    @ParameterizedTest(name = "weak, S = {0}, {2} tasks of {1} ms per worker")
    @CsvSource("0.4, 150, 2")
    @Timeout(value = 40, unit = TimeUnit.SECONDS)
    void theFittedGustafsonSerialShareAndTheHeldOutScaledSpeedupAreWithinTenPerCent(double s, double taskMillis,
                                                                                   int tasksPerWorker) {
        SyntheticJob job = new SyntheticJob(s, taskMillis, tasksPerWorker);

        WeakScalingReport report = ScalingBenchmark.builder()
                .workers(1, 2, 4, 8)
                .heldOut(List.of(16))
                .repeat(3)
                .workerOptions(THREADS)
                .build()
                .runWeak(() -> Amdahl.builder().include(job.catalog()).build(), n -> job.scaled(n).benchmark())
                .report();

        double fitted = report.serialFraction();
        StringBuilder figures = new StringBuilder(String.format(Locale.ROOT,
                "weak, configured s' %.3f: fitted s' %.4f (%+.1f %%)", s, fitted, 100 * (fitted / s - 1)));
        report.heldOut().forEach(h -> figures.append(String.format(Locale.ROOT, ", %d workers predicted scaled"
                + " speedup %.2f measured %.2f (%+.1f %%)", h.workers(), h.predictedScaledSpeedup(),
                h.measuredScaledSpeedup(), 100 * h.relativeError())));
        record(figures);

        assertThat(report.estimate()).isEqualTo(WeakScalingReport.Estimate.TASK_TIMES);
        assertThat(Math.abs(fitted / s - 1)).as(figures.toString()).isLessThan(TOLERANCE);
        assertThat(report.heldOut()).hasSize(1).allSatisfy(h ->
                assertThat(Math.abs(h.relativeError())).as(figures.toString()).isLessThan(TOLERANCE));
    }

    /** The figures with the load they were measured at, in the build's log (and target/, for the record). */
    private static void record(StringBuilder figures) {
        String line = figures + ", load " + loadAverage();
        System.err.println(line);
        try {
            Files.writeString(Path.of("target", "synthetic-scaling-accuracy.txt"), line + System.lineSeparator(),
                    java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
        } catch (java.io.IOException e) {
            // the log line above is the record; the file is a convenience
        }
    }

    private static String loadAverage() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).trim();
        } catch (java.io.IOException | UnsupportedOperationException e) {
            return "unknown";
        }
    }
}
