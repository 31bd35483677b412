package dev.amdahl.scaling;

import dev.amdahl.scaling.ScalingReport.Advice;
import dev.amdahl.scaling.ScalingReport.Measurement;
import dev.amdahl.scaling.ScalingReport.Model;
import dev.amdahl.scaling.ScalingReport.ModelFit;
import dev.amdahl.scaling.ScalingReport.Prediction;
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
            figure { margin: 1rem 0; }
            """;

    private HtmlReport() {
    }

    /** @param jobStats the job's own measurement, shown beside the fit; null to leave it out */
    static String render(ScalingReport report, String title, JobStats jobStats) {
        String heading = SvgCanvas.escape(title);
        StringBuilder html = new StringBuilder(16_384);
        html.append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
                .append("<title>").append(heading).append(" – Amdahl scaling report</title>\n<style>\n")
                .append(CSS).append("</style>\n")
                .append("</head>\n<body>\n<h1>").append(heading).append("</h1>\n");

        ModelFit preferred = report.preferredFit();
        double limit = preferred.law().limit();
        html.append(String.format(Locale.ROOT, "<p>Serial fraction <strong>S = %.4f</strong> (parallel fraction P = %.4f): %s</p>%n",
                preferred.serialFraction(), 1.0 - preferred.serialFraction(), Double.isInfinite(limit)
                        ? "nothing measurably serial, so Amdahl's law sets no ceiling."
                        : String.format(Locale.ROOT, "however many workers, this job cannot run more than "
                                + "<strong>%.2f×</strong> faster (Amdahl's ceiling 1/S).", limit)));

        html.append("<h2>Measurements</h2>\n<table>\n<tr><th>workers n</th><th>runs</th><th>median T(n)</th>"
                + "<th>speedup</th><th>efficiency</th><th>Karp–Flatt e(n)</th></tr>\n");
        for (Measurement m : report.measurements()) {
            html.append(String.format(Locale.ROOT,
                    "<tr><td>%d</td><td>%d</td><td>%s</td><td>%.2f</td><td>%.1f %%</td><td>%s</td></tr>%n",
                    m.workers(), m.samples(), seconds(m.medianSeconds()), m.speedup(), 100 * m.efficiency(),
                    m.karpFlatt() == null ? "–" : String.format(Locale.ROOT, "%.4f", m.karpFlatt())));
        }
        html.append("</table>\n");
        html.append(String.format(Locale.ROOT, "<p class=\"note\">Speedups are relative to %s T(1) = %s. "
                        + "Karp–Flatt e(n) = (1/speedup − 1/n)/(1 − 1/n) is the serial fraction the measurement "
                        + "implies; if it grows with n, overhead rather than serial work limits the scaling.</p>%n",
                report.baselineMeasured() ? "the measured" : "the fitted", seconds(report.baselineSeconds())));

        html.append("<h2>Fitted models</h2>\n<table>\n<tr><th class=\"text\">model</th><th>S</th><th>T1</th>"
                + "<th>overhead c per worker</th><th>rms error</th><th>AICc</th></tr>\n");
        appendFit(html, "T(n) = T1·(S + (1−S)/n)", report.amdahl(), report);
        if (report.amdahlWithOverhead() != null) {
            appendFit(html, "T(n) = T1·(S + (1−S)/n) + c·n", report.amdahlWithOverhead(), report);
        }
        html.append("</table>\n<p>").append(SvgCanvas.escape(capitalised(report.modelChoice().reason())))
                .append(".</p>\n");

        if (jobStats != null) {
            appendJobStats(html, preferred, jobStats);
        }
        if (!report.predictions().isEmpty()) {
            html.append("<h2>Predictions</h2>\n<table>\n<tr><th>workers n</th><th>T(n)</th><th>speedup</th>"
                    + "<th>efficiency</th></tr>\n");
            for (Prediction p : report.predictions()) {
                html.append(String.format(Locale.ROOT, "<tr><td>%d</td><td>%s</td><td>%.2f</td><td>%.1f %%</td></tr>%n",
                        p.workers(), seconds(p.seconds()), p.speedup(), 100 * p.efficiency()));
            }
            html.append("</table>\n<p class=\"note\">From the preferred model, relative to its own T(1).</p>\n");
        }

        Advice advice = report.advice();
        html.append("<h2>Recommendation</h2>\n<ul>\n");
        html.append(String.format(Locale.ROOT, "<li>Run <strong>%s</strong> to keep efficiency at or above %.0f %%.</li>%n",
                count(advice.workersAtTargetEfficiency()), 100 * advice.targetEfficiency()));
        html.append(String.format(Locale.ROOT,
                "<li>From <strong>%s</strong> on, one more worker adds less than %s to the speedup.</li>%n",
                count(advice.workersAtDiminishingReturns()), trim(advice.minGain())));
        if (advice.peakWorkers() != null) {
            html.append(String.format(Locale.ROOT,
                    "<li>The overhead caps the speedup at <strong>%.2f×</strong> with %d workers; more workers make "
                            + "the job slower.</li>%n", advice.peakSpeedup(), advice.peakWorkers()));
        }
        html.append("</ul>\n");

        html.append("<h2>Chart</h2>\n<figure>\n").append(SpeedupChart.of(report).toInlineSvg())
                .append("</figure>\n</body>\n</html>\n");
        return html.toString();
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
                "<tr%s><td class=\"text\">%s%s</td><td>%.4f</td><td>%s</td><td>%s</td><td>%.2f %%</td><td>%s</td></tr>%n",
                preferred ? " class=\"preferred\"" : "", SvgCanvas.escape(formula),
                preferred ? " (preferred)" : "", fit.serialFraction(), seconds(fit.workSeconds()),
                fit.model() == Model.AMDAHL ? "–" : seconds(fit.overheadSecondsPerWorker()),
                100 * fit.rmsRelativeError(),
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
