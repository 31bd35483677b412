package dev.amdahl.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * {@code amdahl scale} on tiny jobs. Measured speedups are not asserted: on a small shared machine
 * they are noise. What must hold whatever the timings is.
 */
class ScaleCommandTest {

    @BeforeAll
    static void headless() {
        System.setProperty("java.awt.headless", "true");
    }

    @Test
    void aTinyPiJobWritesJsonAndASelfContainedHtmlReport(@TempDir Path dir) throws Exception {
        Path json = dir.resolve("scale.json");
        Path html = dir.resolve("scale.html");

        Cli.Result r = Cli.run("scale", "pi", "--samples", "200000", "--chunks", "4", "--workers", "2,1",
                "--repeat", "2", "--json", json.toString(), "--html", html.toString());

        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(r.err()).isEmpty();
        JsonNode doc = new ObjectMapper().readTree(json.toFile());
        assertThat(doc.path("job").asText()).isEqualTo("pi");
        assertThat(doc.path("description").asText()).contains("200,000 samples in 4 chunks");
        assertThat(doc.path("repeat").asInt()).isEqualTo(2);
        assertThat(workersOf(doc.path("runs"))).containsExactly(1, 1, 2, 2);
        for (JsonNode run : doc.path("runs")) {
            assertThat(run.path("seconds").asDouble()).isPositive();
        }

        JsonNode report = doc.path("report");
        JsonNode rows = report.path("measurements");
        assertThat(workersOf(rows)).containsExactly(1, 2);
        JsonNode one = rows.get(0);
        JsonNode two = rows.get(1);
        assertThat(one.path("samples").asInt()).isEqualTo(2);
        assertThat(one.path("speedup").asDouble()).isEqualTo(1.0);
        assertThat(one.path("karpFlatt").isNull()).isTrue();
        assertThat(report.path("baselineMeasured").asBoolean()).isTrue();
        assertThat(report.path("baselineSeconds").asDouble()).isEqualTo(one.path("medianSeconds").asDouble());
        assertThat(two.path("speedup").asDouble() * two.path("medianSeconds").asDouble())
                .isCloseTo(report.path("baselineSeconds").asDouble(), within(1e-9));
        assertThat(two.path("efficiency").asDouble()).isCloseTo(two.path("speedup").asDouble() / 2, within(1e-12));
        assertThat(two.path("karpFlatt").isNumber()).isTrue();

        double fittedS = report.path("amdahl").path("serialFraction").asDouble();
        assertThat(fittedS).isBetween(0.0, 1.0);
        assertThat(report.path("amdahlWithOverhead").isNull()).as("2 counts cannot fit 3 coefficients").isTrue();
        assertThat(report.path("modelChoice").path("preferred").asText()).isEqualTo("AMDAHL");
        assertThat(report.path("modelChoice").path("judged").asBoolean()).isFalse();

        // predictions at 4, 8, 16: Amdahl's speedup never falls with n, its efficiency never rises
        JsonNode predictions = report.path("predictions");
        assertThat(workersOf(predictions)).containsExactly(4, 8, 16);
        for (int i = 1; i < predictions.size(); i++) {
            assertThat(predictions.get(i).path("speedup").asDouble())
                    .isGreaterThanOrEqualTo(predictions.get(i - 1).path("speedup").asDouble());
            assertThat(predictions.get(i).path("efficiency").asDouble())
                    .isLessThanOrEqualTo(predictions.get(i - 1).path("efficiency").asDouble());
        }
        JsonNode advice = report.path("advice");
        assertThat(advice.path("targetEfficiency").asDouble()).isEqualTo(0.8);
        assertThat(advice.path("minGain").asDouble()).isEqualTo(0.05);

        JsonNode stats = doc.path("jobStats");
        double measuredS = stats.path("serialFraction").asDouble();
        assertThat(measuredS).isGreaterThan(0.0).isLessThanOrEqualTo(1.0);
        assertThat(stats.path("ceiling").asDouble()).isCloseTo(1 / measuredS, within(1e-6));
        assertThat(stats.path("parallelSeconds").asDouble()).isPositive();

        String page = Files.readString(html);
        assertThat(page).startsWith("<!DOCTYPE html>").contains("<svg", "</svg>", "Monte Carlo pi",
                "Two estimates of the serial fraction", "Predictions");
        assertThat(page.toLowerCase()).doesNotContain("http", "<script", "<link", "<img", "url(");

        assertThat(r.out()).contains("Monte Carlo pi, 200,000 samples in 4 chunks")
                .containsPattern("(?m)^ 1 worker: \\d+\\.\\d{3} s \\d+\\.\\d{3} s$")
                .containsPattern("(?m)^\\s+2\\s+2\\s+\\d+\\.\\d{3} s\\s+\\d+\\.\\d\\dx\\s+\\d+\\.\\d %\\s+-?\\d+\\.\\d{4}$")
                .contains("serial fraction, two estimates:")
                .containsPattern(String.format(java.util.Locale.ROOT,
                        "fitted to the wall times\\s+S = %.4f", fittedS).replace(".", "\\."))
                .containsPattern(String.format(java.util.Locale.ROOT,
                        "measured by the job itself\\s+S = %.4f", measuredS).replace(".", "\\."))
                .contains("recommendation:", "wrote " + json, "wrote " + html);
    }

