package dev.amdahl.scaling;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import dev.amdahl.internal.json.Json;
import dev.amdahl.scaling.ScalingAnalysis.WeakRun;
import dev.amdahl.scaling.WeakScalingReport.Estimate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Gustafson's analysis of weak-scaling timings made from the model, with and without noise. */
class WeakScalingAnalysisTest {

    private final ScalingAnalysis analysis = ScalingAnalysis.ofDefaults();

    /**
     * Runs of a job with a fixed serial part {@code serial} and {@code perWorker} seconds of tasks per worker, so
     * that at n workers (and size n) the wall time is {@code serial + perWorker + growth·(n − 1)}, times noise.
     */
    private static Map<Integer, List<WeakRun>> runs(double serial, double perWorker, double growth, double noise,
                                                    int repeat, long seed, int... counts) {
        SplittableRandom random = new SplittableRandom(seed);
        Map<Integer, List<WeakRun>> runs = new TreeMap<>();
        for (int n : counts) {
            List<WeakRun> at = new ArrayList<>();
            for (int r = 0; r < repeat; r++) {
                double wall = (serial + perWorker + growth * (n - 1)) * (1 + noise * (2 * random.nextDouble() - 1));
                at.add(new WeakRun(wall, perWorker * n));
            }
            runs.put(n, at);
        }
        return runs;
    }

    @ParameterizedTest
    @CsvSource({"0.1, 1", "0.1, 2", "0.3, 3", "0.5, 4"})
    void recoversTheSerialShareFromTaskTimes(double s, long seed) {
        WeakScalingReport report = analysis.analyzeWeak(runs(s, 1 - s, 0.0, 0.02, 5, seed, 1, 2, 4, 8, 16), Map.of());

        assertThat(report.estimate()).isEqualTo(Estimate.TASK_TIMES);
        assertThat(report.serialFraction()).isCloseTo(s, within(0.02));
        assertThat(report.degreesOfFreedom()).isEqualTo(3);
        assertThat(report.rmsRelativeError()).isLessThan(0.03);
        assertThat(report.serialFractionInterval().low()).isLessThanOrEqualTo(report.serialFraction());
        assertThat(report.serialFractionInterval().high()).isGreaterThanOrEqualTo(report.serialFraction());
        assertThat(report.scaledSpeedup(16)).isCloseTo(16 - s * 15, within(0.4));
        assertThat(report.measurements().get(0).weakEfficiency()).isEqualTo(1.0);
        assertThat(report.warnings()).isEmpty();
    }

    @Test
    void exactModelTimingsGiveTheScaledSpeedupOfGustafsonsLaw() {
        WeakScalingReport report = analysis.analyzeWeak(runs(0.2, 0.8, 0.0, 0.0, 3, 1, 1, 2, 4, 8),
                runs(0.2, 0.8, 0.0, 0.0, 3, 1, 32));

        assertThat(report.serialFraction()).isCloseTo(0.2, within(1e-9));
        assertThat(report.measurements()).extracting(WeakScalingReport.Measurement::scaledSpeedup)
                .usingElementComparator((a, b) -> Math.abs(a - b) < 1e-9 ? 0 : Double.compare(a, b))
                .containsExactly(1.0, 1.8, 3.4, 6.6);
        assertThat(report.heldOut()).hasSize(1);
        assertThat(report.heldOut().get(0).predictedScaledSpeedup()).isCloseTo(32 - 0.2 * 31, within(1e-9));
        assertThat(report.heldOut().get(0).relativeError()).isCloseTo(0.0, within(1e-9));
        assertThat(report.predictions()).extracting(WeakScalingReport.Prediction::workers).containsExactly(64, 128, 256);
        // 1 - s' = 0.8 meets the 80 % target however many workers: no limit
        assertThat(report.advice().workers()).isNull();
        assertThat(report.advice().gainPerWorker()).isCloseTo(0.8, within(1e-9));
        assertThat(report.advice().workersAtMeasuredWeakEfficiency()).isEqualTo(8);
    }

    @Test
    void theAdviceIsWhereTheScaledEfficiencyFallsBelowTheTarget() {
        WeakScalingReport report = analysis.analyzeWeak(runs(0.3, 0.7, 0.0, 0.0, 3, 1, 1, 2, 4, 8), Map.of());

        // 1 - 0.3(n - 1)/n >= 0.8 holds up to n = 0.3/(0.3 - 0.2) = 3
        assertThat(report.advice().workers()).isEqualTo(3);
        assertThat(report.advice().scaledEfficiency()).isCloseTo(0.8, within(1e-9));
        assertThat(report.advice().rule()).contains("scaled efficiency").contains("0.7");
    }

