package dev.amdahl.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 13, item 10: a file a command writes is checked before the work, and a bad one is a usage error in words, never
 * a stack trace; its folder is never created on the fly.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class OutputFileTest {

    @TempDir
    Path dir;

    @Test
    void lawPlotIntoAMissingFolderIsAUsageErrorBeforeTheTable() {
        Path missing = dir.resolve("no-such-folder").resolve("speedup.svg");

        Cli.Result r = Cli.run("law", "-p", "0.9", "--plot", missing.toString());

        assertThat(r.exitCode()).as(r.toString()).isEqualTo(2);
        assertThat(r.err()).contains("--plot " + missing + ": the folder " + missing.getParent() + " does not exist")
                .doesNotContain("\tat ", "Exception");
        assertThat(r.out()).as("checked before the work").doesNotContain("Amdahl's law");
        assertThat(missing.getParent()).doesNotExist();
    }

    @Test
    void lawPlotNamingAFolderIsAUsageError() {
        Cli.Result r = Cli.run("law", "-p", "0.9", "--plot", dir.toString());

        assertThat(r.exitCode()).as(r.toString()).isEqualTo(2);
        assertThat(r.err()).contains("--plot " + dir + ": that is a folder; name a file in it").doesNotContain("\tat ");
    }

    @Test
    void lawPlotWritesTheFormatItsExtensionNames() throws Exception {
        Path png = dir.resolve("speedup.PNG");

        Cli.Result r = Cli.run("law", "-p", "0.9", "--plot", png.toString());

        assertThat(r.exitCode()).as(r.toString()).isZero();
        byte[] bytes = Files.readAllBytes(png);
        assertThat(new String(bytes, 1, 3, java.nio.charset.StandardCharsets.US_ASCII)).isEqualTo("PNG");
    }

    @Test
    void lawPlotIntoAFolderThatCannotBeWrittenSaysSoWithoutATrace() throws Exception {
        Path locked = Files.createDirectory(dir.resolve("locked"));
        Path chart = locked.resolve("speedup.svg");
        assertThat(locked.toFile().setWritable(false)).isTrue();
        try {
            Cli.Result r = Cli.run("law", "-p", "0.9", "--plot", chart.toString());

            if (Files.isWritable(locked)) {
                // root writes anywhere: then the chart is written, and that is right too
                assertThat(r.exitCode()).as(r.toString()).isZero();
            } else {
                assertThat(r.exitCode()).as(r.toString()).isEqualTo(2);
                assertThat(r.err()).contains("is not writable").doesNotContain("\tat ");
            }
        } finally {
            locked.toFile().setWritable(true);
        }
    }

    @Test
    void demoOutNamingAFolderIsAUsageErrorBeforeTheRender() {
        Cli.Result r = Cli.run("demo", "mandelbrot", "--size", "40x30", "--tiles", "4", "-w", "1", "--out", dir.toString());

        assertThat(r.exitCode()).as(r.toString()).isEqualTo(2);
        assertThat(r.err()).contains("--out " + dir + ": that is a folder; name a file in it, e.g. " + dir.resolve("out.png"))
                .doesNotContain("\tat ", "FileNotFoundException");
        assertThat(r.out()).as("checked before the work").doesNotContain("workers");
    }

    @Test
    void demoOutIntoAMissingFolderDoesNotCreateIt() {
        Path missing = dir.resolve("typo").resolve("m.png");

        Cli.Result r = Cli.run("demo", "mandelbrot", "--size", "40x30", "--tiles", "4", "-w", "1", "--out", missing.toString());

        assertThat(r.exitCode()).as(r.toString()).isEqualTo(2);
        assertThat(r.err()).contains("the folder " + missing.getParent() + " does not exist");
        assertThat(missing.getParent()).doesNotExist();
    }

    @Test
    void demoOutMustBeAPngSinceAPngIsWritten() {
        Path jpg = dir.resolve("m.jpg");

        Cli.Result r = Cli.run("demo", "mandelbrot", "--size", "40x30", "--tiles", "4", "-w", "1", "--out", jpg.toString());

        assertThat(r.exitCode()).as(r.toString()).isEqualTo(2);
        assertThat(r.err()).contains("--out " + jpg + ": the file name must end in .png, the format written");
        assertThat(jpg).doesNotExist();
    }
}
