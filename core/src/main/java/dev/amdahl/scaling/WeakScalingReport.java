package dev.amdahl.scaling;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.amdahl.internal.json.Json;
import java.util.List;
import java.util.Objects;

/**
 * What a weak-scaling run says about a job: {@code n} workers given {@code n} times the work of one
 * ({@code amdahl scale --weak}), measured as Gustafson's scaled speedup. Built by
 * {@link ScalingAnalysis#analyzeWeak}; immutable; serialises to JSON as it is.
 *
 * <pre>{@code
 * WeakScalingReport report = ScalingAnalysis.ofDefaults().analyzeWeak(Map.of(
 *         1, List.of(new WeakRun(0.40, 0.20), new WeakRun(0.41, 0.20)),    // wall s, task s summed
 *         8, List.of(new WeakRun(0.42, 1.60), new WeakRun(0.43, 1.60))), Map.of());
 * report.serialFraction();           // Gustafson's s', the serial share of the n-worker run
 * report.scaledSpeedup(64);          // 64 - s'·63
 * report.advice().workers();         // the one advised count; advice().rule() says why
 * }</pre>
 *
 * <p>The definition, from Gustafson (1988): on {@code n} workers a run spends the share {@code s'} of its
 * wall time {@code T} where only one worker makes progress and {@code 1 − s'} where all {@code n} do; the same
 * work on one worker would take {@code s'·T + n·(1 − s')·T}, so the scaled speedup is
 * {@code S(n) = s' + n·(1 − s') = n − s'·(n − 1)}. What is measured per run depends on what the job reports
 * ({@link #estimate()}): with its own task times {@code P} (summed over the tasks), {@code (1 − s')·T = P/n},
 * so {@code s' = 1 − P/(n·T)}; everything that is not a task's own time spread evenly over the workers —
 * serial code, dispatch, idle slots — counts as serial, which is the conservative reading. Without them, only
 * wall times: {@code S(n) = n·T(1, w)/T(n, n·w)}, which assumes that {@code n} times the work takes {@code n}
 * times as long on one worker. One {@code s'} is fitted to the scaled speedups of all counts above 1 by
 * least squares on relative error; its interval comes from the repeats, by the same percentile bootstrap as
 * the strong-scaling fit.
 *
 * @param measurements   one row per worker count fitted, in increasing order
 * @param estimate       how the scaled speedups were measured
 * @param serialFraction the fitted {@code s'}, in {@code [0, 1]}
 * @param serialFractionInterval its bootstrap confidence interval; null when no count ran twice
 * @param degreesOfFreedom counts above 1 minus the one coefficient fitted
 * @param rmsRelativeError root mean square of {@code (fit − measured)/measured} of the scaled speedups;
 *                       null with no degree of freedom, when the fit passes through its only point
 * @param warnings       what a reader must know before trusting the figures, for people
 * @param advice         the advised worker count and the other criteria
 * @param predictions    Gustafson's law with the fitted {@code s'} at counts of interest, in increasing order
 * @param heldOut        the fit against counts measured but left out of it, in increasing order
 */
