package dev.amdahl.scaling;

import dev.amdahl.scaling.ScalingReport.Advice;
import dev.amdahl.scaling.ScalingReport.Measurement;
import dev.amdahl.scaling.ScalingReport.Model;
import dev.amdahl.scaling.ScalingReport.ModelChoice;
import dev.amdahl.scaling.ScalingReport.ModelFit;
import dev.amdahl.scaling.ScalingReport.Prediction;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.IntToDoubleFunction;

/**
 * Turns wall times measured at several worker counts into a {@link ScalingReport}.
 *
 * <pre>{@code
 * Map<Integer, List<Double>> seconds = Map.of(
 *         1, List.of(12.0, 12.4, 11.9),     // three runs on one worker
 *         2, List.of(6.9, 7.0, 7.1),
 *         4, List.of(4.1, 4.0, 4.2),
 *         8, List.of(2.8, 2.7, 2.9),
 *        16, List.of(2.2, 2.1, 2.3));
 * ScalingReport report = ScalingAnalysis.ofDefaults().analyze(seconds);
 *
 * ScalingAnalysis strict = ScalingAnalysis.builder().targetEfficiency(0.9).minGain(0.25)
 *         .predictAt(List.of(64, 128)).build();
 * }</pre>
 *
 * <p>The median of each worker count's runs is what gets fitted, so one slow outlier run does not
 * move the result. Two models are fitted by least squares on relative error: Amdahl's law, and
 * Amdahl's law plus a cost {@code c·n} that grows with the workers (coordination, contention,
 * start-up). The second has one more coefficient, so it always fits at least as well; it is only
 * preferred when the corrected Akaike information criterion (AICc) says the improvement is worth
 * that coefficient, which needs at least five distinct worker counts.
 *
 * <p>Instances are immutable and thread-safe.
 */
public final class ScalingAnalysis {

    /** Searches for advised worker counts stop here; beyond it a count is reported as unbounded. */
    static final int MAX_WORKERS = 1 << 20;

    /** AICc needs {@code m − k − 1 > 0}; the overhead model has three coefficients. */
    static final int MIN_COUNTS_TO_COMPARE = 5;

    private static final double DEFAULT_TARGET_EFFICIENCY = 0.8;
    private static final double DEFAULT_MIN_GAIN = 0.05;

    /** How many doublings past the largest count run are predicted when no counts were given. */
    static final int DEFAULT_PREDICTIONS = 3;

    private final double targetEfficiency;
    private final double minGain;
    private final List<Integer> predictAt;

    private ScalingAnalysis(Builder builder) {
        this.targetEfficiency = builder.targetEfficiency;
        this.minGain = builder.minGain;
        this.predictAt = builder.predictAt;
    }

    /**
     * Target efficiency 0.8, a minimum gain of 0.05 speedup per added worker, and predictions at the
     * next three doublings past the largest count run.
     */
    public static ScalingAnalysis ofDefaults() {
        return builder().build();
    }

    /** A builder starting from the defaults of {@link #ofDefaults()}. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Analyses wall times per worker count.
     *
     * @param wallSeconds for each worker count {@code n >= 1}, the wall times of its runs in seconds;
     *                    at least two distinct counts, each with at least one positive time
     * @throws IllegalArgumentException naming the offending entry when the input cannot be analysed
     */
    public ScalingReport analyze(Map<Integer, ? extends Collection<Double>> wallSeconds) {
        TreeMap<Integer, double[]> runs = validate(wallSeconds);
        int m = runs.size();
        double[] workers = new double[m];
        double[] medians = new double[m];
        int[] samples = new int[m];
        int i = 0;
        for (Map.Entry<Integer, double[]> entry : runs.entrySet()) {
            workers[i] = entry.getKey();
            medians[i] = median(entry.getValue());
            samples[i] = entry.getValue().length;
            i++;
        }

        ModelFit amdahl = fit(Model.AMDAHL, workers, medians);
        ModelFit withOverhead = m >= 3 ? fit(Model.AMDAHL_WITH_OVERHEAD, workers, medians) : null;
        ModelChoice choice = choose(m, amdahl, withOverhead);
        ModelFit preferred = choice.preferred() == Model.AMDAHL ? amdahl : withOverhead;

        boolean baselineMeasured = workers[0] == 1.0;
        double baseline = baselineMeasured ? medians[0] : preferred.seconds(1.0);
        List<Measurement> rows = new ArrayList<>(m);
        for (int r = 0; r < m; r++) {
            double n = workers[r];
            double speedup = baseline / medians[r];
            Double karpFlatt = n > 1.0 ? (1.0 / speedup - 1.0 / n) / (1.0 - 1.0 / n) : null;
            rows.add(new Measurement((int) n, samples[r], medians[r], speedup, speedup / n, karpFlatt));
        }
        return new ScalingReport(rows, baseline, baselineMeasured, amdahl, withOverhead, choice,
                advise(preferred), predict(preferred, runs.lastKey()));
    }

