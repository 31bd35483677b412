package dev.amdahl.scaling;

import dev.amdahl.scaling.ScalingReport.Advice;
import dev.amdahl.scaling.ScalingReport.HeldOut;
import dev.amdahl.scaling.ScalingReport.Interval;
import dev.amdahl.scaling.ScalingReport.Measurement;
import dev.amdahl.scaling.ScalingReport.Model;
import dev.amdahl.scaling.ScalingReport.ModelFit;
import dev.amdahl.scaling.ScalingReport.Prediction;
import java.util.List;
import java.util.Locale;

/**
 * Renders a {@link ScalingReport} as one HTML page. Self-contained on purpose: inline CSS, an inline
 * SVG chart, no script, no font or image fetched from anywhere, so the page reads the same offline,
 * attached to a ticket, or years later.
 */
final class HtmlReport {

    private static final String CSS = """
            body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; margin: 2rem auto;
                   max-width: 60rem; padding: 0 1rem; color: #222; }
            h1 { font-size: 1.5rem; } h2 { font-size: 1.15rem; margin-top: 2rem; }
            table { border-collapse: collapse; margin: .5rem 0; }
            th, td { border-bottom: 1px solid #ddd; padding: .3rem .8rem; text-align: right; }
            th { background: #f4f4f4; } td.text, th.text { text-align: left; }
            tr.preferred td { font-weight: bold; }
            .note { color: #555; font-size: .9rem; }
            .warnings li { color: #8a3b00; } .advice { font-size: 1.1rem; }
            figure { margin: 1rem 0; }
            """;

    private HtmlReport() {
    }

    /** The page up to its title: {@code kind} is "scaling" or "weak-scaling". */
    private static StringBuilder openPage(String title, String kind) {
        String heading = SvgCanvas.escape(title);
        return new StringBuilder(16_384)
                .append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
                .append("<title>").append(heading).append(" – Amdahl ").append(kind).append(" report</title>\n<style>\n")
                .append(CSS).append("</style>\n")
                .append("</head>\n<body>\n<h1>").append(heading).append("</h1>\n");
    }

    private static void appendWarnings(StringBuilder html, List<String> warnings) {
        if (!warnings.isEmpty()) {
            html.append("<h2>Warnings</h2>\n<ul id=\"warnings\" class=\"warnings\">\n");
            for (String warning : warnings) {
                html.append("<li>").append(SvgCanvas.escape(capitalised(warning))).append(".</li>\n");
            }
            html.append("</ul>\n");
        }
    }

    /** The chart, then the end of the page. */
    private static void closePage(StringBuilder html, SpeedupChart chart) {
        html.append("<h2>Chart</h2>\n<figure id=\"chart\">\n").append(chart.toInlineSvg())
                .append("</figure>\n</body>\n</html>\n");
    }

