package dev.amdahl.scaling;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.amdahl.internal.json.Json;
import java.util.List;
import java.util.Objects;

/**
 * What a set of timings at several worker counts says about a job: the measured speedups with their
 * spread, Amdahl's law fitted with and without a per-worker overhead, which of the two the data
 * support, how sure the fitted serial fraction is, one advised worker count, and, when counts were
 * held out of the fit, how well it predicted them. Built by {@link ScalingAnalysis}; immutable;
 * serialises to JSON as it is.
 *
 * <pre>{@code
 * ScalingReport report = ScalingAnalysis.ofDefaults().analyze(Map.of(
 *         1, List.of(10.1, 10.0, 10.2),
 *         2, List.of(5.6, 5.5, 5.6),
 *         4, List.of(3.2, 3.3, 3.2),
 *         8, List.of(2.1, 2.0, 2.1)));
 * report.preferredFit().serialFraction();          // 0.089
 * report.serialFractionInterval();                 // 95 % bootstrap interval from the repeats
 * report.advice().workers();                       // the one advised count, by advice().rule()
 * report.warnings();                               // superlinear speedups, growing Karp-Flatt, ...
 * Files.writeString(Path.of("scaling.html"), report.toHtml());
 * }</pre>
 *
 * <p>When {@link #superlinear()} is not empty some count ran more than {@code n} times faster than
 * one worker: caches or warm-up, not parallelism, and Amdahl's law cannot describe it. The fits are
 * still computed (they are part of the record) but the report's renderings and the command line
 * show the warning in their place, and so should any other reader.
 *
 * @param measurements   one row per worker count fitted, in increasing order
 * @param baselineSeconds the one-worker time that speedups are relative to: the measured median
 *                        when one worker was run, else the preferred model's {@code T(1)}
 * @param baselineMeasured whether {@code baselineSeconds} was measured rather than fitted
 * @param amdahl          the fit of {@code T(n) = T1·(S + (1−S)/n)}
 * @param amdahlWithOverhead the fit of {@code T(n) = T1·(S + (1−S)/n) + c·n}; null with fewer than
 *                        three distinct worker counts, which cannot determine three coefficients
 * @param modelChoice     which fit the predictions and advice use, and why
 * @param serialFractionInterval the bootstrap confidence interval of the preferred fit's {@code S};
 *                        null when no worker count was run more than once
 * @param superlinear     the worker counts whose measured speedup exceeds {@code n}, in increasing order
 * @param warnings        what a reader must know before trusting the figures, for people
 * @param advice          the advised worker count and the other criteria
 * @param predictions     the preferred model at worker counts of interest, usually ones not run
 *                        ({@link ScalingAnalysis.Builder#predictAt}), in increasing order
 * @param heldOut         the preferred model against worker counts measured but left out of the fit,
 *                        in increasing order; empty when none were
 */
