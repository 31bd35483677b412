package dev.amdahl.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.amdahl.Amdahl;
import dev.amdahl.TaskFuture;
import dev.amdahl.testkit.Await;
import dev.amdahl.testkit.ChildJvm;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 13, item 10: {@code amdahl worker} stopped by SIGTERM (as systemd, Kubernetes and {@code kill} stop it) exits
 * 0 when it stopped cleanly, idle or busy: a supervisor reads 143 as a crash. A child JVM of {@link Main} against the
 * real Redis, since only a JVM of its own receives the signal.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class WorkerSigtermIT {

    private static final Duration START = Duration.ofSeconds(60);

    private final String broker = "redis://127.0.0.1:6379/0?prefix=cli-sigterm-" + UUID.randomUUID() + "&result-ttl=60s";

    private static Process worker(Path log, String broker, String... more) throws Exception {
        java.util.List<String> args = new java.util.ArrayList<>(java.util.List.of("worker", "--broker", broker, "--concurrency", "1",
                "--shutdown-grace", "30s"));
        args.addAll(java.util.List.of(more));
        Process p = ChildJvm.command(Main.class, args.toArray(String[]::new))
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        Await.until(START, "the worker to say it runs", () -> {
            assertThat(p.isAlive()).as("the worker is alive; its log:%n%s", read(log)).isTrue();
            return read(log).contains("stop with Ctrl-C or SIGTERM");
        });
        return p;
    }

    private static String read(Path log) {
        try {
            return Files.readString(log);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void anIdleWorkerExitsZeroOnSigterm(@TempDir Path dir) throws Exception {
        Path log = dir.resolve("worker.log");
        Process p = worker(log, broker);

        p.destroy(); // SIGTERM

        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as("exit code; the log:%n%s", Files.readString(log)).isZero();
        assertThat(Files.readString(log)).contains("stopped after 0 task(s)");
    }

    /** {@code test.busy}: marks the file its argument names when it starts, then works for two seconds. */
    public static final class BusyTasks implements dev.amdahl.TaskCatalog {
        @Override
        public void register(Amdahl app) {
            app.task("test.busy", String.class, String.class, marker -> {
                Files.writeString(Path.of(marker), "started");
                Thread.sleep(2_000); // the work: long enough that the signal comes while it runs
                return "done";
            });
        }
    }

    @Test
    void aBusyWorkerExitsZeroOnSigtermAfterItsTaskFinished(@TempDir Path dir) throws Exception {
        Path log = dir.resolve("worker.log");
        Path marker = dir.resolve("started");
        Process p = worker(log, broker, "--include", BusyTasks.class.getName());
        try (Amdahl client = Amdahl.builder().broker(broker).build()) {
            TaskFuture<String> running = client.task("test.busy", String.class, String.class).submit(marker.toString());
            Await.until(START, "the task to start", () -> Files.exists(marker));

            p.destroy(); // SIGTERM

            assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
            assertThat(p.exitValue()).as("exit code; the log:%n%s", read(log)).isZero();
            assertThat(running.result(Duration.ofSeconds(30))).as("it finished its task first").isEqualTo("done");
        }
    }
}
