package dev.amdahl.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.amdahl.Amdahl;
import dev.amdahl.examples.MonteCarloPiTasks;
import dev.amdahl.examples.PiChunk;
import dev.amdahl.testkit.Await;
import io.lettuce.core.RedisClient;
import io.lettuce.core.ScanArgs;
import io.lettuce.core.ScanIterator;
import io.lettuce.core.api.StatefulRedisConnection;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The container's entry point (deploy/docker/entrypoint.sh) run by bash against the built jar and the real Redis, as
 * the image runs it: configured from the environment alone, healthy by its own health check, stopped by SIGTERM with
 * exit 0, ended by itself when idle. No image is built: none can be pulled here. The launcher is the repository's
 * {@code amdahl} script, which the image copies as it is.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class ContainerEntrypointIT {

    private static final Duration START = Duration.ofSeconds(90);

    private final String prefix = "cli-entrypoint-" + UUID.randomUUID();
    private final String broker = "redis://127.0.0.1:6379/0?prefix=" + prefix + "&result-ttl=60s";

    @AfterEach
    void deleteTheKeys() {
        RedisClient client = RedisClient.create("redis://127.0.0.1:6379/0");
        try (StatefulRedisConnection<String, String> c = client.connect()) {
            List<String> keys = new ArrayList<>();
            ScanIterator.scan(c.sync(), ScanArgs.Builder.matches(prefix + ":*").limit(1000)).forEachRemaining(keys::add);
            if (!keys.isEmpty()) {
                c.sync().del(keys.toArray(String[]::new));
            }
        } finally {
            client.shutdown();
        }
    }

    @Test
    void aWorkerConfiguredByTheEnvironmentRunsTasksReportsHealthyAndExitsZeroOnSigterm(@TempDir Path dir) throws Exception {
        int port = freePort();
        Path log = dir.resolve("worker.log");
        Map<String, String> env = Map.of("AMDAHL_BROKER", broker, "AMDAHL_CONCURRENCY", "2",
                "AMDAHL_METRICS_PORT", String.valueOf(port), "AMDAHL_METRICS_BIND", "127.0.0.1",
                "AMDAHL_SHUTDOWN_GRACE", "20s");

        assertThat(health(env)).as("no worker yet: unhealthy").isNotZero();
        Process worker = entrypoint(env, log);
        try {
            Await.until(START, "the health check to pass", () -> {
                assertThat(worker.isAlive()).as("the worker is alive; its log:%n%s", read(log)).isTrue();
                return health(env) == 0;
            });
            Await.until(START, "the worker to say it runs", () -> read(log).contains("stop with Ctrl-C or SIGTERM"));
            assertThat(read(log)).as("flags and environment both reached the worker")
                    .contains("consuming [amdahl] on redis://127.0.0.1:6379/0?prefix=" + prefix)
                    .contains("2 at once on threads")
                    .contains("metrics at http://127.0.0.1:" + port + "/metrics");

            try (Amdahl client = Amdahl.builder().broker(broker).build()) {
                long hits = MonteCarloPiTasks.pi(client).submit(new PiChunk(7, 10_000)).result(Duration.ofSeconds(60));
                assertThat(hits).isBetween(7_000L, 8_500L);
            }
            assertTheStreamsTheScaledObjectReadsExist();

            worker.destroy(); // SIGTERM, as docker stop and the kubelet send it

            assertThat(worker.waitFor(60, TimeUnit.SECONDS)).isTrue();
            assertThat(worker.exitValue()).as("exit code; the log:%n%s", read(log)).isZero();
            assertThat(read(log)).contains("stopped after 1 task(s)");
        } finally {
            worker.destroyForcibly();
        }
    }

    @Test
    void aWorkerGivenExitWhenIdleEndsByItselfWithZero(@TempDir Path dir) throws Exception {
        Path log = dir.resolve("worker.log");
        Process worker = entrypoint(Map.of("AMDAHL_BROKER", broker, "AMDAHL_EXIT_WHEN_IDLE", "2s",
                "AMDAHL_METRICS_PORT", "off"), log);
        try {
            assertThat(worker.waitFor(120, TimeUnit.SECONDS)).as("the worker ended; its log:%n%s", read(log)).isTrue();
            assertThat(worker.exitValue()).as("exit code; the log:%n%s", read(log)).isZero();
            assertThat(read(log)).doesNotContain("metrics at");
        } finally {
            worker.destroyForcibly();
        }
    }

    @Test
    void otherCommandsPassThroughAndTheHealthCheckIsOffWithoutMetrics(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("out.log");
        ProcessBuilder status = new ProcessBuilder("bash", script().toString(), "scale", "--replica-ceiling", "--serial-fraction", "0.05")
                .redirectErrorStream(false).redirectOutput(out.toFile()).redirectError(ProcessBuilder.Redirect.DISCARD);
        status.environment().putAll(baseEnv(Map.of()));
        Process p = status.start();
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).isZero();
        assertThat(read(out).strip()).isEqualTo("6");

        assertThat(health(Map.of("AMDAHL_METRICS_PORT", "off"))).isZero();
    }

    @Test
    void theDashboardListensOnEveryAddressWithTheTokenFromTheEnvironment(@TempDir Path dir) throws Exception {
        int port = freePort();
        String token = UUID.randomUUID().toString().replace("-", "");
        Path log = dir.resolve("dashboard.log");
        // as compose.yaml and dashboard.yaml run it: all addresses, the token from the environment
        Process dashboard = entrypoint(Map.of("AMDAHL_BROKER", broker, "AMDAHL_DASHBOARD_BIND", "0.0.0.0:" + port,
                "AMDAHL_DASHBOARD_TOKEN", token), log, "dashboard");
        try {
            Await.until(START, "the dashboard to say where it is", () -> {
                assertThat(dashboard.isAlive()).as("the dashboard is alive; its log:%n%s", read(log)).isTrue();
                return read(log).contains("(token required)");
            });
            assertThat(read(log)).contains("dashboard of redis://127.0.0.1:6379/0?prefix=" + prefix).contains(":" + port + "/");
            java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
            java.net.URI overview = java.net.URI.create("http://127.0.0.1:" + port + "/api/overview");
            java.net.http.HttpResponse<String> without = http.send(java.net.http.HttpRequest.newBuilder(overview).build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString());
            java.net.http.HttpResponse<String> with = http.send(java.net.http.HttpRequest.newBuilder(overview)
                    .header("Authorization", "Bearer " + token).build(), java.net.http.HttpResponse.BodyHandlers.ofString());
            assertThat(without.statusCode()).isEqualTo(401);
            assertThat(with.statusCode()).as(with.body()).isEqualTo(200);

            dashboard.destroy();

            assertThat(dashboard.waitFor(60, TimeUnit.SECONDS)).isTrue();
            assertThat(read(log)).doesNotContain(token);
        } finally {
            dashboard.destroyForcibly();
        }
    }

    /** The streams and group deploy/kubernetes/keda/redis-streams.yaml names, for this test's prefix. */
    private void assertTheStreamsTheScaledObjectReadsExist() {
        RedisClient client = RedisClient.create("redis://127.0.0.1:6379/0");
        try (StatefulRedisConnection<String, String> c = client.connect()) {
            for (int level = 0; level < 3; level++) {
                String stream = prefix + ":q:amdahl:" + level;
                assertThat(c.sync().type(stream)).as(stream).isEqualTo("stream");
                assertThat(c.sync().xinfoGroups(stream).toString()).as("the groups of " + stream).contains("workers");
                // what the ScaledObject counts: the length is the backlog only because acknowledged entries go
                // (the ack follows the stored result, so the client may hear of it first)
                Await.until(Duration.ofSeconds(30), "XLEN of " + stream + " to be 0 once its one task was acknowledged",
                        () -> c.sync().xlen(stream) == 0);
            }
        } finally {
            client.shutdown();
        }
    }

    private static Path script() {
        return DeployFiles.root().resolve("deploy/docker/entrypoint.sh");
    }

    /** The environment a container would have: none of this machine's AMDAHL_* variables, the launcher from the build. */
    private static Map<String, String> baseEnv(Map<String, String> env) {
        Map<String, String> all = new java.util.HashMap<>(System.getenv());
        all.keySet().removeIf(k -> k.startsWith("AMDAHL_") || k.equals("JAVA_OPTS"));
        all.put("AMDAHL_LAUNCHER", DeployFiles.root().resolve("amdahl").toString());
        all.put("AMDAHL_OPTS", "-Xmx256m -XX:TieredStopAtLevel=1");
        all.putAll(env);
        return all;
    }

    private static Process entrypoint(Map<String, String> env, Path log, String... args) throws IOException {
        assertThat(DeployFiles.root().resolve("cli/target/amdahl.jar")).as("the jar the launcher runs").isRegularFile();
        List<String> command = new ArrayList<>(List.of("bash", script().toString()));
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().clear();
        pb.environment().putAll(baseEnv(env));
        // the working directory holds no amdahl.properties: the environment alone configures the worker
        pb.directory(log.getParent().toFile());
        return pb.start();
    }

    private static int health(Map<String, String> env) {
        try {
            return healthOrThrow(env);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static int healthOrThrow(Map<String, String> env) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder("bash", script().toString(), "health")
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD);
        pb.environment().clear();
        pb.environment().putAll(baseEnv(env));
        Process p = pb.start();
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).as("the health check ends").isTrue();
        return p.exitValue();
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
