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
        assertThat(workersOf(doc.path("runs"))).as("interleaved rounds").containsExactly(1, 2, 1, 2);
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
        assertThat(page).startsWith("<!DOCTYPE html>").contains("<svg", "</svg>", "Monte Carlo pi");
        if (!report.path("superlinear").isEmpty()) {
            // a timing this test cannot rule out on a busy machine: then the report must say so and fit nothing
            assertThat(r.out()).contains("warning: superlinear speedup").doesNotContain("recommendation:");
            assertThat(page).contains("Superlinear speedup").doesNotContain("Fitted models");
            return;
        }
        assertThat(page).contains("Two estimates of the serial fraction", "Predictions");
        assertThat(page.toLowerCase()).doesNotContain("http", "<script", "<link", "<img", "url(");

        assertThat(r.out()).contains("Monte Carlo pi, 200,000 samples in 4 chunks")
                .containsPattern("(?m)^round 1:  1: \\d+\\.\\d{3} s  2: \\d+\\.\\d{3} s$")
                .containsPattern("(?m)^round 2:  1: \\d+\\.\\d{3} s  2: \\d+\\.\\d{3} s$")
                .containsPattern("(?m)^\\s+2\\s+2\\s+\\d+\\.\\d{3} s\\s+\\d+\\.\\d{3} -\\s+\\d+\\.\\d{3} s\\s+\\d+\\.\\d %"
                        + "\\s+\\d+\\.\\d\\dx\\s+\\d+\\.\\d %\\s+-?\\d+\\.\\d{4}$")
                // two counts, two coefficients: no error figure that could only ever be 0
                .contains("exact fit: too few worker counts to test the model").doesNotContain("rms error 0.00 %")
                .contains("serial fraction, two estimates:")
                .containsPattern(String.format(java.util.Locale.ROOT,
                        "fitted to the wall times\\s+S = %.4f", fittedS).replace(".", "\\."))
                .containsPattern(String.format(java.util.Locale.ROOT,
                        "measured by the job itself\\s+S = %.4f", measuredS).replace(".", "\\."))
                .containsPattern("(?m)^recommendation: (\\d+ workers?|any number of workers)")
                .contains("  rule: the largest n whose last added worker still adds at least 0.05", "other criteria:",
                        "wrote " + json, "wrote " + html);
    }

    @Test
    void aMandelbrotScaleWritesTheChartAlone(@TempDir Path dir) throws Exception {
        Path svg = dir.resolve("speedup.svg");

        Cli.Result r = Cli.run("scale", "mandelbrot", "--size", "240x160", "--tiles", "8", "--max-iterations", "200",
                "--workers", "1,2", "--repeat", "3", "--predict", "3", "--plot", svg.toString());

        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(Files.readString(svg)).startsWith("<?xml").contains("<svg");
        assertThat(r.out()).contains("wrote " + svg).doesNotContain(".json", ".html");
        if (r.out().contains("warning: superlinear speedup")) {
            // a busy CI machine once gave 2.54x on 2 from runs of a few ms: then nothing is fitted, so nothing predicted
            assertThat(r.out()).doesNotContain("predictions checked against runs left out of the fit:", "recommendation:");
            return;
        }
        assertThat(r.out()).contains("predictions checked against runs left out of the fit:")
                .containsPattern("(?m)^\\s+3\\s+3\\s+\\d+\\.\\d{3} s\\s+\\d+\\.\\d{3} s.*[+-]\\d+\\.\\d %$");
    }

    @Test
    void theSyntheticJobRunsFarPastTheCoresAndChecksItsPredictions() {
        // S = 0.2: 1.67x at 2 workers, far from the superlinear 2.04x that timing noise gave S = 0.1 on a busy CI
        Cli.Result r = Cli.run("scale", "synthetic", "--serial-fraction", "0.2", "--task-ms", "4", "--tasks", "32",
                "--workers", "1,2,4,8", "--predict", "16,32", "--repeat", "2");

        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(r.out()).contains("synthetic job, S = 0.2: 32 tasks of 4 ms",
                        "predictions checked against runs left out of the fit:", "95 % interval")
                .containsPattern("(?m)^round 2:  1: \\d+\\.\\d{3} s  2: .*  32: \\d+\\.\\d{3} s$")
                .containsPattern("(?m)^\\s+16\\s+2\\s+\\d+\\.\\d{3} s\\s+\\d+\\.\\d{3} s.*[+-]\\d+\\.\\d %$")
                .containsPattern("(?m)^\\s+32\\s+2\\s+\\d+\\.\\d{3} s\\s+\\d+\\.\\d{3} s.*[+-]\\d+\\.\\d %$")
                .containsPattern("rms error \\d+\\.\\d\\d % \\(2 degrees of freedom\\)");
    }

    @Test
    void weakScalingGivesNWorkersNTimesTheWorkAndFitsGustafsonsSerialShare(@TempDir Path dir) throws Exception {
        Path json = dir.resolve("weak.json");
        Path html = dir.resolve("weak.html");
        Path plot = dir.resolve("weak.svg");

        Cli.Result r = Cli.run("scale", "synthetic", "--weak", "--serial-fraction", "0.3", "--task-ms", "5", "--tasks",
                "2", "--workers", "1,2,4", "--predict", "8", "--repeat", "2", "--json", json.toString(), "--html",
                html.toString(), "--plot", plot.toString());

        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(r.out()).contains("weak scaling: N workers get N times the work",
                        "fitted to the scaled speedups (Gustafson, S(n) = n - s'*(n - 1)):", "95 % interval",
                        "predictions checked against runs left out of the fit:", "recommendation: ",
                        "rule: the largest n whose predicted scaled efficiency", "measured weak efficiency >= 80 %")
                .containsPattern("(?m)^\\s+8\\s+2\\s+\\d+\\.\\d{3} s\\s+\\d+\\.\\d\\dx\\s+\\d+\\.\\d\\dx\\s+[+-]\\d+\\.\\d %$")
                .containsPattern("rms error \\d+\\.\\d\\d % \\(1 degree of freedom\\)");
        JsonNode doc = new ObjectMapper().readTree(json.toFile());
        assertThat(doc.path("weak").asBoolean()).isTrue();
        assertThat(workersOf(doc.path("runs"))).containsExactly(1, 2, 4, 8, 1, 2, 4, 8);
        for (JsonNode run : doc.path("runs")) {
            assertThat(run.path("size").asInt()).isEqualTo(run.path("workers").asInt());
            // the tasks' own time: 2 tasks of 5 ms per worker
            assertThat(run.path("taskSeconds").asDouble()).isGreaterThanOrEqualTo(0.010 * run.path("size").asInt() * 0.99);
        }
        JsonNode report = doc.path("report");
        assertThat(report.path("estimate").asText()).isEqualTo("TASK_TIMES");
        assertThat(report.path("serialFraction").asDouble()).isBetween(0.0, 1.0);
        assertThat(workersOf(report.path("measurements"))).containsExactly(1, 2, 4);
        assertThat(workersOf(report.path("heldOut"))).containsExactly(8);
        assertThat(Files.readString(html)).contains("weak scaling (n workers, n times the work)", "id=\"chart\"",
                "Gustafson fit, s&#39; =");
        assertThat(Files.readString(plot)).startsWith("<?xml").contains("scaled speedup");
    }

    @Test
    void aUsersOwnJobScalesWeaklyBySize(@TempDir Path dir) throws Exception {
        Path json = dir.resolve("weak.json");

        Cli.Result r = Cli.run("scale", "--job", SquaresJob.class.getName(), "--weak", "--workers", "1,2", "--repeat",
                "1", "--json", json.toString());

        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(r.out()).contains("squares of a few numbers", "exact fit: too few worker counts to test the model");
        JsonNode doc = new ObjectMapper().readTree(json.toFile());
        assertThat(doc.path("weak").asBoolean()).isTrue();
        assertThat(workersOf(doc.path("runs"))).containsExactly(1, 2);
    }

    /** A user's job, found by its name on the class path as {@code --job} finds it. */
    public static final class SquaresJob implements dev.amdahl.ScalableJob<List<Integer>> {
        @Override
        public void register(dev.amdahl.Amdahl app) {
            app.task("test.square", Integer.class, Integer.class, x -> x * x);
        }

        @Override
        public String description() {
            return "squares of a few numbers";
        }

        @Override
        public List<Integer> prepare(int size) {
            return java.util.stream.IntStream.range(0, 8 * size).boxed().toList();
        }

        @Override
        public dev.amdahl.scaling.JobStats run(dev.amdahl.Amdahl app, List<Integer> work) {
            dev.amdahl.GroupFuture<Integer> squares = app.task("test.square", Integer.class, Integer.class).map(work);
            int sum = squares.combine(java.time.Duration.ofSeconds(30), all -> all.stream().mapToInt(i -> i).sum());
            int m = work.size();
            if (sum != (m - 1) * m * (2 * m - 1) / 6) {
                throw new IllegalStateException("wrong sum " + sum);
            }
            return squares.stats();
        }
    }

    @Test
    void aUsersOwnJobIsTimedByItsClassName(@TempDir Path dir) throws Exception {
        Path json = dir.resolve("scale.json");

        Cli.Result r = Cli.run("scale", "--job", SquaresJob.class.getName(), "--workers", "1,2", "--repeat", "1",
                "--json", json.toString());

        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(r.out()).contains("squares of a few numbers", "on the embedded broker")
                .containsAnyOf("recommendation:", "warning: superlinear speedup");
        JsonNode doc = new ObjectMapper().readTree(json.toFile());
        assertThat(doc.path("job").asText()).isEqualTo("SquaresJob");
        assertThat(workersOf(doc.path("runs"))).containsExactly(1, 2);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "scale nope                                     | unknown job 'nope': choose mandelbrot or pi or synthetic",
        "scale pi --workers 0,1                         | --workers: a worker count must be at least 1, got 0",
        "scale pi --workers 2                           | --workers: a scaling benchmark needs at least 2 distinct worker counts",
        "scale pi --repeat 0                            | --repeat: repeat must be at least 1",
        "scale pi --target-efficiency 0                 | --target-efficiency 0.0: must be in (0, 1]",
        "scale pi --target-efficiency 1.5               | --target-efficiency 1.5: must be in (0, 1]",
        "scale pi --min-gain -1                         | --min-gain -1.0: must be a positive speedup",
        "scale pi --predict 0                           | --predict: a held-out worker count must be at least 1, got 0",
        "scale pi --workers 1,2 --predict 2             | --predict: worker count 2 is both fitted and held out",
        "scale pi --task-ms 3                           | --task-ms sizes the synthetic job, not pi",
        "scale pi --serial-fraction 0.1                 | --serial-fraction and --from go with --replica-ceiling",
        "scale synthetic --serial-fraction 1            | serial fraction must be in [0, 1)",
        "scale --job no.such.Job                        | --job no.such.Job: no such class on the class path",
        "scale --job java.lang.String                   | does not implement dev.amdahl.ScalableJob",
        "scale pi --job java.lang.String                | give a demo JOB or --job CLASS, not both",
        "scale --replicas-for-efficiency 0.8            | --replica-ceiling needs one of --serial-fraction S or --from FILE",
        "scale mandelbrot --samples 10                  | --samples sizes the pi job, not mandelbrot",
        "scale pi --tiles 4                             | --tiles sizes the mandelbrot job, not pi",
        "scale mandelbrot --size 40x30 --tiles 5000     | use fewer tiles",
        "scale pi --plot chart.txt                      | --plot chart.txt: the file name must end in .svg or .png",
        "scale pi --json /no/such/folder/scale.json     | the folder /no/such/folder does not exist",
        "scale pi --json scale.txt                      | --json scale.txt: the file name must end in .json",
        "scale pi --html /tmp                           | --html /tmp: that is a folder",
        "scale                                          | Missing required parameter: 'JOB'",
        "scale mandelbrot --weak                        | --weak needs a job whose work can grow with the workers",
        "scale --replica-ceiling --weak --serial-fraction 0.1 | --weak times a job; --replica-ceiling runs none",
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
