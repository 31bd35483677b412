package dev.amdahl.scaling;

import dev.amdahl.scaling.ScalingReport.Advice;
import dev.amdahl.scaling.ScalingReport.HeldOut;
import dev.amdahl.scaling.ScalingReport.Interval;
import dev.amdahl.scaling.ScalingReport.Measurement;
import dev.amdahl.scaling.ScalingReport.Model;
import dev.amdahl.scaling.ScalingReport.ModelChoice;
import dev.amdahl.scaling.ScalingReport.ModelFit;
import dev.amdahl.scaling.ScalingReport.Prediction;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
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
 * // fit on 1..8, check the fit against 16 and 32 measured but not fitted
 * ScalingReport checked = ScalingAnalysis.ofDefaults().analyze(fitted, heldOut);
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
 * that coefficient, which needs at least five distinct worker counts. A fit with as many counts as
 * coefficients has no degrees of freedom: it reports no error figure, because it passes through the
 * points whatever the job does.
 *
 * <p>How sure the serial fraction is comes from the repeats: each count's runs are resampled with
 * replacement, their medians refitted with the preferred model, and the middle 95 % of the refitted
 * {@code S} is the interval (a percentile bootstrap with a fixed seed, so the same timings always
 * give the same interval).
 *
 * <p>Instances are immutable and thread-safe.
 */
public final class ScalingAnalysis {

    /** Searches for advised worker counts stop here; beyond it a count is reported as unbounded. */
    static final int MAX_WORKERS = 1 << 20;

    /** AICc needs {@code m − k − 1 > 0}; the overhead model has three coefficients. */
    static final int MIN_COUNTS_TO_COMPARE = 5;

    /** Speedups up to this factor above {@code n} are timing noise on a job with no serial part, not superlinear. */
    static final double SUPERLINEAR_TOLERANCE = 1.02;

