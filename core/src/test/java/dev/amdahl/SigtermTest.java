package dev.amdahl;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** SIGTERM stops a worker gracefully: the running task finishes and is stored before the JVM exits. */
class SigtermTest {

    /** The worker process: one task that signals it started, then waits for the test's go-ahead. */
    public static final class WorkerMain {
        public static void main(String[] args) throws Exception {
            Path dir = Path.of(args[0]);
            Amdahl app = Amdahl.builder().build();
            Task<String, String> slow = app.task("slow", String.class, String.class, s -> {
                Files.writeString(dir.resolve("started"), s);
                while (!Files.exists(dir.resolve("go"))) {
                    Thread.sleep(10);
                }
                return s.toUpperCase();
            });
            Worker worker = app.startWorker(WorkerOptions.builder().concurrency(1).shutdownGrace(Duration.ofSeconds(30)).build());
            slow.submit("finished").thenAccept(r -> write(dir.resolve("result"), r));
            worker.awaitTermination(Duration.ofMinutes(2));
        }

        private static void write(Path p, String s) {
            try {
                Files.writeString(p, s);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }
    }

    @Test
    void sigtermLetsTheRunningTaskFinishAndStoreItsResult(@TempDir Path dir) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process worker = new ProcessBuilder(List.of(java, "-cp", System.getProperty("java.class.path"),
                "-Dorg.slf4j.simpleLogger.defaultLogLevel=info", WorkerMain.class.getName(), dir.toString()))
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve("log").toFile())
                .start();
        try {
            awaitFile(dir.resolve("started"), worker);

            worker.destroy(); // SIGTERM
            Files.writeString(dir.resolve("go"), "");

            assertThat(worker.waitFor(60, TimeUnit.SECONDS)).isTrue();
            String log = Files.readString(dir.resolve("log"));
            assertThat(Files.readString(dir.resolve("result"))).as(log).isEqualTo("FINISHED");
            assertThat(log).contains("shutting down", "stopped after 1 task(s)");
            assertThat(worker.exitValue()).isEqualTo(143);
        } finally {
            worker.destroyForcibly();
        }
    }

    private static void awaitFile(Path file, Process p) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!Files.exists(file)) {
            assertThat(p.isAlive()).as("worker process died early").isTrue();
            assertThat(System.nanoTime()).as("waiting for %s", file).isLessThan(deadline);
            TimeUnit.MILLISECONDS.sleep(20);
        }
    }
}
