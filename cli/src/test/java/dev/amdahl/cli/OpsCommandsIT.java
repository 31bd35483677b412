package dev.amdahl.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.amdahl.Amdahl;
import dev.amdahl.WorkerOptions;
import dev.amdahl.spi.OutboundMessage;
import dev.amdahl.testkit.Await;
import io.lettuce.core.RedisClient;
import io.lettuce.core.ScanArgs;
import io.lettuce.core.ScanIterator;
import io.lettuce.core.api.StatefulRedisConnection;
import java.io.BufferedReader;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * The operator commands against the real Redis on 127.0.0.1:6379, beside a worker started with {@code amdahl worker}:
 * status, inspect, result, revoke, purge, dead-letters and events; then the keys the run left and their expiries.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class OpsCommandsIT {

    private final String prefix = "ops-it-" + UUID.randomUUID();
    private final String broker = "redis://127.0.0.1:6379/0?prefix=" + prefix + "&result-ttl=60s";

    @Test
    void theOperatorCommandsSeeAWorkerItsTasksAndItsDeadLetters(@TempDir Path dir) throws Exception {
        CommandLine workerLine = new CommandLine(new AmdahlCommand());
        WorkerCommand command = workerLine.getSubcommands().get("worker").getCommand();
        CompletableFuture<Cli.Result> worker = CompletableFuture.supplyAsync(
                () -> Cli.run(workerLine, "worker", "--broker", broker, "--concurrency", "2"));
        Cli.Result stopped;
        try {
            command.started.get(30, TimeUnit.SECONDS);
            Await.until(Duration.ofSeconds(20), "the worker's heartbeat is listed",
                    () -> Cli.run("inspect", "workers", "--broker", broker).out().contains(command.started.join().name()));

            Cli.Result ok = Cli.run("submit", "--broker", broker, "montecarlo.pi", "{\"seed\": 3, \"samples\": 1000}");
            String id = ok.out().strip();
            assertThat(ok.exitCode()).as(ok.toString()).isZero();
            assertThat(ok.err()).contains("amdahl result " + id + " --broker " + broker);

            Cli.Result result = Cli.run("result", id, "--broker", broker, "--wait", "30s");
            assertThat(result.exitCode()).as(result.toString()).isZero();
            assertThat(result.out().strip()).matches("\\d+");

            Cli.Result failed = Cli.run("submit", "--broker", broker, "--wait", "30s", "montecarlo.pi", "{\"seed\": \"x\"}");
            assertThat(failed.exitCode()).as(failed.toString()).isEqualTo(1);
            assertThat(failed.err()).containsOnlyOnce("failed");

            Cli.Result unknown = Cli.run("result", "no-such-task", "--broker", broker);
            assertThat(unknown.out()).contains("PENDING");

            try (Amdahl app = Amdahl.builder().broker(broker).build()) {
                app.broker().publish(WorkerOptions.DEFAULT_QUEUE, OutboundMessage.of("bad-1", "not json".getBytes(StandardCharsets.UTF_8)));
            }
            Await.until(Duration.ofSeconds(20), "the malformed message is a dead letter",
                    () -> Cli.run("dead-letters", "list", "--broker", broker).out().contains("bad-1"));
            Cli.Result show = Cli.run("dead-letters", "show", "bad-1", "--broker", broker);
            assertThat(show.out()).contains("not json").contains("(not an Amdahl message)");

            Cli.Result stats = Cli.run("inspect", "stats", "--broker", broker);
            assertThat(stats.exitCode()).as(stats.toString()).isZero();
            Await.until(Duration.ofSeconds(20), "the counts reach the heartbeat",
                    () -> Cli.run("inspect", "stats", "--broker", broker).out().contains("failed 1"));
            assertThat(Cli.run("inspect", "registered", "--broker", broker).out()).contains("montecarlo.pi").contains("mandelbrot.tile");
            assertThat(Cli.run("inspect", "active", "--broker", broker).exitCode()).isZero();
            assertThat(Cli.run("inspect", "scheduled", "--broker", broker).out()).contains("no scheduler");

            Cli.Result status = Cli.run("status", "--broker", broker, "--sample", "500ms");
            assertThat(status.out()).contains("workers: 1").contains(command.started.join().name())
                    .containsPattern("amdahl +0 ready, 1 dead letter\\(s\\), depth 0 in 500ms \\(0\\.0/s\\), processed \\d+\\.\\d/s"
                            + " over the last \\d+s by 1 worker\\(s\\)");
            // issue 13, item 2: the rate is what the worker's heartbeat says it finished from the queue lately
            Await.until(Duration.ofSeconds(20), "a processed rate above zero in the status",
                    () -> Cli.run("status", "--broker", broker, "--sample", "0").out()
                            .matches("(?s).*amdahl +0 ready, 1 dead letter\\(s\\), processed (?!0\\.0/s)\\d+\\.\\d/s over the last.*"));

            CompletableFuture<Cli.Result> events = CompletableFuture.supplyAsync(
                    () -> Cli.run("events", "--broker", broker, "--for", "6s"));
            Thread.sleep(1_500); // the tail's first look, which reports only what happens after it
            Cli.run("submit", "--broker", broker, "montecarlo.pi", "{\"seed\": 4, \"samples\": 1000}");
            Cli.Result tail = events.get(30, TimeUnit.SECONDS);
            assertThat(tail.out()).contains("task-succeeded").contains("montecarlo.pi");

            Cli.Result requeued = Cli.run("dead-letters", "requeue", "bad-1", "--broker", broker);
            assertThat(requeued.out()).contains("requeued bad-1");
            // malformed still: the worker dead-letters it again
            Await.until(Duration.ofSeconds(20), "it is a dead letter again",
                    () -> Cli.run("dead-letters", "list", "--broker", broker).out().contains("bad-1"));
            Cli.Result dropped = Cli.run("dead-letters", "drop", "bad-1", "--broker", broker);
            assertThat(dropped.out()).contains("dropped bad-1");
            assertThat(Cli.run("dead-letters", "list", "--broker", broker).out()).contains("no dead letters");
            assertThat(Cli.run("dead-letters", "drop", "bad-1", "--broker", broker).exitCode()).isEqualTo(1);

            Cli.Result revoked = Cli.run("revoke", "later-1", "--broker", broker);
            assertThat(revoked.out()).contains("revoked later-1");
            assertThat(Cli.run("result", "later-1", "--broker", broker).err()).contains("was revoked");

            try (Amdahl app = Amdahl.builder().broker(broker).build()) {
                app.broker().publish("idle", OutboundMessage.of("w-1", "{}".getBytes(StandardCharsets.UTF_8)));
            }
            CommandLine purgeLine = new CommandLine(new AmdahlCommand());
            ((PurgeCommand) purgeLine.getSubcommands().get("purge").getCommand()).answers = new BufferedReader(new StringReader("n\n"));
            Cli.Result refused = Cli.run(purgeLine, "purge", "idle", "--broker", broker);
            assertThat(refused.out()).contains("remove the 1 message(s)").contains("nothing removed");
            Cli.Result purged = Cli.run("purge", "idle", "--broker", broker, "--yes");
            assertThat(purged.out()).contains("removed 1 message(s)");
        } finally {
            command.started.get(30, TimeUnit.SECONDS).close();
        }
        stopped = worker.get(60, TimeUnit.SECONDS);
        assertThat(stopped.exitCode()).as(stopped.toString()).isZero();
        assertThat(Cli.run("inspect", "workers", "--broker", broker).out()).as("removed on a clean stop").contains("no live worker");

        assertEveryKeyExpiresOrHasAnOwner();
    }

    /**
     * The keys a run leaves under its prefix: each expires, or is one the README names an owner for (a queue's
     * streams, emptied by its consumers and deleted by purge; its dead letters, which an operator drops).
     */
    private void assertEveryKeyExpiresOrHasAnOwner() {
        RedisClient client = RedisClient.create("redis://127.0.0.1:6379/0");
        try (StatefulRedisConnection<String, String> c = client.connect()) {
            List<String> keys = new ArrayList<>();
            ScanIterator.scan(c.sync(), ScanArgs.Builder.matches(prefix + ":*").limit(1000)).forEachRemaining(keys::add);
            assertThat(keys).isNotEmpty();
            List<String> unowned = new ArrayList<>();
            for (String key : keys) {
                long ttl = c.sync().pttl(key);
                boolean owned = key.matches(java.util.regex.Pattern.quote(prefix) + ":q:[^:]+:(\\d+|dead|delayed)");
                if (ttl < 0 && !owned) {
                    unowned.add(key + " (pttl " + ttl + ")");
                }
            }
            assertThat(unowned).as("keys without an expiry nor an owner, of " + keys).isEmpty();
            c.sync().del(keys.toArray(String[]::new));
        } finally {
            client.shutdown();
        }
    }
}
