package dev.amdahl.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * {@code amdahl scale --replica-ceiling}: the most replicas whose predicted efficiency stays at the target, printed
 * alone for an autoscaler's maximum. Amdahl's efficiency on n slots is 1/(nS + 1 − S), so the most slots at
 * efficiency E are 1 + (1/E − 1)/S, rounded down, and the replicas those slots in whole replicas.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ScaleReplicaCeilingTest {

    @ParameterizedTest(name = "S = {0}, E = {1}, {2} slot(s) each: {3}")
    @CsvSource({
        "0.05,  0.8, 1, 6",    // 1 + 0.25/0.05 = 6 exactly: the boundary counts
        "0.005, 0.8, 4, 12",   // 51 slots, 12 replicas of 4
        "0.02,  0.9, 1, 6",    // 1 + 0.111/0.02 = 6.56
        "0.02,  0.8, 16, 1",   // 13 slots: fewer than one replica's, still one
        "1,     0.5, 1, 1",    // all serial: one worker
    })
    void printsTheReplicaCeilingAloneOnStandardOutput(double s, double e, int concurrency, int replicas) {
        Cli.Result r = Cli.run("scale", "--replica-ceiling", "--serial-fraction", String.valueOf(s),
                "--target-efficiency", String.valueOf(e), "--concurrency", String.valueOf(concurrency));

        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(r.out()).isEqualTo(replicas + System.lineSeparator());
        assertThat(r.err()).as("the reason, for a human").contains("S = ").contains(replicas + " replica(s) of " + concurrency);
    }

    @ParameterizedTest(name = "S = {0}, E = {1}, {2} slot(s) each: {3}")
    @CsvSource({
        "0.05,  0.8, 1, 6",
        "0.005, 0.8, 4, 12",
    })
    void replicasForEfficiencyIsTheSameQuestionByTheIssuesName(double s, double e, int concurrency, int replicas) {
        Cli.Result r = Cli.run("scale", "--replicas-for-efficiency", String.valueOf(e), "--serial-fraction", String.valueOf(s),
                "--concurrency", String.valueOf(concurrency));

        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(r.out()).isEqualTo(replicas + System.lineSeparator());

        Cli.Result both = Cli.run("scale", "--replicas-for-efficiency", "0.8", "--target-efficiency", "0.9",
                "--serial-fraction", "0.05");
        assertThat(both.exitCode()).isEqualTo(2);
        assertThat(both.err()).contains("give one of them");
    }

    @Test
    void theCostPerWorkerOfAnEarlierRunLowersTheCeiling(@TempDir Path dir) throws Exception {
        // S = 0.01 alone allows 26 slots at 80 %; a cost of 2 % of T1 per worker peaks the speedup at 7
        Path json = dir.resolve("scale.json");
        Files.writeString(json, """
                {"job": "pi", "report": {
                  "amdahl": {"model": "AMDAHL", "serialFraction": 0.01, "workSeconds": 10.0, "overheadSecondsPerWorker": 0.0},
                  "amdahlWithOverhead": {"model": "AMDAHL_WITH_OVERHEAD", "serialFraction": 0.01, "workSeconds": 10.0,
                                         "overheadSecondsPerWorker": 0.2},
                  "modelChoice": {"preferred": "AMDAHL_WITH_OVERHEAD"}}}
                """);

        Cli.Result plain = Cli.run("scale", "--replica-ceiling", "--serial-fraction", "0.01");
        Cli.Result fitted = Cli.run("scale", "--replica-ceiling", "--from", json.toString());

        assertThat(plain.out().strip()).as(plain.toString()).isEqualTo("26");
        assertThat(fitted.exitCode()).as(fitted.toString()).isZero();
        assertThat(fitted.out().strip()).as("T(n) = 10(0.01 + 0.99/n) + 0.2n: 85 %% efficient at 3, 76 %% at 4").isEqualTo("3");
        assertThat(fitted.err()).contains("c = 0.200 s per worker");
    }

    @Test
    void theJsonOfARealRunGivesACeiling(@TempDir Path dir) {
        Path json = dir.resolve("scale.json");
        Cli.Result run = Cli.run("scale", "pi", "--samples", "200000", "--chunks", "4", "--workers", "1,2",
                "--repeat", "1", "--json", json.toString());
        assertThat(run.exitCode()).as(run.toString()).isZero();

        Cli.Result r = Cli.run("scale", "--replica-ceiling", "--from", json.toString(), "--target-efficiency", "0.5");

        // whatever the noisy timings gave, the answer is a count or the statement that the law sets none
        if (r.exitCode() == 0) {
            assertThat(Integer.parseInt(r.out().strip())).isPositive();
        } else {
            assertThat(r.err()).contains("sets no ceiling");
        }
    }

    @Test
    void aReplicaWiderThanTheCeilingIsOneReplicaAndSaysSo() {
        Cli.Result r = Cli.run("scale", "--replica-ceiling", "--serial-fraction", "0.02", "--concurrency", "64");

        assertThat(r.out().strip()).as(r.toString()).isEqualTo("1");
        assertThat(r.err()).contains("one replica of 64 slots is already past the 13 that stay efficient");
    }

    @Test
    void noSerialFractionMeansNoCeilingAndSaysSo() {
        Cli.Result r = Cli.run("scale", "--replica-ceiling", "--serial-fraction", "0");

        assertThat(r.exitCode()).isEqualTo(1);
        assertThat(r.out()).isEmpty();
        assertThat(r.err()).contains("Amdahl's law sets no ceiling; choose the maximum by cost");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "--replica-ceiling                                         | needs one of --serial-fraction S or --from FILE",
        "--replica-ceiling --serial-fraction 0.1 --from x.json     | needs one of --serial-fraction S or --from FILE",
        "--replica-ceiling --serial-fraction 1.5                   | --serial-fraction 1.5: must be in [0, 1]",
        "--replica-ceiling --serial-fraction 0.1 --concurrency 0   | --concurrency 0: must be at least 1",
        "--replica-ceiling --serial-fraction 0.1 --target-efficiency 0 | --target-efficiency 0.0: must be in (0, 1]",
        "--replica-ceiling --from /nonexistent/scale.json          | --from /nonexistent/scale.json: no such file",
        "pi --replica-ceiling --serial-fraction 0.1                | --replica-ceiling runs no job: drop 'pi'",
        "pi --serial-fraction 0.1                                  | --serial-fraction and --from go with --replica-ceiling",
        "--workers 1,2                                             | Missing required parameter: 'JOB': choose mandelbrot or pi",
    })
    void usageErrorsSayWhatToDo(String args, String message) {
        java.util.List<String> argv = new java.util.ArrayList<>(java.util.List.of("scale"));
        argv.addAll(java.util.List.of(args.trim().split("\\s+")));

        Cli.Result r = Cli.run(argv.toArray(String[]::new));

        assertThat(r.exitCode()).as(r.toString()).isEqualTo(2);
        assertThat(r.err()).contains(message);
    }

    @Test
    void aFileThatIsNotAScaleReportIsRefused(@TempDir Path dir) throws Exception {
        Path notJson = Files.writeString(dir.resolve("a.json"), "{not json");
        Path other = Files.writeString(dir.resolve("b.json"), "{\"report\": {}}");

        assertThat(Cli.run("scale", "--replica-ceiling", "--from", notJson.toString()).err()).contains("not JSON");
        assertThat(Cli.run("scale", "--replica-ceiling", "--from", other.toString()).err())
                .contains("is it the --json of 'amdahl scale'?");
    }
}