    @Test
    void aSerialShareThatGrowsWithTheWorkersIsWarnedAbout() {
        WeakScalingReport report = analysis.analyzeWeak(runs(0.1, 0.9, 0.05, 0.0, 3, 1, 1, 2, 4, 8, 16), Map.of());

        assertThat(report.warnings()).anySatisfy(w -> assertThat(w).contains("grows with n"));
        assertThat(report.measurements().get(4).weakEfficiency()).isCloseTo(1.0 / 1.75, within(1e-9));
        assertThat(report.advice().workersAtMeasuredWeakEfficiency()).isEqualTo(4);
    }

    @Test
    void twoCountsAreAnExactFitWithNoErrorFigure() {
        WeakScalingReport report = analysis.analyzeWeak(runs(0.1, 0.9, 0.0, 0.01, 3, 1, 1, 4), Map.of());

        assertThat(report.exact()).isTrue();
        assertThat(report.rmsRelativeError()).isNull();
        assertThat(report.warnings()).anySatisfy(w -> assertThat(w).startsWith("exact fit: too few worker counts"));
    }

    @Test
    void withoutTaskTimesTheWallTimesAloneAreUsedAndSaidSo() {
        Map<Integer, List<WeakRun>> runs = Map.of(
                1, List.of(new WeakRun(1.0, null), new WeakRun(1.0, null)),
                2, List.of(new WeakRun(1.1, null), new WeakRun(1.1, null)),
                4, List.of(new WeakRun(1.25, null), new WeakRun(1.25, null)));
        WeakScalingReport report = analysis.analyzeWeak(runs, Map.of());

        assertThat(report.estimate()).isEqualTo(Estimate.WALL_TIMES);
        assertThat(report.measurements().get(0).serialShare()).isNull();
        // n·T(1)/T(n): 2/1.1 and 4/1.25
        assertThat(report.measurements().get(1).scaledSpeedup()).isCloseTo(2 / 1.1, within(1e-9));
        assertThat(report.measurements().get(2).scaledSpeedup()).isCloseTo(3.2, within(1e-9));
        assertThat(report.warnings()).anySatisfy(w -> assertThat(w).contains("no task times"));
        assertThatThrownBy(() -> analysis.analyzeWeak(Map.of(2, List.of(new WeakRun(1.0, null)),
                4, List.of(new WeakRun(1.0, null))), Map.of())).hasMessageContaining("run 1 worker too");
    }

    @Test
    void badInputIsRejectedWithItsReason() {
        assertThatThrownBy(() -> analysis.analyzeWeak(Map.of(1, List.of(new WeakRun(1.0, 1.0))), Map.of()))
                .hasMessageContaining("above 1");
        assertThatThrownBy(() -> new WeakRun(0.0, 1.0)).hasMessageContaining("positive");
        assertThatThrownBy(() -> new WeakRun(1.0, -1.0)).hasMessageContaining("0 or more");
        assertThatThrownBy(() -> analysis.analyzeWeak(runs(0.1, 0.9, 0, 0, 1, 1, 1, 2),
                runs(0.1, 0.9, 0, 0, 1, 1, 2))).hasMessageContaining("both fitted and held out");
    }

    @Test
    void rendersToJsonHtmlAndAChart() throws Exception {
        WeakScalingReport report = analysis.analyzeWeak(runs(0.1, 0.9, 0.0, 0.02, 3, 1, 1, 2, 4, 8),
                runs(0.1, 0.9, 0.0, 0.02, 3, 1, 16));

        JsonNode json = Json.mapper().readTree(report.toJson());
        assertThat(json.path("serialFraction").asDouble()).isCloseTo(report.serialFraction(), within(1e-12));
        assertThat(json.path("estimate").asText()).isEqualTo("TASK_TIMES");
        assertThat(json.path("heldOut").get(0).path("workers").asInt()).isEqualTo(16);

        String html = report.toHtml("synthetic, weak");
        assertThat(html).contains("<h1>synthetic, weak</h1>", "id=\"summary\"", "id=\"measurements\"",
                "id=\"held-out\"", "id=\"criteria\"", "id=\"chart\"", "<svg", "Gustafson fit, s&#39; =")
                .doesNotContain("<script");
        String svg = SpeedupChart.of(report).toSvg();
        assertThat(svg).contains("scaled speedup", "Gustafson: no limit");
        assertThat(SpeedupChart.of(report).toPng()).startsWith((byte) 0x89, (byte) 'P', (byte) 'N', (byte) 'G');
    }
}
