package dev.amdahl.scaling;

import static dev.amdahl.scaling.SyntheticTimings.POWERS_OF_TWO;
import static dev.amdahl.scaling.SyntheticTimings.exact;
import static dev.amdahl.scaling.SyntheticTimings.timings;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import dev.amdahl.internal.json.Json;
import dev.amdahl.scaling.ScalingReport.Measurement;
import dev.amdahl.scaling.ScalingReport.Model;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class ScalingAnalysisTest {

    private final ScalingAnalysis analysis = ScalingAnalysis.ofDefaults();

    @ParameterizedTest
    @CsvSource({"0.05, 1", "0.05, 2", "0.05, 3", "0.2, 1", "0.2, 2", "0.2, 3"})
    void recoversSerialFractionFromNoisyTimings(double s, long seed) {
        ScalingReport report = analysis.analyze(timings(100.0, s, 0.0, 0.02, 5, seed, POWERS_OF_TWO));

        assertThat(report.amdahl().serialFraction()).isCloseTo(s, within(0.01));
        assertThat(report.amdahl().workSeconds()).isCloseTo(100.0, within(2.0));
        assertThat(report.amdahl().rmsRelativeError()).isLessThan(0.02);
        assertThat(report.preferredFit().serialFraction()).isCloseTo(s, within(0.01));
    }

    @Test
    void recoversTheOverheadAndPrefersItWhenItIsReal() {
        double c = 0.05;
        ScalingReport report = analysis.analyze(timings(100.0, 0.05, c, 0.02, 5, 7L, POWERS_OF_TWO));

        assertThat(report.modelChoice().judged()).isTrue();
        assertThat(report.modelChoice().preferred()).isEqualTo(Model.AMDAHL_WITH_OVERHEAD);
        assertThat(report.modelChoice().reason()).contains("overhead model fits better");
        assertThat(report.amdahlWithOverhead().overheadSecondsPerWorker()).isCloseTo(c, within(0.01));
        assertThat(report.amdahlWithOverhead().serialFraction()).isCloseTo(0.05, within(0.01));
        assertThat(report.amdahlWithOverhead().aicc()).isLessThan(report.amdahl().aicc());
    }

    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3, 4, 5})
    void prefersPlainAmdahlWhenThereIsNoOverhead(long seed) {
        ScalingReport report = analysis.analyze(timings(100.0, 0.05, 0.0, 0.02, 5, seed, POWERS_OF_TWO));

        assertThat(report.modelChoice().judged()).isTrue();
        assertThat(report.modelChoice().preferred()).isEqualTo(Model.AMDAHL);
        assertThat(report.advice().peakWorkers()).isNull();
    }

    @Test
    void overheadPutsAPeakOnTheSpeedup() {
        // T(n) = 5 + 95/n + 0.05·n is least at n = √(95/0.05) = 43.6
        ScalingReport report = analysis.analyze(timings(100.0, 0.05, 0.05, 0.0, 1, 0L, POWERS_OF_TWO));

        assertThat(report.modelChoice().preferred()).isEqualTo(Model.AMDAHL_WITH_OVERHEAD);
        assertThat(report.advice().peakWorkers()).isEqualTo(44);
        assertThat(report.advice().peakSpeedup()).isCloseTo(100.05 / (5 + 95 / 44.0 + 0.05 * 44), within(1e-6));
        assertThat(report.advice().workersAtDiminishingReturns()).isLessThan(44);
        assertThat(report.predictedSpeedup(200)).isLessThan(report.predictedSpeedup(44));
    }

    @ParameterizedTest
    @ValueSource(ints = {2, 3, 4})
    void cannotJudgeTheOverheadModelWithFewWorkerCounts(int counts) {
        int[] workers = java.util.Arrays.copyOf(POWERS_OF_TWO, counts);
        ScalingReport report = analysis.analyze(timings(100.0, 0.1, 0.2, 0.02, 3, 1L, workers));

        assertThat(report.modelChoice().judged()).isFalse();
        assertThat(report.modelChoice().preferred()).isEqualTo(Model.AMDAHL);
        assertThat(report.modelChoice().reason()).contains("measure at least 5");
        if (counts == 2) {
            assertThat(report.amdahlWithOverhead()).isNull();
        } else {
            assertThat(report.amdahlWithOverhead()).isNotNull();
        }
        if (counts == 3) {
            assertThat(report.modelChoice().reason()).contains("fit its 3 coefficients exactly");
        }
    }

    @ParameterizedTest
    @ValueSource(doubles = {0.0, 0.01, 0.05, 0.2, 0.7})
    void karpFlattOfExactAmdahlTimingsIsTheSerialFraction(double s) {
        ScalingReport report = analysis.analyze(exact(60.0, s, 1, 2, 3, 4, 6, 8, 12, 16, 100));

        assertThat(report.measurements()).hasSize(9);
        assertThat(report.measurements().get(0).karpFlatt()).isNull();
        for (Measurement m : report.measurements().subList(1, 9)) {
            assertThat(m.karpFlatt()).as("e(%d)", m.workers()).isCloseTo(s, within(1e-9));
        }
        assertThat(report.amdahl().serialFraction()).isCloseTo(s, within(1e-9));
    }

    @Test
    void measurementsUseTheMedian() {
        ScalingReport report = analysis.analyze(Map.of(
                1, List.of(10.0, 11.0, 90.0),
                2, List.of(6.0, 5.0, 5.5, 100.0)));

        assertThat(report.measurements().get(0).medianSeconds()).isEqualTo(11.0);
        assertThat(report.measurements().get(0).samples()).isEqualTo(3);
        assertThat(report.measurements().get(1).medianSeconds()).isEqualTo(5.75);
        assertThat(report.measurements().get(1).speedup()).isCloseTo(11.0 / 5.75, within(1e-12));
        assertThat(report.measurements().get(1).efficiency()).isCloseTo(11.0 / 5.75 / 2, within(1e-12));
        assertThat(report.baselineMeasured()).isTrue();
    }

    @Test
    void withoutAOneWorkerRunTheBaselineIsFitted() {
        ScalingReport report = analysis.analyze(exact(100.0, 0.1, 2, 4, 8, 16));

        assertThat(report.baselineMeasured()).isFalse();
        assertThat(report.baselineSeconds()).isCloseTo(100.0, within(1e-6));
        assertThat(report.measurements().get(0).speedup()).isCloseTo(1 / (0.1 + 0.9 / 2), within(1e-9));
    }

    @ParameterizedTest
    @CsvSource({
        // efficiency 1/(S·n + 1 − S) ≥ 0.8  ⇔  n ≤ 1 + 0.25/S
        "0.04, 7",
        "0.05, 6",
        "0.01, 26",
        "0.2,  2",
        "0.5,  1",
    })
    void advisesTheLargestCountThatKeepsTheTargetEfficiency(double s, int expected) {
        ScalingReport report = analysis.analyze(exact(100.0, s, POWERS_OF_TWO));

        assertThat(report.advice().targetEfficiency()).isEqualTo(0.8);
        assertThat(report.advice().workersAtTargetEfficiency()).isEqualTo(expected);
    }

    @Test
    void advisesWhereOneMoreWorkerStopsPayingOff() {
        // speedup'(n) = 0.95/(0.05·n + 0.95)² falls to 0.05 at n ≈ 68.2, so the step 68 → 69 is the first below
        ScalingReport report = analysis.analyze(exact(100.0, 0.05, POWERS_OF_TWO));
        AmdahlLaw law = AmdahlLaw.ofSerialFraction(0.05);
        int n = report.advice().workersAtDiminishingReturns();

        assertThat(law.speedup(n + 1) - law.speedup(n)).isLessThan(0.05);
        assertThat(law.speedup(n) - law.speedup(n - 1)).isGreaterThanOrEqualTo(0.05);
        assertThat(n).isEqualTo(68);
        assertThat(report.predictedSpeedup(1000)).isCloseTo(law.speedup(1000), within(1e-6));
    }

    @Test
    void optionsChangeTheAdvice() {
        ScalingReport report = ScalingAnalysis.builder().targetEfficiency(0.5).minGain(0.5).build()
                .analyze(exact(100.0, 0.05, POWERS_OF_TWO));

        assertThat(report.advice().workersAtTargetEfficiency()).isEqualTo(21); // n ≤ 1 + (1/0.5 − 1)/0.05
        assertThat(report.advice().minGain()).isEqualTo(0.5);
        assertThat(report.advice().workersAtDiminishingReturns()).isLessThan(68);
    }

    @Test
    void perfectScalingHasNoLimit() {
        ScalingReport report = analysis.analyze(exact(100.0, 0.0, POWERS_OF_TWO));

        assertThat(report.amdahl().serialFraction()).isCloseTo(0.0, within(1e-12));
        assertThat(report.advice().workersAtTargetEfficiency()).isNull();
        assertThat(report.advice().workersAtDiminishingReturns()).isNull();
    }

    /** The figures quoted in the Javadoc of {@link ScalingReport}. */
    @Test
    void javadocExample() {
        ScalingReport report = analysis.analyze(Map.of(
                1, List.of(10.1, 10.0, 10.2),
                2, List.of(5.6, 5.5),
                4, List.of(3.2, 3.3),
                8, List.of(2.1, 2.0)));

        assertThat(report.preferredFit().serialFraction()).isCloseTo(0.089, within(0.0005));
        assertThat(report.predictedSpeedup(32)).isCloseTo(8.5, within(0.05));
        assertThat(report.advice().workersAtTargetEfficiency()).isEqualTo(3);
    }

    @Test
    void reportsSerialiseToJson() throws Exception {
        ScalingReport report = analysis.analyze(timings(100.0, 0.05, 0.05, 0.02, 5, 7L, POWERS_OF_TWO));

        JsonNode json = Json.mapper().readTree(report.toJson());

        assertThat(json.get("measurements")).hasSize(7);
        assertThat(json.at("/measurements/0/karpFlatt").isNull()).isTrue();
        assertThat(json.at("/measurements/1/workers").asInt()).isEqualTo(2);
        assertThat(json.at("/amdahl/serialFraction").asDouble()).isBetween(0.0, 1.0);
        assertThat(json.at("/modelChoice/preferred").asText()).isEqualTo("AMDAHL_WITH_OVERHEAD");
        assertThat(json.at("/advice/targetEfficiency").asDouble()).isEqualTo(0.8);
        assertThat(Json.mapper().treeToValue(json, ScalingReport.class)).isEqualTo(report);
    }

    @Test
    void rejectsInputItCannotAnalyse() {
        assertThatThrownBy(() -> analysis.analyze(Map.of(1, List.of(1.0))))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("2 or more distinct worker counts");
        assertThatThrownBy(() -> analysis.analyze(Map.of(0, List.of(1.0), 2, List.of(1.0))))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("at least 1, got 0");
        assertThatThrownBy(() -> analysis.analyze(Map.of(1, List.of(1.0), 2, List.of())))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("no wall times for n = 2");
        assertThatThrownBy(() -> analysis.analyze(Map.of(1, List.of(1.0), 2, List.of(-0.5))))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("-0.5 for n = 2");
        Map<Integer, List<Double>> withNull = new HashMap<>();
        withNull.put(1, List.of(1.0));
        withNull.put(2, java.util.Arrays.asList(1.0, null));
        assertThatThrownBy(() -> analysis.analyze(withNull)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> ScalingAnalysis.builder().targetEfficiency(1.5))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("targetEfficiency");
        assertThatThrownBy(() -> ScalingAnalysis.builder().minGain(0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("minGain");
    }

    @Test
    void predictsAtTheNextDoublingsUnlessToldWhere() {
        ScalingReport byDefault = analysis.analyze(exact(100.0, 0.05, 1, 2, 4));
        ScalingReport chosen = ScalingAnalysis.builder().predictAt(List.of(1000, 10, 10)).build()
                .analyze(exact(100.0, 0.05, 1, 2, 4));
        AmdahlLaw law = AmdahlLaw.ofSerialFraction(0.05);

        assertThat(byDefault.predictions()).extracting(ScalingReport.Prediction::workers).containsExactly(8, 16, 32);
        assertThat(chosen.predictions()).extracting(ScalingReport.Prediction::workers).containsExactly(10, 1000);
        ScalingReport.Prediction at1000 = chosen.predictions().get(1);
        assertThat(at1000.speedup()).isCloseTo(law.speedup(1000), within(1e-6));
        assertThat(at1000.efficiency()).isCloseTo(law.speedup(1000) / 1000, within(1e-9));
        assertThat(at1000.seconds()).isCloseTo(law.time(100.0, 1000), within(1e-6));
        assertThatThrownBy(() -> ScalingAnalysis.builder().predictAt(List.of(0)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("got 0");
    }

    @Test
    void aFitWithNoDegreesOfFreedomReportsNoErrorFigure() {
        ScalingReport two = analysis.analyze(timings(100.0, 0.1, 0.0, 0.02, 3, 1L, 1, 2));
        assertThat(two.amdahl().degreesOfFreedom()).isZero();
        assertThat(two.amdahl().exact()).isTrue();
        assertThat(two.amdahl().rmsRelativeError()).as("two points, two coefficients: always exact").isNull();
        assertThat(two.warnings()).anyMatch(w -> w.startsWith("exact fit: too few worker counts to test the model"));
        assertThat(two.toHtml()).contains("exact fit: too few worker counts to test the model")
                .doesNotContain("0.00 %");

        ScalingReport three = analysis.analyze(timings(100.0, 0.1, 0.0, 0.02, 3, 1L, 1, 2, 4));
        assertThat(three.amdahl().degreesOfFreedom()).isEqualTo(1);
        assertThat(three.amdahl().rmsRelativeError()).isNotNull();
        assertThat(three.amdahlWithOverhead().exact()).isTrue();
        assertThat(three.amdahlWithOverhead().rmsRelativeError()).isNull();
        assertThat(three.warnings()).noneMatch(w -> w.startsWith("exact fit"));
    }

    @Test
    void theSerialFractionComesWithABootstrapIntervalThatHoldsTheTrueOne() {
        ScalingReport report = analysis.analyze(timings(100.0, 0.1, 0.0, 0.04, 5, 3L, POWERS_OF_TWO));

        ScalingReport.Interval interval = report.serialFractionInterval();
        assertThat(interval.confidence()).isEqualTo(0.95);
        assertThat(interval.low()).isLessThanOrEqualTo(report.preferredFit().serialFraction());
        assertThat(interval.high()).isGreaterThanOrEqualTo(report.preferredFit().serialFraction());
        assertThat(interval.low()).isLessThan(0.1);
        assertThat(interval.high()).isGreaterThan(0.1);
        assertThat(interval.high() - interval.low()).isLessThan(0.03);
        // seeded: the same timings give the same interval
        assertThat(analysis.analyze(timings(100.0, 0.1, 0.0, 0.04, 5, 3L, POWERS_OF_TWO)).serialFractionInterval())
                .isEqualTo(interval);
        // noisier runs, a wider interval
        ScalingReport noisy = analysis.analyze(timings(100.0, 0.1, 0.0, 0.2, 5, 3L, POWERS_OF_TWO));
        assertThat(noisy.serialFractionInterval().high() - noisy.serialFractionInterval().low())
                .isGreaterThan(interval.high() - interval.low());
    }

    @Test
    void singleRunsGetNoIntervalAndSaySo() {
        ScalingReport report = analysis.analyze(exact(100.0, 0.1, 1, 2, 4, 8));

        assertThat(report.serialFractionInterval()).isNull();
        assertThat(report.warnings()).anyMatch(w -> w.contains("no confidence interval"));
    }

    @Test
    void spreadIsTheRangeOfTheRuns() {
        ScalingReport report = analysis.analyze(Map.of(1, List.of(10.0, 11.0, 12.0), 2, List.of(6.0, 6.0, 6.6)));

        Measurement one = report.measurements().get(0);
        assertThat(one.minSeconds()).isEqualTo(10.0);
        assertThat(one.maxSeconds()).isEqualTo(12.0);
        assertThat(one.relativeSpread()).isCloseTo(2.0 / 11.0, within(1e-12));
    }

    @Test
    void superlinearSpeedupIsReportedNotFitted() {
        // two workers 2.4 times faster than one: a cold one-worker run, not Amdahl
        ScalingReport report = analysis.analyze(Map.of(1, List.of(12.0, 12.0), 2, List.of(5.0, 5.0), 4, List.of(3.0, 3.1)));

        assertThat(report.superlinear()).containsExactly(2);
        assertThat(report.warnings()).anyMatch(w -> w.startsWith("superlinear speedup (2.40x on 2)"));
        String html = report.toHtml();
        assertThat(html).contains("Superlinear speedup").doesNotContain("Fitted models", "Advice: run", "Recommendation");

        // speedups within 2 % of n are noise on a perfectly parallel job, not superlinear
        assertThat(analysis.analyze(Map.of(1, List.of(10.0), 2, List.of(4.95))).superlinear()).isEmpty();
    }

    @Test
    void aGrowingKarpFlattIsOverheadAndSaysSo() {
        ScalingReport overhead = analysis.analyze(timings(100.0, 0.02, 0.2, 0.0, 1, 0L, 1, 2, 4, 8, 16));
        assertThat(overhead.warnings()).anyMatch(w -> w.startsWith("Karp-Flatt e(n) grows with n"));

        ScalingReport serial = analysis.analyze(exact(100.0, 0.05, 1, 2, 4, 8, 16));
        assertThat(serial.warnings()).noneMatch(w -> w.startsWith("Karp-Flatt"));
    }

    @Test
    void oneRecommendationWithItsRuleCeilingAndEfficiency() {
        ScalingReport report = analysis.analyze(exact(100.0, 0.05, 1, 2, 4, 8, 16));
        ScalingReport.Advice advice = report.advice();
        AmdahlLaw law = AmdahlLaw.ofSerialFraction(0.05);

        // the largest n whose last worker still adds 0.05: gain(n-1 -> n) >= 0.05 > gain(n -> n+1)
        int n = advice.workers();
        assertThat(law.speedup(n) - law.speedup(n - 1)).isGreaterThanOrEqualTo(0.05 - 1e-9);
        assertThat(law.speedup(n + 1) - law.speedup(n)).isLessThan(0.05);
        assertThat(advice.workers()).isEqualTo(advice.workersAtDiminishingReturns());
        assertThat(advice.rule()).contains("at least 0.05");
        assertThat(advice.speedup()).isCloseTo(law.speedup(n), within(1e-6));
        assertThat(advice.efficiency()).isCloseTo(law.speedup(n) / n, within(1e-6));
        assertThat(advice.ceiling()).isCloseTo(20.0, within(1e-6));
        assertThat(report.preferredFit().workersForEfficiency(0.8)).isEqualTo(advice.workersAtTargetEfficiency());
    }

    @Test
    void heldOutCountsAreComparedWithThePrediction() {
        Map<Integer, List<Double>> fitted = exact(100.0, 0.1, 1, 2, 4, 8);
        double at16 = 100.0 * (0.1 + 0.9 / 16);
        ScalingReport report = analysis.analyze(fitted, Map.of(16, List.of(at16 * 1.05), 32, List.of(100.0 * (0.1 + 0.9 / 32))));

        assertThat(report.heldOut()).extracting(ScalingReport.HeldOut::workers).containsExactly(16, 32);
        ScalingReport.HeldOut sixteen = report.heldOut().get(0);
        assertThat(sixteen.predictedSeconds()).isCloseTo(at16, within(1e-6));
        assertThat(sixteen.relativeError()).isCloseTo(0.05, within(1e-6));
        assertThat(sixteen.measuredSpeedup()).isCloseTo(100.0 / (at16 * 1.05), within(1e-6));
        assertThat(report.heldOut().get(1).relativeError()).isCloseTo(0.0, within(1e-6));
        assertThat(report.measurements()).extracting(Measurement::workers).containsExactly(1, 2, 4, 8);
        assertThat(report.toHtml()).contains("Predictions checked against held-out runs", "+5.0 %");

        assertThatThrownBy(() -> analysis.analyze(fitted, Map.of(8, List.of(1.0))))
                .hasMessageContaining("both fitted and held out");
    }
}