    @Test
    void aMandelbrotScaleWritesTheChartAlone(@TempDir Path dir) throws Exception {
        Path svg = dir.resolve("speedup.svg");

        Cli.Result r = Cli.run("scale", "mandelbrot", "--size", "60x40", "--tiles", "4", "--max-iterations", "50",
                "--workers", "1,2", "--repeat", "1", "--predict", "3,100", "--plot", svg.toString());

        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(Files.readString(svg)).startsWith("<?xml").contains("<svg");
        assertThat(r.out()).containsPattern("(?m)^\\s+3\\s+\\d+\\.\\d\\dx").containsPattern("(?m)^\\s+100\\s+\\d+\\.\\d\\dx");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "scale nope                                     | unknown job 'nope': choose mandelbrot or pi",
        "scale pi --workers 0,1                         | --workers: a worker count must be at least 1, got 0",
        "scale pi --workers 2                           | --workers: a scaling benchmark needs at least 2 distinct worker counts",
        "scale pi --repeat 0                            | --repeat: repeat must be at least 1",
        "scale pi --target-efficiency 0                 | --target-efficiency 0.0: must be in (0, 1]",
        "scale pi --target-efficiency 1.5               | --target-efficiency 1.5: must be in (0, 1]",
        "scale pi --min-gain -1                         | --min-gain -1.0: must be a positive speedup",
        "scale pi --predict 0                           | --predict: a worker count to predict at must be in [1,",
        "scale mandelbrot --samples 10                  | --samples sizes the pi job, not mandelbrot",
        "scale pi --tiles 4                             | --tiles sizes the mandelbrot job, not pi",
        "scale mandelbrot --size 40x30 --tiles 5000     | use fewer tiles",
        "scale pi --plot chart.txt                      | --plot chart.txt: the chart file must end in .png or .svg",
        "scale pi --json /no/such/folder/scale.json     | the folder /no/such/folder does not exist",
        "scale                                          | Missing required parameter: 'JOB'",
    })
    void badInputIsAUsageErrorBeforeAnythingRuns(String args, String message) {
        Cli.Result r = Cli.run(args.trim().split("\\s+"));

        assertThat(r.exitCode()).as(r.toString()).isEqualTo(2);
        assertThat(r.err()).contains(message).doesNotContain("\tat ");
        assertThat(r.out()).doesNotContain("worker:", "workers:");
    }

    private static List<Integer> workersOf(JsonNode array) {
        List<Integer> workers = new ArrayList<>();
        array.forEach(node -> workers.add(node.path("workers").asInt()));
        return workers;
    }
}
