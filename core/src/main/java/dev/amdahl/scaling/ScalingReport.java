package dev.amdahl.scaling;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.amdahl.internal.json.Json;
import java.util.List;
import java.util.Objects;

/**
 * What a set of timings at several worker counts says about a job: the measured speedups, Amdahl's
 * law fitted with and without a per-worker overhead, which of the two the data support, and how
 * many workers are worth running. Built by {@link ScalingAnalysis}; immutable; serialises to JSON
 * as it is.
 *
 * <pre>{@code
 * ScalingReport report = ScalingAnalysis.ofDefaults().analyze(Map.of(
 *         1, List.of(10.1, 10.0, 10.2),
 *         2, List.of(5.6, 5.5),
 *         4, List.of(3.2, 3.3),
 *         8, List.of(2.1, 2.0)));
 * report.preferredFit().serialFraction();          // 0.089
 * report.predictedSpeedup(32);                     // 8.5, for a count not run
 * report.predictions();                            // at 16, 32 and 64, unless the analysis was told others
 * report.advice().workersAtTargetEfficiency();     // 3: the most that stay 80 % efficient
 * Files.writeString(Path.of("scaling.html"), report.toHtml());
 * }</pre>
 *
 * @param measurements   one row per worker count, in increasing order
 * @param baselineSeconds the one-worker time that speedups are relative to: the measured median
 *                        when one worker was run, else the preferred model's {@code T(1)}
 * @param baselineMeasured whether {@code baselineSeconds} was measured rather than fitted
 * @param amdahl          the fit of {@code T(n) = T1·(S + (1−S)/n)}
 * @param amdahlWithOverhead the fit of {@code T(n) = T1·(S + (1−S)/n) + c·n}; null with fewer than
 *                        three distinct worker counts, which cannot determine three coefficients
 * @param modelChoice     which fit the predictions and advice use, and why
 * @param advice          how many workers to run
 * @param predictions     the preferred model at worker counts of interest, usually ones not run
 *                        ({@link ScalingAnalysis.Builder#predictAt}), in increasing order
 */
public record ScalingReport(
        List<Measurement> measurements,
        double baselineSeconds,
        boolean baselineMeasured,
        ModelFit amdahl,
        ModelFit amdahlWithOverhead,
        ModelChoice modelChoice,
        Advice advice,
        List<Prediction> predictions) {

    /** Copies the lists; only {@code amdahlWithOverhead} may be null. */
    public ScalingReport {
        measurements = List.copyOf(measurements);
        predictions = List.copyOf(predictions);
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
     * @param speedup       {@code baseline / median}
     * @param efficiency    {@code speedup / n}
     * @param karpFlatt     the experimentally determined serial fraction
     *                      {@code (1/speedup − 1/n) / (1 − 1/n)}; null for one worker. If it grows
     *                      with {@code n}, overhead rather than serial work is what limits scaling.
     */
    public record Measurement(int workers, int samples, double medianSeconds, double speedup,
                              double efficiency, Double karpFlatt) {
    }

    /**
     * One fitted timing model, {@code T(n) = T1·(S + (1−S)/n) + c·n} (with {@code c = 0} for
     * {@link Model#AMDAHL}).
     *
     * @param model                    which model
     * @param serialFraction           the fitted {@code S}, in {@code [0, 1]}
     * @param workSeconds              the fitted {@code T1}: the serial and parallel work, in seconds
     * @param overheadSecondsPerWorker the fitted {@code c}, {@code >= 0}
     * @param rmsRelativeError         root mean square of {@code (fit − median) / median}
     * @param aicc                     corrected Akaike information criterion of the fit (lower is
     *                                 better); null when there are too few worker counts for it
     */
    public record ModelFit(Model model, double serialFraction, double workSeconds,
                           double overheadSecondsPerWorker, double rmsRelativeError, Double aicc) {

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
     * How many workers to run, from the preferred model. A null count means no limit: the model
     * stays above the threshold for over a million ({@code 2^20}) workers, as a job with no serial
     * part and no overhead does.
     *
     * @param targetEfficiency          the efficiency asked for
     * @param workersAtTargetEfficiency the largest {@code n} whose predicted efficiency is at least
     *                                  the target (never beyond {@code peakWorkers})
     * @param minGain                   the smallest speedup gain per added worker worth having
     * @param workersAtDiminishingReturns the smallest {@code n} where adding a worker gains less
     *                                  than {@code minGain}
     * @param peakWorkers               with overhead, the {@code n} of the highest speedup; more
     *                                  workers make the job slower. Null without overhead.
     * @param peakSpeedup               the speedup at {@code peakWorkers}; null without overhead
     */
    public record Advice(double targetEfficiency, Integer workersAtTargetEfficiency, double minGain,
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