    static final int RESAMPLES = 1000;
    static final double CONFIDENCE = 0.95;

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
        return analyze(wallSeconds, Map.of());
    }

    /**
     * Fits {@code wallSeconds} and checks the fit against {@code heldOutSeconds}: worker counts measured
     * the same way but left out of the fit, each reported with its predicted and measured time
     * ({@link ScalingReport#heldOut()}).
     *
     * @param heldOutSeconds wall times at counts not in {@code wallSeconds}; may be empty
     * @throws IllegalArgumentException naming the offending entry when the input cannot be analysed
     */
    public ScalingReport analyze(Map<Integer, ? extends Collection<Double>> wallSeconds,
                                 Map<Integer, ? extends Collection<Double>> heldOutSeconds) {
        TreeMap<Integer, double[]> runs = validate(wallSeconds, "", 2);
        TreeMap<Integer, double[]> heldOut = validate(heldOutSeconds, "held-out ", 0);
        for (Integer n : heldOut.keySet()) {
            if (runs.containsKey(n)) {
                throw new IllegalArgumentException("worker count " + n + " is both fitted and held out");
            }
        }
        int m = runs.size();
        double[] workers = new double[m];
        double[] medians = new double[m];
        int i = 0;
        for (Map.Entry<Integer, double[]> entry : runs.entrySet()) {
            workers[i] = entry.getKey();
            medians[i] = median(entry.getValue());
            i++;
        }

        ModelFit amdahl = fit(Model.AMDAHL, workers, medians);
        ModelFit withOverhead = m >= 3 ? fit(Model.AMDAHL_WITH_OVERHEAD, workers, medians) : null;
        ModelChoice choice = choose(m, amdahl, withOverhead);
        ModelFit preferred = choice.preferred() == Model.AMDAHL ? amdahl : withOverhead;

        boolean baselineMeasured = workers[0] == 1.0;
        double baseline = baselineMeasured ? medians[0] : preferred.seconds(1.0);
        List<Measurement> rows = new ArrayList<>(m);
        List<Integer> superlinear = new ArrayList<>();
        for (Map.Entry<Integer, double[]> entry : runs.entrySet()) {
            int n = entry.getKey();
            double[] times = entry.getValue();
            double median = median(times);
            double speedup = baseline / median;
            Double karpFlatt = n > 1 ? (1.0 / speedup - 1.0 / n) / (1.0 - 1.0 / n) : null;
            rows.add(new Measurement(n, times.length, median, min(times), max(times), speedup, speedup / n, karpFlatt));
            if (n > 1 && speedup > SUPERLINEAR_TOLERANCE * n) {
                superlinear.add(n);
            }
        }

        List<String> warnings = new ArrayList<>();
        if (!superlinear.isEmpty()) {
            warnings.add(superlinearWarning(rows, superlinear));
        }
        if (preferred.exact()) {
            warnings.add(String.format(Locale.ROOT, "exact fit: too few worker counts to test the model (%d counts"
                    + " for %d coefficients); measure at least %d to see whether Amdahl's law describes this job",
                    m, m - preferred.degreesOfFreedom(), m - preferred.degreesOfFreedom() + 1));
        }
        String growing = growingKarpFlatt(rows);
        if (growing != null) {
            warnings.add(growing);
        }
        Interval interval = bootstrap(choice.preferred(), runs);
        if (interval == null) {
            warnings.add("no confidence interval for S: every worker count ran once; use --repeat 3 or more");
        }

        List<HeldOut> checks = new ArrayList<>(heldOut.size());
        heldOut.forEach((n, times) -> {
            double measured = median(times);
            double predicted = preferred.seconds(n);
            checks.add(new HeldOut(n, times.length, predicted, measured, min(times), max(times),
                    baseline / predicted, baseline / measured, measured / predicted - 1.0));
        });
        return new ScalingReport(rows, baseline, baselineMeasured, amdahl, withOverhead, choice, interval,
                superlinear, warnings, advise(preferred), predict(preferred, runs.lastKey()), checks);
    }

    /**
     * One timed run of a weak-scaling benchmark: {@code n} workers on {@code n} times the work of one.
     *
     * @param wallSeconds how long the run took, more than 0
     * @param taskSeconds the job's own tasks' run times summed ({@code JobStats.parallelSeconds()}), at least 0;
     *                    null when the job reports none, and then only wall times are used
     */
    public record WeakRun(double wallSeconds, Double taskSeconds) {

        /** Checks the times. */
        public WeakRun {
            if (!(wallSeconds > 0.0) || Double.isInfinite(wallSeconds)) {
                throw new IllegalArgumentException("a weak run's wall time must be positive seconds, got " + wallSeconds);
            }
            if (taskSeconds != null && (!(taskSeconds >= 0.0) || taskSeconds.isInfinite())) {
                throw new IllegalArgumentException("a weak run's task time must be 0 or more seconds, got " + taskSeconds);
            }
        }
    }

    /**
     * Analyses a weak-scaling benchmark: at each count {@code n}, runs of {@code n} times the work of one
     * worker's. Measures Gustafson's scaled speedup per run, fits one serial share {@code s'} to all counts
     * above 1 with an interval from the repeats, checks it against {@code heldOut}, and advises a count; the
     * definitions are on {@link WeakScalingReport}.
     *
     * <pre>{@code
     * WeakScalingReport report = ScalingAnalysis.ofDefaults().analyzeWeak(fitted, heldOut);
     * report.serialFraction();                       // s'
     * report.heldOut().get(0).relativeError();       // measured / predicted scaled speedup - 1
     * }</pre>
     *
     * @param runs    the runs by worker count; at least one count above 1, and one worker too when a run
     *                reports no task time (the wall-time estimate divides by it)
     * @param heldOut runs at counts not in {@code runs}, to check the fit against; may be empty
     * @throws IllegalArgumentException naming the offending entry when the input cannot be analysed
     */
    public WeakScalingReport analyzeWeak(Map<Integer, ? extends Collection<WeakRun>> runs,
                                         Map<Integer, ? extends Collection<WeakRun>> heldOut) {
        TreeMap<Integer, WeakRun[]> fitted = validateWeak(runs, "");
        TreeMap<Integer, WeakRun[]> checked = validateWeak(heldOut, "held-out ");
        for (Integer n : checked.keySet()) {
            if (fitted.containsKey(n)) {
                throw new IllegalArgumentException("worker count " + n + " is both fitted and held out");
            }
        }
        if (fitted.isEmpty() || fitted.lastKey() < 2) {
            throw new IllegalArgumentException("a weak-scaling fit needs runs at a worker count above 1, got "
                    + fitted.keySet());
        }
        boolean tasks = java.util.stream.Stream.concat(fitted.values().stream(), checked.values().stream())
                .flatMap(Arrays::stream).allMatch(r -> r.taskSeconds() != null);
        WeakScalingReport.Estimate estimate = tasks ? WeakScalingReport.Estimate.TASK_TIMES
                : WeakScalingReport.Estimate.WALL_TIMES;
        if (!tasks && !fitted.containsKey(1)) {
            throw new IllegalArgumentException("without the job's own task times a weak-scaling fit divides by the"
                    + " one-worker time: run 1 worker too, got " + fitted.keySet());
        }
        Double baseline = fitted.containsKey(1) ? median(walls(fitted.get(1))) : null;

        List<WeakScalingReport.Measurement> rows = new ArrayList<>(fitted.size());
        TreeMap<Integer, Double> shares = new TreeMap<>();
        for (Map.Entry<Integer, WeakRun[]> entry : fitted.entrySet()) {
            int n = entry.getKey();
            WeakRun[] at = entry.getValue();
            double[] walls = walls(at);
            double[] s = serialShares(n, at, baseline, tasks);
            Double share = s == null ? null : median(s);
            double scaled = share == null ? 1.0 : n - share * (n - 1);
            double low = s == null ? 1.0 : n - max(s) * (n - 1);
            double high = s == null ? 1.0 : n - min(s) * (n - 1);
            rows.add(new WeakScalingReport.Measurement(n, at.length, median(walls), min(walls), max(walls), share,
                    scaled, low, high, baseline == null ? null : baseline / median(walls)));
            if (share != null && n > 1) {
                shares.put(n, share);
            }
        }
        double s = fitGustafson(shares);
        int dof = shares.size() - 1;
        Double rms = null;
        if (dof > 0) {
            double sum = 0.0;
            for (Map.Entry<Integer, Double> e : shares.entrySet()) {
                double measured = e.getKey() - e.getValue() * (e.getKey() - 1);
                double fit = e.getKey() - s * (e.getKey() - 1);
                sum += Math.pow((fit - measured) / measured, 2);
            }
            rms = Math.sqrt(sum / shares.size());
        }

        List<String> warnings = new ArrayList<>();
        if (!tasks) {
            warnings.add("the job reports no task times, so the scaled speedup is n*T(1, w)/T(n, n*w) from wall times"
                    + " alone: it assumes n times the work takes n times as long on one worker, serial part included");
        }
        List<Integer> superlinear = new ArrayList<>();
        for (WeakScalingReport.Measurement row : rows) {
            if (row.workers() > 1 && row.scaledSpeedup() > SUPERLINEAR_TOLERANCE * row.workers()) {
                superlinear.add(row.workers());
            }
        }
        if (!superlinear.isEmpty()) {
            warnings.add("scaled speedup above n at " + superlinear + ": the larger work ran more than n times as fast"
                    + " per worker, which is caches, memory or warm-up, not parallelism; s' is clamped at 0");
        }
        if (dof <= 0) {
            warnings.add("exact fit: too few worker counts to test the model (1 count above 1 for 1 coefficient);"
                    + " measure at least 2 counts above 1 to see whether Gustafson's law describes this job");
        }
        String growing = growingShare(shares);
        if (growing != null) {
            warnings.add(growing);
        }
        ScalingReport.Interval interval = bootstrapWeak(fitted, tasks);
        if (interval == null) {
            warnings.add("no confidence interval for s': every worker count ran once; use --repeat 3 or more");
        }

        List<WeakScalingReport.HeldOut> checks = new ArrayList<>(checked.size());
        checked.forEach((n, at) -> {
            double[] runShares = serialShares(n, at, baseline, tasks);
            double measured = n - median(runShares) * (n - 1);
            double predicted = n - s * (n - 1);
            checks.add(new WeakScalingReport.HeldOut(n, at.length, median(walls(at)), predicted, measured,
                    measured / predicted - 1.0));
        });

        List<WeakScalingReport.Prediction> predictions = new ArrayList<>();
        List<Integer> counts = predictAt;
        if (counts == null) {
            counts = new ArrayList<>();
            long n = Math.max(fitted.lastKey(), checked.isEmpty() ? 1 : checked.lastKey());
            for (int i = 0; i < DEFAULT_PREDICTIONS && n * 2 <= MAX_WORKERS; i++) {
                n *= 2;
                counts.add((int) n);
            }
        }
        for (int n : counts) {
            double scaled = n - s * (n - 1);
            predictions.add(new WeakScalingReport.Prediction(n, scaled, scaled / n));
        }
        return new WeakScalingReport(rows, estimate, s, interval, dof, rms, warnings, adviseWeak(s, rows),
                predictions, checks);
    }

    /** Each run's {@code s'}; null for one worker measured by wall times, which has none. */
    private static double[] serialShares(int n, WeakRun[] runs, Double baseline, boolean tasks) {
        if (!tasks && n == 1) {
            return null;
        }
        double[] shares = new double[runs.length];
        for (int i = 0; i < runs.length; i++) {
            WeakRun run = runs[i];
            // tasks: the time not covered by the tasks' own time spread over the n workers is serial;
            // wall times: the s' for which n - s'(n - 1) equals n*T(1)/T(n)
            shares[i] = tasks ? 1.0 - run.taskSeconds() / (n * run.wallSeconds())
                    : (n - n * baseline / run.wallSeconds()) / (n - 1);
        }
        return shares;
    }

    /**
     * The {@code s'} that minimises the relative error of {@code n − s'(n − 1)} against the measured scaled
     * speedups {@code Ŝ(n)}: a weighted mean of the counts' own {@code s'(n)}, in closed form
     * {@code Σ (n−1)(n−Ŝ)/Ŝ² / Σ (n−1)²/Ŝ²}, clamped to [0, 1].
     */
    private static double fitGustafson(Map<Integer, Double> shares) {
        double numerator = 0.0;
        double denominator = 0.0;
        for (Map.Entry<Integer, Double> e : shares.entrySet()) {
            int n = e.getKey();
            double scaled = n - e.getValue() * (n - 1);
            numerator += (n - 1) * (n - scaled) / (scaled * scaled);
            denominator += (double) (n - 1) * (n - 1) / (scaled * scaled);
        }
        return Math.max(0.0, Math.min(1.0, numerator / denominator));
    }

    /** A warning when {@code s'(n)} rises with {@code n} (noise of 0.002 allowed), as for Karp–Flatt. */
    private static String growingShare(TreeMap<Integer, Double> shares) {
        if (shares.size() < 2) {
            return null;
        }
        List<Map.Entry<Integer, Double>> list = new ArrayList<>(shares.entrySet());
        for (int i = 1; i < list.size(); i++) {
            if (list.get(i).getValue() < list.get(i - 1).getValue() - 0.002) {
                return null;
            }
        }
        Map.Entry<Integer, Double> first = list.get(0);
        Map.Entry<Integer, Double> last = list.get(list.size() - 1);
        if (last.getValue() < first.getValue() + Math.max(0.01, 0.25 * Math.abs(first.getValue()))) {
            return null;
        }
        return String.format(Locale.ROOT, "the serial share s'(n) grows with n (%.4f at %d, %.4f at %d): a serial part"
                        + " that grows with the work (combining n times the results) or overhead that grows with the"
                        + " workers; Gustafson's law with one s' overstates what more workers will do",
                first.getValue(), first.getKey(), last.getValue(), last.getKey());
    }

    private static ScalingReport.Interval bootstrapWeak(TreeMap<Integer, WeakRun[]> runs, boolean tasks) {
        if (runs.values().stream().noneMatch(at -> at.length > 1)) {
            return null;
        }
        SplittableRandom random = new SplittableRandom(0x5ca1ab1eL);
        double[] fractions = new double[RESAMPLES];
        for (int r = 0; r < RESAMPLES; r++) {
            TreeMap<Integer, WeakRun[]> drawn = new TreeMap<>();
            runs.forEach((n, at) -> {
                WeakRun[] sample = new WeakRun[at.length];
                for (int k = 0; k < at.length; k++) {
                    sample[k] = at[random.nextInt(at.length)];
                }
                drawn.put(n, sample);
            });
            Double baseline = drawn.containsKey(1) ? median(walls(drawn.get(1))) : null;
            TreeMap<Integer, Double> shares = new TreeMap<>();
            drawn.forEach((n, at) -> {
                if (n > 1) {
                    shares.put(n, median(serialShares(n, at, baseline, tasks)));
                }
            });
            fractions[r] = fitGustafson(shares);
        }
        Arrays.sort(fractions);
        double tail = (1.0 - CONFIDENCE) / 2.0;
        return new ScalingReport.Interval(fractions[(int) Math.floor(tail * (RESAMPLES - 1))],
                fractions[(int) Math.ceil((1.0 - tail) * (RESAMPLES - 1))], CONFIDENCE, RESAMPLES);
    }

    private WeakScalingReport.Advice adviseWeak(double s, List<WeakScalingReport.Measurement> rows) {
        AmdahlLaw law = AmdahlLaw.ofSerialFraction(s);
        // S(n)/n = 1 - s'(n - 1)/n falls towards 1 - s': bounded only when 1 - s' is below the target
        Integer advised = null;
        if (1.0 - s < targetEfficiency - 1e-12) {
            double bound = s / (s - (1.0 - targetEfficiency));
            advised = (int) Math.max(1.0, Math.min(MAX_WORKERS, Math.floor(bound + 1e-9)));
        }
        Integer measured = null;
        if (rows.get(0).weakEfficiency() != null) {
            for (WeakScalingReport.Measurement row : rows) {
                if (row.weakEfficiency() < targetEfficiency) {
                    break;
                }
                measured = row.workers();
            }
        }
        String rule = String.format(Locale.ROOT, "the largest n whose predicted scaled efficiency S(n)/n stays at or"
                + " above %s; each added worker adds 1 - s' = %.4f to the scaled speedup", plain(targetEfficiency),
                1.0 - s);
        return new WeakScalingReport.Advice(advised, rule,
                advised == null ? null : law.scaledSpeedup(advised),
                advised == null ? null : law.scaledSpeedup(advised) / advised,
                1.0 - s, targetEfficiency, measured);
    }

    private static TreeMap<Integer, WeakRun[]> validateWeak(Map<Integer, ? extends Collection<WeakRun>> runs,
                                                          String kind) {
        if (runs == null) {
            throw new IllegalArgumentException(kind + "weak runs are missing");
        }
        TreeMap<Integer, WeakRun[]> valid = new TreeMap<>();
        runs.forEach((n, at) -> {
            if (n == null || n < 1) {
                throw new IllegalArgumentException(kind + "worker count n must be at least 1, got " + n);
            }
            if (at == null || at.isEmpty() || at.stream().anyMatch(java.util.Objects::isNull)) {
                throw new IllegalArgumentException("no " + kind + "weak runs for n = " + n);
            }
            valid.put(n, at.toArray(WeakRun[]::new));
        });
        return valid;
    }

    private static double[] walls(WeakRun[] runs) {
        return Arrays.stream(runs).mapToDouble(WeakRun::wallSeconds).toArray();
    }

    private static String superlinearWarning(List<Measurement> rows, List<Integer> superlinear) {
        StringBuilder which = new StringBuilder();
        for (Measurement row : rows) {
            if (superlinear.contains(row.workers())) {
                which.append(which.length() == 0 ? "" : ", ")
                        .append(String.format(Locale.ROOT, "%.2fx on %d", row.speedup(), row.workers()));
            }
        }
        return "superlinear speedup (" + which + "): more than n times faster than one worker is caches, memory or"
                + " warm-up, not parallelism; Amdahl's law cannot describe it, so no serial fraction is reported."
                + " Warm up longer, use a larger job, or check that one worker is not slowed by something else";
    }

    /**
     * A warning when Karp–Flatt's {@code e(n)} rises with {@code n}, allowing noise of 0.002 between
     * neighbours: a serial part is the same at every count, so a rising {@code e(n)} is a cost that
     * grows with the workers.
     */
    private static String growingKarpFlatt(List<Measurement> rows) {
        List<Measurement> withE = rows.stream().filter(r -> r.karpFlatt() != null).toList();
        if (withE.size() < 2) {
            return null;
        }
        for (int i = 1; i < withE.size(); i++) {
            if (withE.get(i).karpFlatt() < withE.get(i - 1).karpFlatt() - 0.002) {
                return null;
            }
        }
        Measurement first = withE.get(0);
        Measurement last = withE.get(withE.size() - 1);
        if (last.karpFlatt() < first.karpFlatt() + Math.max(0.01, 0.25 * Math.abs(first.karpFlatt()))) {
            return null;
        }
        return String.format(Locale.ROOT, "Karp-Flatt e(n) grows with n (%.4f at %d, %.4f at %d): overhead that grows"
                        + " with the workers (the c*n model), not serial work, limits this job; more workers will help"
                        + " less than the fitted S suggests", first.karpFlatt(), first.workers(), last.karpFlatt(),
                last.workers());
    }

    /** A percentile bootstrap of the preferred model's S; null when no count has two runs to resample. */
    private static Interval bootstrap(Model model, TreeMap<Integer, double[]> runs) {
        boolean repeated = runs.values().stream().anyMatch(times -> times.length > 1);
        if (!repeated) {
            return null;
        }
        int m = runs.size();
        double[] workers = new double[m];
        double[][] samples = new double[m][];
        int i = 0;
        for (Map.Entry<Integer, double[]> entry : runs.entrySet()) {
            workers[i] = entry.getKey();
            samples[i++] = entry.getValue();
        }
        // a fixed seed: the same timings give the same interval, so a rerun that moves it moved the timings
        SplittableRandom random = new SplittableRandom(0x5ca1ab1eL);
        double[] fractions = new double[RESAMPLES];
        double[] medians = new double[m];
        for (int r = 0; r < RESAMPLES; r++) {
            for (int c = 0; c < m; c++) {
                double[] times = samples[c];
                double[] drawn = new double[times.length];
                for (int k = 0; k < drawn.length; k++) {
                    drawn[k] = times[random.nextInt(times.length)];
                }
                medians[c] = median(drawn);
            }
            fractions[r] = fit(model, workers, medians).serialFraction();
        }
        Arrays.sort(fractions);
        double tail = (1.0 - CONFIDENCE) / 2.0;
        int low = (int) Math.floor(tail * (RESAMPLES - 1));
        int high = (int) Math.ceil((1.0 - tail) * (RESAMPLES - 1));
        return new Interval(fractions[low], fractions[high], CONFIDENCE, RESAMPLES);
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
        Integer atTarget = fit.workersForEfficiency(targetEfficiency);
        // the gain per worker shrinks as n grows (and turns negative past an overhead peak)
        int diminishing = 1;
        while (diminishing < MAX_WORKERS
                && speedup.applyAsDouble(diminishing + 1) - speedup.applyAsDouble(diminishing) >= minGain) {
            diminishing++;
        }
        Integer advised = diminishing >= MAX_WORKERS ? null : diminishing;
        if (advised != null && peak != null) {
            advised = Math.min(advised, peak);
        }
        String rule = String.format(Locale.ROOT, "the largest n whose last added worker still adds at least %s to the"
                + " predicted speedup%s", plain(minGain), peak == null ? "" : ", never past the overhead peak");
        double limit = fit.law().limit();
        return new Advice(advised, rule,
                advised == null ? null : fit.speedup(advised),
                advised == null ? null : fit.speedup(advised) / advised,
                Double.isInfinite(limit) ? null : limit,
                targetEfficiency, atTarget, minGain, advised == null ? null : diminishing, peak, peakSpeedup);
    }

    static String plain(double value) {
        return java.math.BigDecimal.valueOf(value).stripTrailingZeros().toPlainString();
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
        int dof = m - k;
        return new ModelFit(model, fraction, work, overhead, dof, dof > 0 ? Math.sqrt(rss / m) : null, aicc(rss, m, k));
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

    private static TreeMap<Integer, double[]> validate(Map<Integer, ? extends Collection<Double>> wallSeconds,
                                                      String kind, int minCounts) {
        if (wallSeconds == null) {
            throw new IllegalArgumentException(kind + "wall times are missing");
        }
        TreeMap<Integer, double[]> runs = new TreeMap<>();
        wallSeconds.forEach((n, times) -> {
            if (n == null || n < 1) {
                throw new IllegalArgumentException(kind + "worker count n must be at least 1, got " + n);
            }
            if (times == null || times.isEmpty()) {
                throw new IllegalArgumentException("no " + kind + "wall times for n = " + n);
            }
            double[] values = new double[times.size()];
            int i = 0;
            for (Double t : times) {
                if (t == null || !(t > 0.0) || t.isInfinite()) {
                    throw new IllegalArgumentException(
                            kind + "wall times must be positive seconds, got " + t + " for n = " + n);
                }
                values[i++] = t;
            }
            runs.put(n, values);
        });
        if (runs.size() < minCounts) {
            throw new IllegalArgumentException(
                    "a fit needs wall times at " + minCounts + " or more distinct worker counts, got " + runs.keySet());
        }
        return runs;
    }

    private static double min(double[] values) {
        return Arrays.stream(values).min().orElseThrow();
    }

    private static double max(double[] values) {
        return Arrays.stream(values).max().orElseThrow();
    }

    static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
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
