package dev.amdahl.scaling;

import static dev.amdahl.scaling.SyntheticTimings.POWERS_OF_TWO;
import static dev.amdahl.scaling.SyntheticTimings.timings;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class HtmlReportTest {

    private final ScalingReport report = ScalingAnalysis.ofDefaults()
            .analyze(timings(100.0, 0.05, 0.05, 0.02, 5, 7L, POWERS_OF_TWO));

    @Test
    void isSelfContained() {
        String html = report.toHtml();

        assertThat(html).startsWith("<!DOCTYPE html>").contains("<style>", "<svg ", "</svg>");
        assertThat(html.toLowerCase()).doesNotContain("http", "<script", "<link", "<img", "@import", "url(");
    }

    @Test
    void holdsTheTableTheFitsAndTheAdvice() throws Exception {
        String html = report.toHtml();

        assertThat(html).contains("Karp–Flatt", "T(n) = T1·(S + (1−S)/n) + c·n (preferred)",
                "Overhead model fits better", "Recommendation", "efficiency at or above 80 %",
                "highest speedup", "<h2>Predictions</h2>", "<tr><td>64</td>", "confidence interval",
                "Advice: run <strong>" + report.advice().workers() + " workers</strong>", "Rule: the largest n");
        for (ScalingReport.Measurement m : report.measurements()) {
            assertThat(html).contains("<tr><td>" + m.workers() + "</td>");
        }
        // the inline chart is well-formed XML on its own
        Matcher svg = Pattern.compile("<svg .*?</svg>", Pattern.DOTALL).matcher(html);
        assertThat(svg.find()).isTrue();
        SpeedupChartTest.parse(svg.group());
    }

    @Test
    void saysWhenTheModelsCannotBeTold() {
        String html = ScalingAnalysis.ofDefaults()
                .analyze(timings(100.0, 0.1, 0.0, 0.02, 3, 1L, 1, 2, 4)).toHtml();

        assertThat(html).contains("Overhead model cannot be judged").doesNotContain("(preferred)");
    }

    @Test
    void putsTheJobsOwnSerialFractionBesideTheFitUnderItsTitle() {
        String html = report.toHtml("Monte Carlo pi & co", new JobStats(0.5, 99.5));

        assertThat(html).contains("<title>Monte Carlo pi &amp; co", "<h1>Monte Carlo pi &amp; co</h1>",
                "Two estimates of the serial fraction", "<td>0.0050</td><td>200.00×</td>");
        assertThat(report.toHtml()).doesNotContain("Two estimates");
    }
}