    private List<Prediction> predict(ModelFit fit, int largestRun) {
        List<Integer> counts = predictAt;
        if (counts == null) {
            counts = new ArrayList<>();
            // doubling from the largest count run: where a user would look next
            long n = largestRun;
            for (int i = 0; i < DEFAULT_PREDICTIONS && n * 2 <= MAX_WORKERS; i++) {
                n *= 2;
                counts.add((int) n);
            }
        }
        List<Prediction> predictions = new ArrayList<>(counts.size());
        for (int n : counts) {
            double speedup = fit.speedup(n);
            predictions.add(new Prediction(n, fit.seconds(n), speedup, speedup / n));
        }
        return predictions;
    }

    private Advice advise(ModelFit fit) {
        IntToDoubleFunction speedup = fit::speedup;
        Integer peak = null;
        Double peakSpeedup = null;
        if (fit.overheadSecondsPerWorker() > 0.0) {
            peak = peakWorkers(fit);
            peakSpeedup = fit.speedup(peak);
        }
        int limit = peak != null ? peak : MAX_WORKERS;
        // efficiency falls as n grows in both models, so the first miss ends the search;
        // the tolerance keeps an exact boundary (S = 0.05 at 80 %: n = 6) from rounding away
        int atTarget = 1;
        while (atTarget < limit && speedup.applyAsDouble(atTarget + 1) / (atTarget + 1) >= targetEfficiency - 1e-9) {
            atTarget++;
        }
        // the gain per worker shrinks as n grows (and turns negative past an overhead peak)
        int diminishing = 1;
        while (diminishing < MAX_WORKERS
                && speedup.applyAsDouble(diminishing + 1) - speedup.applyAsDouble(diminishing) >= minGain) {
            diminishing++;
        }
        return new Advice(targetEfficiency,
                atTarget >= MAX_WORKERS ? null : atTarget,
                minGain,
                diminishing >= MAX_WORKERS ? null : diminishing,
                peak, peakSpeedup);
    }

    /** {@code T(n) = a + b/n + c·n} is least at {@code n = √(b/c)}; the best whole count is next to it. */
    private static int peakWorkers(ModelFit fit) {
        double b = fit.workSeconds() * (1.0 - fit.serialFraction());
        double continuous = Math.sqrt(b / fit.overheadSecondsPerWorker());
        int below = (int) Math.max(1.0, Math.min(MAX_WORKERS, Math.floor(continuous)));
        int above = Math.min(MAX_WORKERS, below + 1);
        return fit.seconds(above) < fit.seconds(below) ? above : below;
    }

    private static ModelFit fit(Model model, double[] workers, double[] medians) {
        int k = model == Model.AMDAHL ? 2 : 3;
        double[][] regressors = new double[workers.length][k];
        for (int i = 0; i < workers.length; i++) {
            regressors[i][0] = 1.0;
            regressors[i][1] = 1.0 / workers[i];
            if (k == 3) {
                regressors[i][2] = workers[i];
            }
        }
        LeastSquares.Solution solution = LeastSquares.fitNonNegative(regressors, medians);
        double[] coefficients = solution.coefficients();
        double serial = coefficients[0];
        double parallel = coefficients[1];
        double work = serial + parallel;
        // work == 0 only when the overhead term alone fits: all the time is coordination
        double fraction = work > 0.0 ? serial / work : 1.0;
        double overhead = k == 3 ? coefficients[2] : 0.0;
        int m = workers.length;
        double rss = solution.residualSumOfSquares();
        return new ModelFit(model, fraction, work, overhead, Math.sqrt(rss / m), aicc(rss, m, k));
    }

    /**
     * AICc for least squares, {@code m·ln(RSS/m) + 2k + 2k(k+1)/(m−k−1)}; null when undefined.
     * RSS is floored at a relative error of 1e-9 per point so that exact synthetic timings compare
     * by their number of coefficients, not by rounding noise.
     */
    private static Double aicc(double rss, int m, int k) {
        if (m - k - 1 <= 0) {
            return null;
        }
        double floored = Math.max(rss, m * 1e-18);
        return m * Math.log(floored / m) + 2.0 * k + 2.0 * k * (k + 1) / (m - k - 1);
    }