    /** @param jobStats the job's own measurement, shown beside the fit; null to leave it out */
    static String render(ScalingReport report, String title, JobStats jobStats) {
        StringBuilder html = openPage(title, "scaling");

        ModelFit preferred = report.preferredFit();
        boolean superlinear = !report.superlinear().isEmpty();
        appendWarnings(html, report.warnings());
        if (!superlinear) {
            appendSummary(html, report, preferred);
        }

        html.append("<h2>Measurements</h2>\n<table id=\"measurements\">\n<tr><th>workers n</th><th>runs</th>"
                + "<th>median T(n)</th><th>fastest – slowest</th><th>spread</th><th>speedup</th><th>efficiency</th>"
                + "<th>Karp–Flatt e(n)</th></tr>\n");
        for (Measurement m : report.measurements()) {
            html.append(String.format(Locale.ROOT, "<tr><td>%d</td><td>%d</td><td>%s</td><td>%s – %s</td>"
                            + "<td>%.1f %%</td><td>%.2f</td><td>%.1f %%</td><td>%s</td></tr>%n",
                    m.workers(), m.samples(), seconds(m.medianSeconds()), seconds(m.minSeconds()),
                    seconds(m.maxSeconds()), 100 * m.relativeSpread(), m.speedup(), 100 * m.efficiency(),
                    m.karpFlatt() == null ? "–" : String.format(Locale.ROOT, "%.4f", m.karpFlatt())));
        }
        html.append("</table>\n");
        html.append(String.format(Locale.ROOT, "<p class=\"note\">Speedups are relative to %s T(1) = %s. "
                        + "Spread is (slowest − fastest)/median of the runs at that count. "
                        + "Karp–Flatt e(n) = (1/speedup − 1/n)/(1 − 1/n) is the serial fraction the measurement "
                        + "implies; if it grows with n, overhead rather than serial work limits the scaling.</p>%n",
                report.baselineMeasured() ? "the measured" : "the fitted", seconds(report.baselineSeconds())));

        if (!superlinear) {
            html.append("<h2>Fitted models</h2>\n<table id=\"fits\">\n<tr><th class=\"text\">model</th><th>S</th>"
                    + "<th>T1</th><th>overhead c per worker</th><th>rms error</th><th>AICc</th></tr>\n");
            appendFit(html, "T(n) = T1·(S + (1−S)/n)", report.amdahl(), report);
            if (report.amdahlWithOverhead() != null) {
                appendFit(html, "T(n) = T1·(S + (1−S)/n) + c·n", report.amdahlWithOverhead(), report);
            }
            html.append("</table>\n<p>").append(SvgCanvas.escape(capitalised(report.modelChoice().reason())))
                    .append(".</p>\n");
            if (jobStats != null) {
                appendJobStats(html, preferred, jobStats);
            }
            appendHeldOut(html, report);
            if (!report.predictions().isEmpty()) {
                html.append("<h2>Predictions</h2>\n<table id=\"predictions\">\n<tr><th>workers n</th><th>T(n)</th>"
                        + "<th>speedup</th><th>efficiency</th></tr>\n");
                for (Prediction p : report.predictions()) {
                    html.append(String.format(Locale.ROOT, "<tr><td>%d</td><td>%s</td><td>%.2f</td><td>%.1f %%</td></tr>%n",
                            p.workers(), seconds(p.seconds()), p.speedup(), 100 * p.efficiency()));
                }
                html.append("</table>\n<p class=\"note\">From the preferred model, relative to its own T(1).</p>\n");
            }
            appendAdvice(html, report.advice());
        }

        closePage(html, SpeedupChart.of(report));
        return html.toString();
    }