public record ScalingReport(
        List<Measurement> measurements,
        double baselineSeconds,
        boolean baselineMeasured,
        ModelFit amdahl,
        ModelFit amdahlWithOverhead,
        ModelChoice modelChoice,
        Interval serialFractionInterval,
        List<Integer> superlinear,
        List<String> warnings,
        Advice advice,
        List<Prediction> predictions,
        List<HeldOut> heldOut) {

    /** Copies the lists; only {@code amdahlWithOverhead} and {@code serialFractionInterval} may be null. */
    public ScalingReport {
        measurements = List.copyOf(measurements);
        superlinear = List.copyOf(superlinear);
        warnings = List.copyOf(warnings);
        predictions = List.copyOf(predictions);
        heldOut = List.copyOf(heldOut);
        Objects.requireNonNull(amdahl, "amdahl");
        Objects.requireNonNull(modelChoice, "modelChoice");
        Objects.requireNonNull(advice, "advice");
    }

    /** The timing model that a scaling analysis fits. */
    public enum Model {
        /** {@code T(n) = T1·(S + (1−S)/n)}: Amdahl's law, two coefficients. */
        AMDAHL,
        /** {@code T(n) = T1·(S + (1−S)/n) + c·n}: plus a cost that grows with each worker. */
        AMDAHL_WITH_OVERHEAD
    }

    /**
     * The timings at one worker count.
     *
     * @param workers       the worker count {@code n}
     * @param samples       how many runs were timed
     * @param medianSeconds their median wall time
     * @param minSeconds    the fastest run
     * @param maxSeconds    the slowest run
     * @param speedup       {@code baseline / median}
     * @param efficiency    {@code speedup / n}
     * @param karpFlatt     the experimentally determined serial fraction
     *                      {@code (1/speedup − 1/n) / (1 − 1/n)}; null for one worker. If it grows
     *                      with {@code n}, overhead rather than serial work is what limits scaling.
     */
    public record Measurement(int workers, int samples, double medianSeconds, double minSeconds,
                              double maxSeconds, double speedup, double efficiency, Double karpFlatt) {

        /** The spread of the runs, {@code (max − min) / median}: 0 for a single run. */
        public double relativeSpread() {
            return (maxSeconds - minSeconds) / medianSeconds;
        }
    }

    /**
     * One fitted timing model, {@code T(n) = T1·(S + (1−S)/n) + c·n} (with {@code c = 0} for
     * {@link Model#AMDAHL}).
     *
     * @param model                    which model
     * @param serialFraction           the fitted {@code S}, in {@code [0, 1]}
     * @param workSeconds              the fitted {@code T1}: the serial and parallel work, in seconds
     * @param overheadSecondsPerWorker the fitted {@code c}, {@code >= 0}
     * @param degreesOfFreedom         distinct worker counts fitted minus the model's coefficients
     * @param rmsRelativeError         root mean square of {@code (fit − median) / median}; null when
     *                                 {@code degreesOfFreedom} is 0: the curve then passes through
     *                                 every point whatever the job does, and an error of 0 would
     *                                 claim a test that never took place
     * @param aicc                     corrected Akaike information criterion of the fit (lower is
     *                                 better); null when there are too few worker counts for it
     */
    public record ModelFit(Model model, double serialFraction, double workSeconds,
                           double overheadSecondsPerWorker, int degreesOfFreedom, Double rmsRelativeError,
                           Double aicc) {

        /** A fit that was not measured: the law for a given {@code S}, one second of work, no overhead. */
        public static ModelFit ofSerialFraction(double serialFraction) {
            return new ModelFit(Model.AMDAHL, AmdahlLaw.ofSerialFraction(serialFraction).serialFraction(), 1.0,
                    0.0, 0, null, null);
        }

        /** True when there were only as many worker counts as coefficients: nothing tests the model. */
        public boolean exact() {
            return degreesOfFreedom <= 0;
        }

        /** The model's wall time on {@code n} workers. */
        public double seconds(double n) {
            AmdahlLaw.requireWorkers(n);
            return workSeconds * (serialFraction + (1.0 - serialFraction) / n) + overheadSecondsPerWorker * n;
        }

        /** The model's speedup on {@code n} workers, relative to its own one-worker time. */
        public double speedup(double n) {
            return seconds(1.0) / seconds(n);
        }

        /** Amdahl's law with this fit's serial fraction (the overhead left out). */
        public AmdahlLaw law() {
            return AmdahlLaw.ofSerialFraction(serialFraction);
        }

        /**
         * The largest worker count whose efficiency stays at or above {@code efficiency}, never past the
         * speedup's peak; null when over a million workers would still be that efficient (no serial part,
         * no overhead). For an autoscaler's maximum.
         */
        public Integer workersForEfficiency(double efficiency) {
            if (!(efficiency > 0.0 && efficiency <= 1.0)) {
                throw new IllegalArgumentException("efficiency must be in (0, 1], got " + efficiency);
            }
            // efficiency falls as n grows in both models, so the first miss ends the search; the tolerance
            // keeps an exact boundary (S = 0.05 at 80 %: n = 6) from rounding away
            int n = 1;
            while (n < ScalingAnalysis.MAX_WORKERS && speedup(n + 1) / (n + 1) >= efficiency - 1e-9
                    && speedup(n + 1) > speedup(n)) {
                n++;
            }
            return n >= ScalingAnalysis.MAX_WORKERS ? null : n;
        }
    }

    /**
     * Which model the data support.
     *
     * @param preferred the model used for predictions and advice
     * @param judged    false when there were too few worker counts to tell the models apart; then
     *                  {@code preferred} is plain Amdahl, the simpler one
     * @param reason    the comparison in words, for people
     */
    public record ModelChoice(Model preferred, boolean judged, String reason) {
    }

    /**
     * A confidence interval of the serial fraction, from refitting resampled runs: each worker count's
     * runs drawn again with replacement, their medians refitted, {@code resamples} times.
     *
     * @param low        the lower bound
     * @param high       the upper bound
     * @param confidence the share of resampled fits inside the bounds, e.g. 0.95
     * @param resamples  how many resampled fits
     */
    public record Interval(double low, double high, double confidence, int resamples) {
    }

    /**
     * The one advised worker count and the criteria behind it. The advice is the largest {@code n}
     * whose last added worker still raised the predicted speedup by at least {@code minGain}, never past
     * the overhead peak; {@code rule} says so in words. The other counts are criteria to compare with,
     * not competing advice. A null count means no limit: the model stays above the threshold for over a
     * million ({@code 2^20}) workers, as a job with no serial part and no overhead does.
     *
     * @param workers                   the advised worker count
     * @param rule                      how {@code workers} was chosen, for people
     * @param speedup                   the preferred model's speedup at {@code workers}; null when unbounded
     * @param efficiency                its efficiency there; null when unbounded
     * @param ceiling                   Amdahl's ceiling {@code 1/S} of the preferred fit; null when S = 0
     * @param targetEfficiency          the efficiency of the efficiency criterion
     * @param workersAtTargetEfficiency the largest {@code n} whose predicted efficiency is at least
     *                                  the target (never beyond {@code peakWorkers})
     * @param minGain                   the smallest speedup gain per added worker worth having
     * @param workersAtDiminishingReturns the largest {@code n} whose last worker added at least
     *                                  {@code minGain}: the rule of {@code workers}
     * @param peakWorkers               with overhead, the {@code n} of the highest speedup; more
     *                                  workers make the job slower. Null without overhead.
     * @param peakSpeedup               the speedup at {@code peakWorkers}; null without overhead
     */
    public record Advice(Integer workers, String rule, Double speedup, Double efficiency, Double ceiling,
                         double targetEfficiency, Integer workersAtTargetEfficiency, double minGain,
                         Integer workersAtDiminishingReturns, Integer peakWorkers, Double peakSpeedup) {
    }

    /**
     * What the preferred model expects at a worker count.
     *
     * @param workers    the worker count {@code n}
     * @param seconds    the model's wall time {@code T(n)}
     * @param speedup    the model's speedup, {@code T(1)/T(n)}
     * @param efficiency {@code speedup / n}
     */
    public record Prediction(int workers, double seconds, double speedup, double efficiency) {
    }

    /**
     * A worker count that was measured but left out of the fit, against what the fit predicted for it.
     *
     * @param workers          the worker count {@code n}
     * @param samples          how many runs were timed
     * @param predictedSeconds the preferred model's {@code T(n)}
     * @param measuredSeconds  the median of the runs
     * @param minSeconds       the fastest run
     * @param maxSeconds       the slowest run
     * @param predictedSpeedup the baseline over {@code predictedSeconds}
     * @param measuredSpeedup  the baseline over {@code measuredSeconds}
     * @param relativeError    {@code measured / predicted − 1} of the times: positive when the job ran
     *                         slower than predicted
     */
    public record HeldOut(int workers, int samples, double predictedSeconds, double measuredSeconds,
                          double minSeconds, double maxSeconds, double predictedSpeedup, double measuredSpeedup,
                          double relativeError) {
    }

    /** The fit that {@link #modelChoice()} prefers. */
    public ModelFit preferredFit() {
        return modelChoice.preferred() == Model.AMDAHL_WITH_OVERHEAD ? amdahlWithOverhead : amdahl;
    }

    /** The preferred model's speedup on {@code n} workers, measured or not. */
    public double predictedSpeedup(int n) {
        return preferredFit().speedup(n);
    }

    /** This report as indented JSON. */
    public String toJson() {
        try {
            return Json.mapper().writerWithDefaultPrettyPrinter().writeValueAsString(this);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a scaling report did not serialise", e);
        }
    }

    /**
     * This report as one self-contained HTML page: inline CSS and an inline SVG chart, no script
     * and no reference to anything on the network, so it can be mailed or archived as is.
     */
    public String toHtml() {
        return HtmlReport.render(this, "Scaling report", null);
    }

    /**
     * {@link #toHtml()} under a title of one's own, and with the serial fraction that the job measured
     * from its own events ({@code GroupFuture.stats()}) beside the fitted one.
     *
     * <pre>{@code
     * String html = report.toHtml("Mandelbrot 1600x1200", tiles.stats());
     * }</pre>
     *
     * <p>The two estimates answer different questions. The fit sees everything that keeps more
     * workers from helping: serial code, and also the cost of coordinating them and of sharing cores,
     * caches and memory. The job's own figure counts only the time spent outside the tasks (submitting,
     * combining). A fitted S well above the measured one says the limit is overhead, not code.
     *
     * @param title    the page's heading, e.g. the job and its size
     * @param jobStats the job's own measurement, or null to leave that section out
     */
    public String toHtml(String title, JobStats jobStats) {
        Objects.requireNonNull(title, "title");
        return HtmlReport.render(this, title, jobStats);
    }
}
