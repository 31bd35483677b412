package dev.amdahl.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DemoCommandTest {

    private static Pattern row(int workers) {
        return Cli.timingRow(workers);
    }

    @Test
    void mandelbrotWritesAPngOfTheAskedSizeAndALinePerWorkerCount(@TempDir Path dir) throws Exception {
        Path png = dir.resolve("m.png");

        Cli.Result r = Cli.run("demo", "mandelbrot", "--workers", "1,2", "--size", "120x90", "--tiles", "6",
                "--max-iterations", "200", "--repeat", "2", "--out", png.toString());

        assertThat(r.exitCode()).as(r.toString()).isZero();
        BufferedImage image = ImageIO.read(png.toFile());
        assertThat(image.getWidth()).isEqualTo(120);
        assertThat(image.getHeight()).isEqualTo(90);
        assertThat(r.out()).contains("Mandelbrot set, 120x90 pixels in 6 tiles")
                .containsPattern(row(1)).containsPattern(row(2))
                .contains("wrote " + png + " (120x90)")
                // issue 3: the demo prints the job's own serial fraction and Amdahl ceiling
                .containsPattern("(?m)^serial fraction S = [01]\\.\\d{4}, Amdahl ceiling (\\d+\\.\\dx|none)"
                        + " \\(measured by the last run, 2 workers: \\d+\\.\\d{3} s serial in this process,"
                        + " \\d+\\.\\d{3} s in tasks\\)$")
                .doesNotContain("\r"); // no progress bar when the output is not a terminal
        assertThat(r.out().lines().filter(l -> row(1).matcher(l).find()).findFirst()).hasValueSatisfying(
                l -> assertThat(l).endsWith("1.00x"));
        assertThat(r.out()).contains("2 rounds over the worker counts", "a warm-up run, then a timed run");
        assertThat(r.err()).isEmpty();
    }

    @Test
    void byDefaultItTimesOneWorkerAndOnePerCore(@TempDir Path dir) {
        int cores = Runtime.getRuntime().availableProcessors();

        Cli.Result r = Cli.run("demo", "mandelbrot", "--size", "40x30", "--tiles", "4", "-o", dir.resolve("m.png").toString());

        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(r.out()).containsPattern(row(1)).containsPattern(row(cores));
    }

    @Test
    void piPrintsALinePerWorkerCountAndTheEstimate() {
        Cli.Result r = Cli.run("demo", "pi", "--workers", "2,1", "--samples", "1000000", "--chunks", "8");

        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(r.out()).containsPattern(row(1)).containsPattern(row(2)).containsPattern("pi = 3\\.1[34]\\d+");
        assertThat(r.out().indexOf("        1 ")).as("1 worker first: the baseline").isLessThan(r.out().indexOf("        2 "));
    }

    @Test
    void virtualThreadsOnJava17AreRefusedClearlyWithoutAStackTrace(@TempDir Path dir) {
        assumeThat(Runtime.version().feature()).as("a runtime without virtual threads").isLessThan(21);

        Cli.Result r = Cli.run("demo", "mandelbrot", "--pool", "virtual", "--size", "40x30", "--tiles", "4",
                "-o", dir.resolve("m.png").toString());

        assertThat(r.exitCode()).isEqualTo(1);
        assertThat(r.err()).contains("needs Java 21 or newer").contains("--pool threads").doesNotContain("\tat ");
        assertThat(dir.resolve("m.png")).doesNotExist();
    }

    @Test
    void verboseAddsTheStackTraceWhereverItIsWritten(@TempDir Path dir) {
        assumeThat(Runtime.version().feature()).as("a runtime without virtual threads").isLessThan(21);

        Cli.Result after = Cli.run("demo", "pi", "--pool", "virtual", "--samples", "100", "--chunks", "1", "--verbose");
        Cli.Result before = Cli.run("--verbose", "demo", "pi", "--pool", "virtual", "--samples", "100", "--chunks", "1");

        assertThat(after.err()).contains("\tat dev.amdahl.");
        assertThat(before.err()).contains("\tat dev.amdahl.");
    }

    @Test
    void badOptionValuesAreUsageErrors() {
        Cli.Result size = Cli.run("demo", "mandelbrot", "--size", "big");
        Cli.Result pool = Cli.run("demo", "mandelbrot", "--pool", "fibers");
        Cli.Result tiles = Cli.run("demo", "mandelbrot", "--size", "40x30", "--tiles", "5000");
        Cli.Result workers = Cli.run("demo", "pi", "--workers", "0");

        assertThat(size.exitCode()).isEqualTo(2);
        assertThat(size.err()).contains("write WIDTHxHEIGHT, e.g. 1600x1200");
        assertThat(pool.exitCode()).isEqualTo(2);
        assertThat(pool.err()).contains("choose threads, virtual or processes");
        assertThat(tiles.exitCode()).isEqualTo(2);
        assertThat(tiles.err()).contains("use fewer tiles").doesNotContain("\tat ");
        assertThat(workers.exitCode()).isEqualTo(2);
        assertThat(workers.err()).contains("at least 1");
    }

    @Test
    void anUnknownBrokerSchemeGivesTheProviderLookupsMessage() {
        Cli.Result r = Cli.run("demo", "pi", "--broker", "nosuch://host", "--samples", "100", "--chunks", "1");

        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err()).contains("no broker for 'nosuch://'").contains("memory");
    }

    @Test
    void demoWithoutAJobSaysWhichThereAre() {
        Cli.Result r = Cli.run("demo");

        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err()).contains("amdahl demo mandelbrot").contains("amdahl demo pi");
    }

    @Test
    void onASharedBrokerWithoutWorkersGivenItLeavesTheWorkToWorkersElsewhere() throws Exception {
        String broker = InProcessSharedProvider.SCHEME + "://demo-elsewhere";
        Cli.Result worker;
        picocli.CommandLine workerLine = new picocli.CommandLine(new AmdahlCommand());
        WorkerCommand command = workerLine.getSubcommands().get("worker").getCommand();
        java.util.concurrent.CompletableFuture<Cli.Result> running = java.util.concurrent.CompletableFuture.supplyAsync(
                () -> Cli.run(workerLine, "worker", "--broker", broker, "--concurrency", "2"));
        try {
            Cli.Result r = Cli.run("demo", "pi", "--broker", broker, "--samples", "100000", "--chunks", "4");

            assertThat(r.exitCode()).as(r.toString()).isZero();
            assertThat(r.out()).contains("served by workers elsewhere")
                    .containsPattern("(?m)^\\s*elsewhere\\s+\\d+\\.\\d{3} s\\s+\\d+\\.\\d{3} -\\s+\\d+\\.\\d{3} s\\s+\\d+\\.\\d\\s+-$");
        } finally {
            command.started.get(30, java.util.concurrent.TimeUnit.SECONDS).close();
        }
        worker = running.get(30, java.util.concurrent.TimeUnit.SECONDS);
        assertThat(worker.exitCode()).as(worker.toString()).isZero();
        assertThat(worker.out()).contains("stopped after 16 task(s)"); // the warm-up's 4 and three timed runs' 4
    }
}