    /** A weak-scaling report: the same page's layout with Gustafson's figures. */
    static String renderWeak(WeakScalingReport report, String title) {
        StringBuilder html = openPage(title, "weak-scaling");
        appendWarnings(html, report.warnings());
        Interval interval = report.serialFractionInterval();
        html.append(String.format(Locale.ROOT, "<p id=\"summary\">Weak scaling: n workers were given n times the"
                        + " work of one. Gustafson's serial share <strong>s' = %.4f</strong>%s: each added worker adds"
                        + " <strong>%.4f</strong> to the scaled speedup S(n) = n − s'·(n − 1); Gustafson's law sets no"
                        + " ceiling while the work grows with the workers. %s</p>%n",
                report.serialFraction(), interval == null ? " (one run per count: no confidence interval)"
                        : String.format(Locale.ROOT, ", %.0f %% confidence interval %.4f – %.4f",
                        100 * interval.confidence(), interval.low(), interval.high()),
                1.0 - report.serialFraction(), fitQuality(report)));
        WeakScalingReport.Advice advice = report.advice();
        html.append(String.format(Locale.ROOT, "<p id=\"advice\" class=\"advice\">Advice: run <strong>%s</strong>%s."
                        + " <span class=\"note\">Rule: %s.</span></p>%n", count(advice.workers()),
                advice.workers() == null ? "" : String.format(Locale.ROOT, " (scaled speedup %.2f×, scaled efficiency"
                        + " %.1f %%)", advice.scaledSpeedup(), 100 * advice.scaledEfficiency()),
                SvgCanvas.escape(advice.rule())));

        html.append("<h2>Measurements</h2>\n<table id=\"measurements\">\n<tr><th>workers n (and work ×n)</th>"
                + "<th>runs</th><th>median T(n, n·w)</th><th>fastest – slowest</th><th>spread</th>"
                + "<th>serial share s'(n)</th><th>scaled speedup</th><th>weak efficiency T(1, w)/T(n, n·w)</th></tr>\n");
        for (WeakScalingReport.Measurement m : report.measurements()) {
            html.append(String.format(Locale.ROOT, "<tr><td>%d</td><td>%d</td><td>%s</td><td>%s – %s</td>"
                            + "<td>%.1f %%</td><td>%s</td><td>%.2f</td><td>%s</td></tr>%n",
                    m.workers(), m.samples(), seconds(m.medianSeconds()), seconds(m.minSeconds()),
                    seconds(m.maxSeconds()), 100 * m.relativeSpread(),
                    m.serialShare() == null ? "–" : String.format(Locale.ROOT, "%.4f", m.serialShare()),
                    m.scaledSpeedup(), m.weakEfficiency() == null ? "–"
                            : String.format(Locale.ROOT, "%.1f %%", 100 * m.weakEfficiency())));
        }
        html.append("</table>\n<p class=\"note\">").append(report.estimate() == WeakScalingReport.Estimate.TASK_TIMES
                ? "s'(n) = 1 − P/(n·T): the share of the n-worker run not covered by the tasks' own time P spread over"
                + " the n workers; serial code, dispatch and idle slots all count as serial."
                : "From wall times alone: scaled speedup n·T(1, w)/T(n, n·w), which assumes n times the work takes n"
                + " times as long on one worker.").append(" Weak efficiency is 100 % when the time stays flat as work"
                + " and workers grow together.</p>\n");

        if (!report.heldOut().isEmpty()) {
            html.append("<h2>Predictions checked against held-out runs</h2>\n<table id=\"held-out\">\n<tr>"
                    + "<th>workers n</th><th>runs</th><th>median T(n, n·w)</th><th>predicted scaled speedup</th>"
                    + "<th>measured</th><th>error</th></tr>\n");
            for (WeakScalingReport.HeldOut h : report.heldOut()) {
                html.append(String.format(Locale.ROOT, "<tr><td>%d</td><td>%d</td><td>%s</td><td>%.2f</td><td>%.2f</td>"
                                + "<td>%+.1f %%</td></tr>%n", h.workers(), h.samples(), seconds(h.medianSeconds()),
                        h.predictedScaledSpeedup(), h.measuredScaledSpeedup(), 100 * h.relativeError()));
            }
            html.append("</table>\n");
        }
        if (!report.predictions().isEmpty()) {
            html.append("<h2>Predictions</h2>\n<table id=\"predictions\">\n<tr><th>workers n</th><th>scaled speedup</th>"
                    + "<th>scaled efficiency</th></tr>\n");
            for (WeakScalingReport.Prediction p : report.predictions()) {
                html.append(String.format(Locale.ROOT, "<tr><td>%d</td><td>%.2f</td><td>%.1f %%</td></tr>%n",
                        p.workers(), p.scaledSpeedup(), 100 * p.scaledEfficiency()));
            }
            html.append("</table>\n");
        }
        html.append("<h2>Recommendation</h2>\n<table id=\"criteria\">\n<tr><th class=\"text\">criterion</th>"
                + "<th>workers</th></tr>\n");
        html.append(String.format(Locale.ROOT, "<tr class=\"preferred\"><td class=\"text\">predicted scaled efficiency"
                + " at or above %.0f %% (the advice)</td><td>%s</td></tr>%n", 100 * advice.targetEfficiency(),
                count(advice.workers())));
        html.append(String.format(Locale.ROOT, "<tr><td class=\"text\">measured weak efficiency at or above %.0f %%,"
                        + " counts run</td><td>%s</td></tr>%n", 100 * advice.targetEfficiency(),
                advice.workersAtMeasuredWeakEfficiency() == null ? "–"
                        : "up to " + count(advice.workersAtMeasuredWeakEfficiency())));
        html.append("</table>\n");
        closePage(html, SpeedupChart.of(report));
        return html.toString();
    }

