package dev.amdahl.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.amdahl.Amdahl;
import dev.amdahl.WorkerOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code amdahl demo render} against the real Redis on 127.0.0.1:6379, served by {@code amdahl worker}: a render whose
 * client lost frames it had not written yet (as a killed one does) takes them from Redis when started again, through
 * the frames' idempotency keys, and renders nothing twice.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class DemoRenderRedisIT {

    private final String prefix = "render-it-" + UUID.randomUUID();
    // results expire within a minute and the idempotency keys within their hour, so nothing lasts in the shared Redis
    private final String broker = "redis://127.0.0.1:6379/0?prefix=" + prefix + "&result-ttl=60s";

    @AfterEach
    void emptyTheQueue() {
        try (Amdahl app = Amdahl.builder().broker(broker).build()) {
            app.broker().purge(WorkerOptions.DEFAULT_QUEUE);
        }
    }

    @Test
    void aRenderStartedAgainTakesTheFramesRedisHoldsInsteadOfRenderingThem(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("frames");
        String[] render = {"demo", "render", "--broker", broker, "-o", out.toString(), "--size", "48x27", "--frames", "6",
            "--samples", "1"};
        CommandLine workerLine = new CommandLine(new AmdahlCommand());
        WorkerCommand command = workerLine.getSubcommands().get("worker").getCommand();
        CompletableFuture<Cli.Result> worker = CompletableFuture.supplyAsync(
                () -> Cli.run(workerLine, "worker", "--broker", broker, "--concurrency", "2"));
        Cli.Result first;
        Cli.Result resumed;
        try {
            command.started.get(30, TimeUnit.SECONDS);
            first = Cli.run(render);
            Files.delete(out.resolve("frame-000.png"));
            Files.delete(out.resolve("frame-003.png"));
            Files.delete(out.resolve("frame-005.png"));
            resumed = Cli.run(render);
        } finally {
            command.started.get(30, TimeUnit.SECONDS).close();
        }
        Cli.Result stopped = worker.get(60, TimeUnit.SECONDS);

        assertThat(first.exitCode()).as(first.toString()).isZero();
        assertThat(first.out()).contains("rendered 6 of 6 frames");
        assertThat(resumed.exitCode()).as(resumed.toString()).isZero();
        assertThat(resumed.out()).contains("resuming the render in " + out + ": 3 of 6 frames are there already, 3 to go")
                .contains("rendered 0 of 6 frames into " + out + ", skipped 6 (3 already on disk, 3 stored in the result"
                        + " backend by an earlier run)")
                .contains("wrote " + out.resolve("render.gif"));
        assertThat(out.resolve("frame-003.png")).exists();
        // two warm-ups of 4 frames and the first run's 6: the resumed run rendered none
        assertThat(stopped.out()).as(stopped.toString()).contains("stopped after 14 task(s)");
    }
}
