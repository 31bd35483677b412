package dev.amdahl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.amdahl.scaling.JobStats;
import dev.amdahl.scaling.ScalingAnalysis;
import dev.amdahl.scaling.ScalingReport;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The measuring loop only: what ran, how often, and what came out. Timings are not asserted. */
class ScalingBenchmarkTest {

    /** Tasks that burn a few milliseconds of CPU each. */
    public static final class SpinTasks implements TaskCatalog {
        static final String SPIN = "test.spin";

        @Override
        public void register(Amdahl app) {
            app.task(SPIN, Integer.class, Integer.class, ms -> {
                JobStatsIntegrationTest.spin(ms);
                return ms;
            });
        }

        static Task<Integer, Integer> spin(Amdahl app) {
            return app.task(SPIN, Integer.class, Integer.class);
        }
    }

    /** The Javadoc example of {@link ScalingBenchmark}, with a small job. */
    @Test
    void runsEachCountWithAWarmUpAndReportsTheFitBesideTheJobsOwnStats() throws Exception {
        AtomicInteger applications = new AtomicInteger();
        AtomicInteger warmUps = new AtomicInteger();
        List<ScalingBenchmark.Run> told = new ArrayList<>();
        ScalingBenchmark.Job job = new ScalingBenchmark.Job() {
            @Override
            public JobStats run(Amdahl app) {
                GroupFuture<Integer> parts = SpinTasks.spin(app).map(Collections.nCopies(8, 2));
                int total = parts.combine(Duration.ofSeconds(30), list -> list.stream().mapToInt(i -> i).sum());
                assertThat(total).isEqualTo(16);
                return parts.stats();
            }

            @Override
            public void warmUp(Amdahl app) {
                warmUps.incrementAndGet();
                run(app);
            }
        };

        ScalingBenchmark.Result result = ScalingBenchmark.builder()
                .workers(2, 1)
                .repeat(2)
                .onRun(told::add)
                .build()
                .run(() -> {
                    applications.incrementAndGet();
                    return Amdahl.builder().include(SpinTasks.class).build();
                }, job);

        // interleaved rounds: a fresh application and a warm-up before every timed run
        assertThat(applications).hasValue(4);
        // the first visit warms up until the warm-up's time settles: at least twice
        assertThat(warmUps.get()).isBetween(3 + 2, 3 + ScalingBenchmark.MAX_FIRST_WARM_UPS);
        assertThat(result.runs()).extracting(ScalingBenchmark.Run::workers).containsExactly(1, 2, 1, 2);
        assertThat(result.runs()).extracting(ScalingBenchmark.Run::index).containsExactly(0, 0, 1, 1);
        assertThat(told).isEqualTo(result.runs());
        assertThat(result.wallSeconds()).containsOnlyKeys(1, 2).allSatisfy((n, times) -> assertThat(times).hasSize(2));
        ScalingReport report = result.report();
        assertThat(report.measurements()).extracting(ScalingReport.Measurement::samples).containsExactly(2, 2);
        assertThat(report.predictions()).extracting(ScalingReport.Prediction::workers).containsExactly(4, 8, 16);
        assertThat(result.jobStats()).isPresent().get().isSameAs(result.runs().get(3).jobStats());

        JsonNode json = new ObjectMapper().readTree(result.toJson());
        assertThat(json.path("runs")).hasSize(4);
        assertThat(json.path("runs").get(0).path("seconds").asDouble()).isPositive();
        assertThat(json.path("report").path("measurements")).hasSize(2);
        assertThat(json.path("jobStats").path("serialFraction").asDouble()).isBetween(0.0, 1.0);

        // which sections appear depends on the timings (a superlinear run has no fit); HtmlReportTest covers them
        String html = result.toHtml("spin <8 tasks>");
        assertThat(html).contains("<h1>spin &lt;8 tasks&gt;</h1>", "<svg ")
                .isEqualTo(report.toHtml("spin <8 tasks>", result.jobStats().orElseThrow()));
    }

    @Test
    void theFirstWarmUpRepeatsUntilItSettlesButNotForever() {
        AtomicInteger calls = new AtomicInteger();
        ScalingBenchmark.warmUpUntilSteady(calls::incrementAndGet);
        // two are needed to compare; a no-op's times vary by far more than 10 %, so it may take all five
        assertThat(calls.get()).isBetween(2, ScalingBenchmark.MAX_FIRST_WARM_UPS);
    }

    @Test
    void aJobWithoutStatsStillGetsItsReport() throws Exception {
        ScalingBenchmark.Result result = ScalingBenchmark.builder()
                .repeat(1)
                .analysis(ScalingAnalysis.builder().predictAt(List.of(64, 3)).build())
                .build()
                .run(() -> Amdahl.builder().include(SpinTasks.class).build(),
                        app -> {
                            SpinTasks.spin(app).map(Collections.nCopies(4, 1)).result(Duration.ofSeconds(30));
                            return null;
                        });

        assertThat(result.jobStats()).isEmpty();
        assertThat(new ObjectMapper().readTree(result.toJson()).path("jobStats").isNull()).isTrue();
        assertThat(result.report().predictions()).extracting(ScalingReport.Prediction::workers).containsExactly(3, 64);
        assertThat(result.toHtml("t")).doesNotContain("Two estimates");
    }

    @Test
    void theBuilderRefusesWhatCannotBeAnalysed() {
        assertThatThrownBy(() -> ScalingBenchmark.builder().workers(0, 1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("at least 1, got 0");
        assertThatThrownBy(() -> ScalingBenchmark.builder().workers(2, 2))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("at least 2 distinct worker counts");
        assertThatThrownBy(() -> ScalingBenchmark.builder().repeat(0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("repeat must be at least 1");
        assertThatThrownBy(() -> ScalingBenchmark.builder().workers(1, 2).heldOut(List.of(2, 4)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("both fitted and held out");
        assertThatThrownBy(() -> ScalingBenchmark.builder().heldOut(List.of(4)).workers(1, 4).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("both fitted and held out");
    }

    @Test
    void aFailingTaskStopsTheBenchmarkWithItsFailure() {
        ScalingBenchmark benchmark = ScalingBenchmark.builder().repeat(1).build();

        assertThatThrownBy(() -> benchmark.run(() -> {
            Amdahl app = Amdahl.builder().build();
            app.task("test.fail", Integer.class, Integer.class, x -> {
                throw new IllegalStateException("no");
            });
            return app;
        }, app -> {
            app.task("test.fail", Integer.class, Integer.class).submit(1).result(Duration.ofSeconds(30));
            return null;
        })).isInstanceOf(TaskFailedException.class);
    }
}