    private static String fitQuality(WeakScalingReport report) {
        return report.exact() ? "Exact fit: too few worker counts to test the model."
                : String.format(Locale.ROOT, "Rms error of the fit %.2f %% (%d degree%s of freedom).",
                100 * report.rmsRelativeError(), report.degreesOfFreedom(), report.degreesOfFreedom() == 1 ? "" : "s");
    }

    private static void appendSummary(StringBuilder html, ScalingReport report, ModelFit preferred) {
        double limit = preferred.law().limit();
        Interval interval = report.serialFractionInterval();
        html.append(String.format(Locale.ROOT, "<p id=\"summary\">Serial fraction <strong>S = %.4f</strong>%s"
                        + " (parallel fraction P = %.4f): %s</p>%n",
                preferred.serialFraction(), interval == null ? " (one run per count: no confidence interval)"
                        : String.format(Locale.ROOT, ", %.0f %% confidence interval %.4f – %.4f",
                        100 * interval.confidence(), interval.low(), interval.high()),
                1.0 - preferred.serialFraction(), Double.isInfinite(limit)
                        ? "nothing measurably serial, so Amdahl's law sets no ceiling."
                        : String.format(Locale.ROOT, "however many workers, this job cannot run more than "
                                + "<strong>%.2f×</strong> faster (Amdahl's ceiling 1/S).", limit)));
        Advice advice = report.advice();
        html.append(String.format(Locale.ROOT, "<p id=\"advice\" class=\"advice\">Advice: run <strong>%s</strong>%s."
                        + " <span class=\"note\">Rule: %s.</span></p>%n",
                count(advice.workers()), advice.workers() == null ? "" : String.format(Locale.ROOT,
                        " (speedup %.2f×, efficiency %.1f %%)", advice.speedup(), 100 * advice.efficiency()),
                SvgCanvas.escape(advice.rule())));
    }

    private static void appendHeldOut(StringBuilder html, ScalingReport report) {
        if (report.heldOut().isEmpty()) {
            return;
        }
        html.append("<h2>Predictions checked against held-out runs</h2>\n<table id=\"held-out\">\n<tr>"
                + "<th>workers n</th><th>runs</th><th>predicted T(n)</th><th>measured T(n)</th><th>fastest – slowest</th>"
                + "<th>predicted speedup</th><th>measured speedup</th><th>error</th></tr>\n");
        for (HeldOut h : report.heldOut()) {
            html.append(String.format(Locale.ROOT, "<tr><td>%d</td><td>%d</td><td>%s</td><td>%s</td><td>%s – %s</td>"
                            + "<td>%.2f</td><td>%.2f</td><td>%+.1f %%</td></tr>%n", h.workers(), h.samples(),
                    seconds(h.predictedSeconds()), seconds(h.measuredSeconds()), seconds(h.minSeconds()),
                    seconds(h.maxSeconds()), h.predictedSpeedup(), h.measuredSpeedup(), 100 * h.relativeError()));
        }
        html.append("</table>\n<p class=\"note\">These counts were measured like the others but left out of the"
                + " fit; the error is measured/predicted − 1 of the times.</p>\n");
    }

