package dev.amdahl.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.amdahl.Amdahl;
import dev.amdahl.TaskState;
import dev.amdahl.WorkerOptions;
import dev.amdahl.examples.MonteCarloPi;
import dev.amdahl.examples.PiChunk;
import java.nio.file.Path;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * The command line against the real Redis on 127.0.0.1:6379: a worker started with {@code amdahl worker}
 * serves {@code amdahl submit} and the tiles of {@code amdahl demo mandelbrot --broker}, as two terminals would.
 */
class RedisCommandsIT {

    private final String prefix = "cli-it-" + UUID.randomUUID();
    // results expire within a minute, so a run leaves nothing lasting in the shared Redis
    private final String broker = "redis://127.0.0.1:6379/0?prefix=" + prefix + "&result-ttl=60s";

    @AfterEach
    void emptyTheQueue() {
        try (Amdahl app = Amdahl.builder().broker(broker).build()) {
            app.broker().purge(WorkerOptions.DEFAULT_QUEUE);
        }
    }

    @Test
    void aWorkerServesSubmitAndTheDemoThroughRedis(@TempDir Path dir) throws Exception {
        CommandLine workerLine = new CommandLine(new AmdahlCommand());
        WorkerCommand command = workerLine.getSubcommands().get("worker").getCommand();
        CompletableFuture<Cli.Result> worker = CompletableFuture.supplyAsync(
                () -> Cli.run(workerLine, "worker", "--broker", broker, "--concurrency", "2"));
        Cli.Result submitted;
        Cli.Result demo;
        Path png = dir.resolve("m.png");
        try {
            command.started.get(30, TimeUnit.SECONDS);
            submitted = Cli.run("submit", "--broker", broker, "montecarlo.pi", "{\"seed\": 7, \"samples\": 1000}", "--wait", "30s");
            demo = Cli.run("demo", "mandelbrot", "--broker", broker, "--size", "160x120", "--tiles", "4", "--out", png.toString());
        } finally {
            command.started.get(30, TimeUnit.SECONDS).close();
        }
        Cli.Result stopped = worker.get(60, TimeUnit.SECONDS);

        assertThat(submitted.exitCode()).as(submitted.toString()).isZero();
        assertThat(submitted.out()).endsWith(MonteCarloPi.countHits(new PiChunk(7, 1000)) + System.lineSeparator());
        assertThat(demo.exitCode()).as(demo.toString()).isZero();
        assertThat(demo.out()).contains("elsewhere");
        assertThat(ImageIO.read(png.toFile())).satisfies(image -> {
            assertThat(image.getWidth()).isEqualTo(160);
            assertThat(image.getHeight()).isEqualTo(120);
        });
        assertThat(stopped.exitCode()).as(stopped.toString()).isZero();
        assertThat(stopped.out()).contains("consuming [amdahl] on " + broker).contains("stopped after");
    }

    @Test
    void withBackendTheResultsGoToRedisWhileTheTasksTravelElsewhere() throws Exception {
        String elsewhere = InProcessSharedProvider.SCHEME + "://redis-backend";
        CommandLine workerLine = new CommandLine(new AmdahlCommand());
        WorkerCommand command = workerLine.getSubcommands().get("worker").getCommand();
        CompletableFuture<Cli.Result> worker = CompletableFuture.supplyAsync(
                () -> Cli.run(workerLine, "worker", "--broker", elsewhere, "--backend", broker, "--concurrency", "1"));
        Cli.Result submitted;
        try {
            command.started.get(30, TimeUnit.SECONDS);
            submitted = Cli.run("submit", "--broker", elsewhere, "--backend", broker, "montecarlo.pi",
                    "{\"seed\": 5, \"samples\": 1000}", "--wait", "30s");
        } finally {
            command.started.get(30, TimeUnit.SECONDS).close();
        }
        Cli.Result stopped = worker.get(60, TimeUnit.SECONDS);

        assertThat(submitted.exitCode()).as(submitted.toString()).isZero();
        assertThat(submitted.out()).endsWith(MonteCarloPi.countHits(new PiChunk(5, 1000)) + System.lineSeparator());
        String id = submitted.out().lines().findFirst().orElseThrow();
        try (Amdahl redis = Amdahl.builder().broker(broker).build()) {
            assertThat(redis.resultBackend().get(id)).as("the record in Redis")
                    .hasValueSatisfying(r -> assertThat(r.state()).isEqualTo(TaskState.SUCCESS));
        }
        assertThat(stopped.exitCode()).as(stopped.toString()).isZero();
        assertThat(stopped.out()).contains("consuming [amdahl] on " + elsewhere + ", results in " + broker);
    }
}