public record WeakScalingReport(
        List<Measurement> measurements,
        Estimate estimate,
        double serialFraction,
        ScalingReport.Interval serialFractionInterval,
        int degreesOfFreedom,
        Double rmsRelativeError,
        List<String> warnings,
        Advice advice,
        List<Prediction> predictions,
        List<HeldOut> heldOut) {

    /** Copies the lists; only the interval and the error may be null. */
    public WeakScalingReport {
        measurements = List.copyOf(measurements);
        warnings = List.copyOf(warnings);
        predictions = List.copyOf(predictions);
        heldOut = List.copyOf(heldOut);
        Objects.requireNonNull(estimate, "estimate");
        Objects.requireNonNull(advice, "advice");
    }

    /** How a run's scaled speedup is measured. */
    public enum Estimate {
        /** {@code s' = 1 − P/(n·T)} from the job's own summed task time {@code P} and its wall time {@code T}. */
        TASK_TIMES,
        /** {@code S(n) = n·T(1, w)/T(n, n·w)} from wall times alone, assuming work and one-worker time grow alike. */
        WALL_TIMES
    }

    /**
     * The runs at one worker count, each of {@code n} times the work of one.
     *
     * @param workers        the worker count {@code n}, which is also the size of the work
     * @param samples        how many runs were timed
     * @param medianSeconds  their median wall time {@code T(n, n·w)}
     * @param minSeconds     the fastest run
     * @param maxSeconds     the slowest run
     * @param serialShare    the median of the runs' {@code s'}; null for one worker when only wall times were
     *                       measured (one worker has no serial share to tell from its own time)
     * @param scaledSpeedup  {@code n − serialShare·(n − 1)}, the median run's scaled speedup
     * @param lowScaledSpeedup  the lowest run's scaled speedup
     * @param highScaledSpeedup the highest run's scaled speedup
     * @param weakEfficiency {@code T(1, w)/T(n, n·w)} of the medians: 1 when the time stays flat as work and
     *                       workers grow together; null when one worker was not run
     */
    public record Measurement(int workers, int samples, double medianSeconds, double minSeconds, double maxSeconds,
                              Double serialShare, double scaledSpeedup, double lowScaledSpeedup,
                              double highScaledSpeedup, Double weakEfficiency) {

        /** The spread of the runs' wall times, {@code (max − min) / median}. */
        public double relativeSpread() {
            return (maxSeconds - minSeconds) / medianSeconds;
        }
    }

    /**
     * The one advised worker count and the other criteria. Gustafson's law has no ceiling: each added worker
     * adds {@code 1 − s'} to the scaled speedup, so the advice is where the scaled efficiency
     * {@code S(n)/n = 1 − s'·(n − 1)/n}, which falls towards {@code 1 − s'}, would drop below the target.
     * A null count means no limit.
     *
     * @param workers           the advised count: the largest {@code n} whose predicted scaled efficiency is at
     *                          least {@code targetEfficiency}; null when even {@code 1 − s'} is
     * @param rule              how {@code workers} was chosen, for people
     * @param scaledSpeedup     the fit's scaled speedup at {@code workers}; null when unbounded
     * @param scaledEfficiency  its scaled efficiency there; null when unbounded
     * @param gainPerWorker     {@code 1 − s'}, what each added worker adds to the scaled speedup
     * @param targetEfficiency  the efficiency of the rule
     * @param workersAtMeasuredWeakEfficiency the largest measured count up to which every measured weak
     *                          efficiency {@code T(1, w)/T(n, n·w)} stays at or above the target; null when one
     *                          worker was not run
     */
    public record Advice(Integer workers, String rule, Double scaledSpeedup, Double scaledEfficiency,
                         double gainPerWorker, double targetEfficiency, Integer workersAtMeasuredWeakEfficiency) {
    }

    /**
     * Gustafson's law with the fitted {@code s'} at one count.
     *
     * @param workers          the worker count {@code n}
     * @param scaledSpeedup    {@code n − s'·(n − 1)}
     * @param scaledEfficiency {@code scaledSpeedup / n}
     */
    public record Prediction(int workers, double scaledSpeedup, double scaledEfficiency) {
    }

    /**
     * A count measured but left out of the fit, against what the fit predicted for it.
     *
     * @param workers                the worker count {@code n}
     * @param samples                how many runs were timed
     * @param medianSeconds          the median wall time
     * @param predictedScaledSpeedup the fit's {@code n − s'·(n − 1)}
     * @param measuredScaledSpeedup  the median run's
     * @param relativeError          {@code measured / predicted − 1}: negative when the job did less than predicted
     */
    public record HeldOut(int workers, int samples, double medianSeconds, double predictedScaledSpeedup,
                          double measuredScaledSpeedup, double relativeError) {
    }

    /** Gustafson's scaled speedup with the fitted {@code s'}, {@code n − s'·(n − 1)}. */
    public double scaledSpeedup(double n) {
        return AmdahlLaw.ofSerialFraction(serialFraction).scaledSpeedup(n);
    }

    /** True when only one count above 1 was fitted: the fit passes through it, nothing tests the law. */
    public boolean exact() {
        return degreesOfFreedom <= 0;
    }

    /** This report as indented JSON. */
    public String toJson() {
        try {
            return Json.mapper().writerWithDefaultPrettyPrinter().writeValueAsString(this);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a weak-scaling report did not serialise", e);
        }
    }

    /** This report as one self-contained HTML page with its chart, as {@link ScalingReport#toHtml()}. */
    public String toHtml(String title) {
        Objects.requireNonNull(title, "title");
        return HtmlReport.renderWeak(this, title);
    }
}