    private static void appendAdvice(StringBuilder html, Advice advice) {
        html.append("<h2>Recommendation</h2>\n");
        html.append(String.format(Locale.ROOT, "<p>Run <strong>%s</strong>: %s.</p>%n", count(advice.workers()),
                SvgCanvas.escape(advice.rule())));
        html.append("<table id=\"criteria\">\n<tr><th class=\"text\">criterion</th><th>workers</th></tr>\n");
        html.append(String.format(Locale.ROOT, "<tr class=\"preferred\"><td class=\"text\">each added worker adds"
                + " at least %s to the speedup (the advice)</td><td>%s</td></tr>%n", trim(advice.minGain()),
                count(advice.workers())));
        html.append(String.format(Locale.ROOT, "<tr><td class=\"text\">efficiency at or above %.0f %%</td>"
                + "<td>%s</td></tr>%n", 100 * advice.targetEfficiency(), count(advice.workersAtTargetEfficiency())));
        if (advice.peakWorkers() != null) {
            html.append(String.format(Locale.ROOT, "<tr><td class=\"text\">highest speedup (%.2f×); more workers make"
                    + " the job slower</td><td>%s</td></tr>%n", advice.peakSpeedup(), count(advice.peakWorkers())));
        }
        html.append(String.format(Locale.ROOT, "<tr><td class=\"text\">Amdahl's ceiling 1/S, never reached</td>"
                + "<td>%s</td></tr>%n", advice.ceiling() == null ? "none" : String.format(Locale.ROOT, "%.2f×",
                advice.ceiling())));
        html.append("</table>\n");
    }

    private static void appendJobStats(StringBuilder html, ModelFit preferred, JobStats stats) {
        html.append("<h2>Two estimates of the serial fraction</h2>\n<table>\n<tr><th class=\"text\">estimate</th>"
                + "<th>S</th><th>Amdahl ceiling 1/S</th></tr>\n");
        html.append(String.format(Locale.ROOT, "<tr><td class=\"text\">fitted to the wall times</td><td>%.4f</td>"
                + "<td>%s</td></tr>%n", preferred.serialFraction(), ceiling(preferred.law().limit())));
        html.append(String.format(Locale.ROOT, "<tr><td class=\"text\">measured by the job (serial %s of %s)</td>"
                        + "<td>%.4f</td><td>%s</td></tr>%n", seconds(stats.serialSeconds()), seconds(stats.totalSeconds()),
                stats.serialFraction(), ceiling(stats.ceiling())));
        html.append("</table>\n<p class=\"note\">The job measures only the time it spends outside its tasks"
                + " (submitting, combining). The fit sees that and everything else that keeps more workers from"
                + " helping: coordination, and cores, caches and memory shared between workers. A fitted S well"
                + " above the measured one says the limit is overhead, not serial code.</p>\n");
    }

    private static String ceiling(double limit) {
        return Double.isInfinite(limit) ? "none" : String.format(Locale.ROOT, "%.2f×", limit);
    }

    private static void appendFit(StringBuilder html, String formula, ModelFit fit, ScalingReport report) {
        boolean preferred = report.modelChoice().preferred() == fit.model() && report.modelChoice().judged();
        html.append(String.format(Locale.ROOT,
                "<tr%s><td class=\"text\">%s%s</td><td>%.4f</td><td>%s</td><td>%s</td><td>%s</td><td>%s</td></tr>%n",
                preferred ? " class=\"preferred\"" : "", SvgCanvas.escape(formula),
                preferred ? " (preferred)" : "", fit.serialFraction(), seconds(fit.workSeconds()),
                fit.model() == Model.AMDAHL ? "–" : seconds(fit.overheadSecondsPerWorker()),
                fit.exact() ? "exact fit: too few worker counts to test the model"
                        : String.format(Locale.ROOT, "%.2f %%", 100 * fit.rmsRelativeError()),
                fit.aicc() == null ? "–" : String.format(Locale.ROOT, "%.1f", fit.aicc())));
    }

    /** "1 worker", "4 workers", or "any number of workers". */
    private static String count(Integer workers) {
        return workers == null ? "any number of workers" : workers + (workers == 1 ? " worker" : " workers");
    }

    private static String seconds(double value) {
        return String.format(Locale.ROOT, "%.4g s", value);
    }

    private static String trim(double value) {
        return java.math.BigDecimal.valueOf(value).stripTrailingZeros().toPlainString();
    }

    private static String capitalised(String text) {
        return text.isEmpty() ? text : Character.toUpperCase(text.charAt(0)) + text.substring(1);
    }
}
