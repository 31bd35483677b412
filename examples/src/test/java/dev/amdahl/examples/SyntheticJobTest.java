package dev.amdahl.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.amdahl.Amdahl;
import dev.amdahl.Pool;
import dev.amdahl.ScalingBenchmark;
import dev.amdahl.WorkerOptions;
import dev.amdahl.scaling.ScalingAnalysis;
import dev.amdahl.scaling.ScalingReport;
import dev.amdahl.scaling.ScalingReport.HeldOut;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The synthetic job measured as a user would measure it: fitted on 1 to 8 workers of the thread pool and
 * checked at 16 and 32, far beyond this machine's cores (the tasks wait, they do not compute). What must
 * hold whatever the machine's load is asserted here: the interleaved rounds, the held-out checks, an
 * interval around the fitted S, and that the job spends at least its configured serial time. How close the
 * fitted S and the predictions come to the configured job is asserted by {@link SyntheticScalingAccuracyTest},
 * at settings chosen so that the framework's own cost per task and per run stays small against the job's.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class SyntheticJobTest {

    @Test
    void aScalingRunFitsChecksHeldOutCountsAndGivesSAnInterval() {
        SyntheticJob job = new SyntheticJob(0.1, 2, 32);

        ScalingBenchmark.Result result = ScalingBenchmark.builder()
                .workers(1, 2, 4, 8)
                .heldOut(List.of(16, 32))
                .repeat(3)
                .workerOptions(WorkerOptions.builder().pool(Pool.THREADS).build())
                .analysis(ScalingAnalysis.ofDefaults())
                .build()
                .run(() -> Amdahl.builder().include(job.catalog()).build(), job.benchmark());

        // interleaved: every round visits 1, 2, 4, 8, 16, 32 in turn
        assertThat(result.runs()).hasSize(18);
        assertThat(result.runs().subList(0, 6)).extracting(ScalingBenchmark.Run::workers)
                .containsExactly(1, 2, 4, 8, 16, 32);
        ScalingReport report = result.report();
        assertThat(report.measurements()).extracting(ScalingReport.Measurement::workers).containsExactly(1, 2, 4, 8);
        assertThat(report.heldOut()).extracting(HeldOut::workers).containsExactly(16, 32);
        for (HeldOut check : report.heldOut()) {
            assertThat(check.samples()).isEqualTo(3);
            assertThat(check.relativeError()).isCloseTo(check.measuredSeconds() / check.predictedSeconds() - 1, within(1e-12));
        }
        if (report.superlinear().isEmpty()) {
            ScalingReport.Interval interval = report.serialFractionInterval();
            assertThat(interval.low()).isLessThanOrEqualTo(report.preferredFit().serialFraction());
            assertThat(interval.high()).isGreaterThanOrEqualTo(report.preferredFit().serialFraction());
        }
        // the client waits out the serial part in the fan-in, so the job's own figure counts at least that
        for (ScalingBenchmark.Run run : result.runs()) {
            assertThat(run.jobStats().serialSeconds()).isGreaterThanOrEqualTo(job.serialMillis() / 1e3);
            assertThat(run.jobStats().parallelSeconds()).isGreaterThanOrEqualTo(32 * 0.002 * 0.99);
            assertThat(run.seconds()).isGreaterThanOrEqualTo((job.serialMillis() + 2.0 * Math.ceil(32.0 / run.workers())) / 1e3);
        }
    }

    @Test
    void theSerialPartIsTheConfiguredShareOfTheOneWorkerTime() {
        SyntheticJob job = new SyntheticJob(0.05, 4, 64);
        assertThat(job.serialMillis()).isCloseTo(13.47, within(0.01));
        assertThat(job.serialMillis() / job.oneWorkerMillis()).isCloseTo(0.05, within(1e-12));

        SyntheticJob scaled = job.scaled(4);
        assertThat(scaled.tasks()).isEqualTo(256);
        assertThat(scaled.serialMillis()).isCloseTo(job.serialMillis(), within(1e-9));
    }

    @Test
    void badSettingsAreRejectedWithTheirName() {
        assertThatThrownBy(() -> new SyntheticJob(1.0, 4, 64)).hasMessageContaining("serial fraction");
        assertThatThrownBy(() -> new SyntheticJob(0.1, 0, 64)).hasMessageContaining("task's time");
        assertThatThrownBy(() -> new SyntheticJob(0.1, 4, 0)).hasMessageContaining("at least 1 task");
        assertThatThrownBy(() -> SyntheticTasks.waitMicros(-1L)).hasMessageContaining("microseconds");
    }
}
