package dev.amdahl.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

@Timeout(value = 120, unit = TimeUnit.SECONDS)
class DemoRenderCommandTest {

    /** A small animation: six frames, one ray per pixel. */
    private static final String[] SMALL = {"--size", "48x27", "--frames", "6", "--samples", "1"};

    private static Pattern row(int workers) {
        return Cli.timingRow(workers);
    }

    private static Cli.Result render(Path out, String... more) {
        String[] args = new String[4 + SMALL.length + more.length];
        args[0] = "demo";
        args[1] = "render";
        args[2] = "-o";
        args[3] = out.toString();
        System.arraycopy(SMALL, 0, args, 4, SMALL.length);
        System.arraycopy(more, 0, args, 4 + SMALL.length, more.length);
        return Cli.run(args);
    }

    @Test
    void writesDifferentFramesAndAPreviewAndALinePerWorkerCount(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("frames");

        Cli.Result r = render(out, "--workers", "1,2");

        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(r.out()).contains("ray-traced animation, 6 frames of 48x27 pixels, 1 ray per pixel")
                .containsPattern(row(1)).containsPattern(row(2))
                .containsPattern("(?m)^serial fraction S = [01]\\.\\d{4}, Amdahl ceiling \\d+\\.\\dx \\(measured by the last run,"
                        + " 2 workers: \\d+\\.\\d{3} s serial in this process, \\d+\\.\\d{3} s in tasks\\)$")
                .contains("rendered 6 of 6 frames into " + out + ", skipped 0 (0 already on disk, 0 stored in the result"
                        + " backend by an earlier run)")
                .contains("wrote " + out.resolve("render.gif") + " (6 frames)");
        assertThat(r.err()).isEmpty();
        BufferedImage first = ImageIO.read(out.resolve("frame-000.png").toFile());
        BufferedImage last = ImageIO.read(out.resolve("frame-005.png").toFile());
        assertThat(first.getWidth()).isEqualTo(48);
        assertThat(first.getRGB(0, 0, 48, 27, null, 0, 48)).isNotEqualTo(last.getRGB(0, 0, 48, 27, null, 0, 48));
        assertThat(Files.size(out.resolve("render.gif"))).isPositive();
    }

    /** A render killed after four frames (two are missing from its folder) is started again: it renders only two. */
    @Test
    void aRenderStartedAgainRendersOnlyTheMissingFramesAndSaysHowManyItSkipped(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("frames");
        assertThat(render(out, "--workers", "1").exitCode()).isZero();
        Files.delete(out.resolve("frame-002.png"));
        Files.delete(out.resolve("frame-005.png"));
        Files.delete(out.resolve("render.gif"));

        Cli.Result r = render(out, "--workers", "1,2");

        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(r.out()).contains("resuming the render in " + out + ": 4 of 6 frames are there already, 2 to go")
                .containsPattern(row(1)).containsPattern(row(2))
                .contains("rendered 2 of 6 frames into " + out + ", skipped 4 (4 already on disk, 0 stored")
                .contains("wrote " + out.resolve("render.gif"));
        assertThat(out.resolve("frame-002.png")).exists();
        assertThat(out.resolve("frame-005.png")).exists();
    }

    @Test
    void aFinishedRenderIsNotRenderedAgainUnlessFresh(@TempDir Path dir) {
        Path out = dir.resolve("frames");
        assertThat(render(out, "--workers", "1").exitCode()).isZero();

        Cli.Result again = render(out, "--workers", "1");
        Cli.Result fresh = render(out, "--workers", "1", "--fresh");

        assertThat(again.exitCode()).as(again.toString()).isZero();
        assertThat(again.out()).contains("all 6 frames are in " + out + " already: nothing to render (--fresh renders them again)");
        assertThat(fresh.exitCode()).as(fresh.toString()).isZero();
        assertThat(fresh.out()).contains("rendered 6 of 6 frames");
    }

    @Test
    void aFolderOfAnotherRenderIsAUsageErrorNamingTheWayOut(@TempDir Path dir) {
        Path out = dir.resolve("frames");
        assertThat(render(out, "--workers", "1").exitCode()).isZero();

        Cli.Result other = Cli.run("demo", "render", "-o", out.toString(), "--size", "64x36", "--frames", "6", "--samples", "1");
        Cli.Result nowhere = Cli.run("demo", "render", "-o", dir.resolve("no/such/frames").toString());

        assertThat(other.exitCode()).isEqualTo(2);
        assertThat(other.err()).contains("holds the frames of another render (6 frames of 48x27").contains("--fresh")
                .doesNotContain("\tat ");
        assertThat(nowhere.exitCode()).isEqualTo(2);
        assertThat(nowhere.err()).contains("does not exist; create it first");
    }

    /**
     * On a broker the client shares with workers elsewhere, a render whose frames went missing from its folder
     * after the workers stored them finds those results through the frames' idempotency keys: nothing is rendered again.
     */
    @Test
    void onASharedBrokerTheFramesStoredByAnEarlierRunAreTakenFromTheBackend(@TempDir Path dir) throws Exception {
        String broker = InProcessSharedProvider.SCHEME + "://render-resume";
        Path out = dir.resolve("frames");
        CommandLine workerLine = new CommandLine(new AmdahlCommand());
        WorkerCommand command = workerLine.getSubcommands().get("worker").getCommand();
        CompletableFuture<Cli.Result> running = CompletableFuture.supplyAsync(
                () -> Cli.run(workerLine, "worker", "--broker", broker, "--concurrency", "2"));
        Cli.Result first;
        Cli.Result resumed;
        try {
            first = render(out, "--broker", broker);
            Files.delete(out.resolve("frame-001.png"));
            Files.delete(out.resolve("frame-004.png"));
            resumed = render(out, "--broker", broker);
        } finally {
            command.started.get(30, TimeUnit.SECONDS).close();
        }

        assertThat(first.exitCode()).as(first.toString()).isZero();
        assertThat(resumed.exitCode()).as(resumed.toString()).isZero();
        assertThat(resumed.out()).contains("served by workers elsewhere")
                .contains("rendered 0 of 6 frames into " + out + ", skipped 6 (4 already on disk, 2 stored in the result"
                        + " backend by an earlier run)");
        assertThat(out.resolve("frame-001.png")).exists();
        Cli.Result worker = running.get(30, TimeUnit.SECONDS);
        // each run's warm-up renders 4 frames; the first run's frames 6; the resumed run's none
        assertThat(worker.out()).as(worker.toString()).contains("stopped after 14 task(s)");
    }

    @Test
    void itsHelpHasExamples() {
        Cli.Result r = Cli.run("demo", "render", "--help");

        assertThat(r.exitCode()).isZero();
        assertThat(r.out()).contains("Usage: amdahl demo render").contains("Examples:").contains("  amdahl demo render");
    }
}