    private static ModelChoice choose(int m, ModelFit amdahl, ModelFit withOverhead) {
        if (withOverhead == null) {
            return new ModelChoice(Model.AMDAHL, false, String.format(Locale.ROOT,
                    "overhead model not fitted: %d distinct worker counts cannot determine 3 coefficients;"
                            + " measure at least %d", m, MIN_COUNTS_TO_COMPARE));
        }
        if (m < MIN_COUNTS_TO_COMPARE) {
            String why = m == 3
                    ? "3 distinct worker counts fit its 3 coefficients exactly"
                    : m + " distinct worker counts leave too few degrees of freedom for AICc";
            return new ModelChoice(Model.AMDAHL, false, String.format(Locale.ROOT,
                    "overhead model cannot be judged: %s; measure at least %d", why, MIN_COUNTS_TO_COMPARE));
        }
        double plain = amdahl.aicc();
        double overhead = withOverhead.aicc();
        Model preferred = overhead < plain ? Model.AMDAHL_WITH_OVERHEAD : Model.AMDAHL;
        String reason = preferred == Model.AMDAHL_WITH_OVERHEAD
                ? String.format(Locale.ROOT, "overhead model fits better: AICc %.1f against %.1f for plain Amdahl"
                        + " (c = %.3g s per worker)", overhead, plain, withOverhead.overheadSecondsPerWorker())
                : String.format(Locale.ROOT, "plain Amdahl is enough: AICc %.1f against %.1f with the overhead term",
                        plain, overhead);
        return new ModelChoice(preferred, true, reason);
    }

    private static TreeMap<Integer, double[]> validate(Map<Integer, ? extends Collection<Double>> wallSeconds) {
        if (wallSeconds == null) {
            throw new IllegalArgumentException("wall times are missing");
        }
        TreeMap<Integer, double[]> runs = new TreeMap<>();
        wallSeconds.forEach((n, times) -> {
            if (n == null || n < 1) {
                throw new IllegalArgumentException("worker count n must be at least 1, got " + n);
            }
            if (times == null || times.isEmpty()) {
                throw new IllegalArgumentException("no wall times for n = " + n);
            }
            double[] values = new double[times.size()];
            int i = 0;
            for (Double t : times) {
                if (t == null || !(t > 0.0) || t.isInfinite()) {
                    throw new IllegalArgumentException(
                            "wall times must be positive seconds, got " + t + " for n = " + n);
                }
                values[i++] = t;
            }
            runs.put(n, values);
        });
        if (runs.size() < 2) {
            throw new IllegalArgumentException(
                    "a fit needs wall times at 2 or more distinct worker counts, got " + runs.keySet());
        }
        return runs;
    }

    static double median(double[] values) {
        double[] sorted = values.clone();
        java.util.Arrays.sort(sorted);
        int mid = sorted.length / 2;
        return sorted.length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2.0;
    }

    /**
     * Options of a {@link ScalingAnalysis}; each setter checks its value at once.
     *
     * <pre>{@code
     * ScalingAnalysis.builder().targetEfficiency(0.9).build();
     * }</pre>
     */
    public static final class Builder {
        private double targetEfficiency = DEFAULT_TARGET_EFFICIENCY;
        private double minGain = DEFAULT_MIN_GAIN;
        private List<Integer> predictAt;

        private Builder() {
        }

        /**
         * The worker counts to predict the speedup at, usually ones too large to run; each at least 1.
         * Default: the next three doublings past the largest count run (4, 8 and 16 after 1 and 2).
         */
        public Builder predictAt(Collection<Integer> workerCounts) {
            TreeSet<Integer> sorted = new TreeSet<>();
            for (Integer n : workerCounts) {
                if (n == null || n < 1 || n > MAX_WORKERS) {
                    throw new IllegalArgumentException(
                            "a worker count to predict at must be in [1, " + MAX_WORKERS + "], got " + n);
                }
                sorted.add(n);
            }
            this.predictAt = List.copyOf(sorted);
            return this;
        }

        /** The efficiency (speedup per worker) that the advised worker count keeps, in (0, 1]; default 0.8. */
        public Builder targetEfficiency(double targetEfficiency) {
            if (!(targetEfficiency > 0.0 && targetEfficiency <= 1.0)) {
                throw new IllegalArgumentException("targetEfficiency must be in (0, 1], got " + targetEfficiency);
            }
            this.targetEfficiency = targetEfficiency;
            return this;
        }

        /** The speedup that one more worker must add to be worth it, > 0; default 0.05. */
        public Builder minGain(double minGain) {
            if (!(minGain > 0.0) || Double.isInfinite(minGain)) {
                throw new IllegalArgumentException("minGain must be a positive speedup, got " + minGain);
            }
            this.minGain = minGain;
            return this;
        }

        /** An analysis with these options. */
        public ScalingAnalysis build() {
            return new ScalingAnalysis(this);
        }
    }
}
