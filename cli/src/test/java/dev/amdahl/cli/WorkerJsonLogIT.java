package dev.amdahl.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.amdahl.Amdahl;
import dev.amdahl.testkit.Await;
import dev.amdahl.testkit.ChildJvm;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 13, item 4: {@code amdahl worker --log-format json} in a JVM of its own against the real Redis; every line of
 * its stderr is one JSON object, and the task's line carries its id.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class WorkerJsonLogIT {

    private final String broker = "redis://127.0.0.1:6379/0?prefix=cli-jsonlog-" + UUID.randomUUID() + "&result-ttl=60s";

    @Test
    void everyStderrLineIsAJsonObjectAndTheTaskLineHasItsId(@TempDir Path dir) throws Exception {
        Path stdout = dir.resolve("out.log");
        Path stderr = dir.resolve("err.log");
        Process p = ChildJvm.command(Main.class, "worker", "--broker", broker, "--concurrency", "1", "--log-format", "json")
                .redirectOutput(stdout.toFile()).redirectError(stderr.toFile()).start();
        String id;
        try (Amdahl client = Amdahl.builder().broker(broker).build()) {
            Await.until(Duration.ofSeconds(60), "the worker to start", () -> read(stdout).contains("stop with Ctrl-C"));
            var pi = client.task("montecarlo.pi", JsonNode.class, JsonNode.class);
            var future = pi.submit(new ObjectMapper().readTree("{\"seed\": 3, \"samples\": 1000}"));
            id = future.id();
            assertThat(future.result(Duration.ofSeconds(30)).asLong()).isPositive();
            Await.until(Duration.ofSeconds(30), "the task's line", () -> read(stderr).contains(id));
        } finally {
            p.destroy();
            assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        }

        List<JsonNode> lines = new ArrayList<>();
        for (String line : read(stderr).split("\n")) {
            lines.add(new ObjectMapper().readTree(line));
        }
        assertThat(lines).allSatisfy(l -> assertThat(l.fieldNames()).toIterable()
                .contains("time", "level", "logger", "thread", "message"));
        assertThat(lines).filteredOn(l -> l.path("logger").asText().equals("dev.amdahl.tasks")).singleElement()
                .satisfies(l -> {
                    assertThat(l.get("taskId").asText()).isEqualTo(id);
                    assertThat(l.get("level").asText()).isEqualTo("INFO");
                    assertThat(l.get("message").asText()).startsWith("task montecarlo.pi [" + id + "] from amdahl succeeded in ");
                });
    }

    private static String read(Path file) {
        try {
            return Files.exists(file) ? Files.readString(file) : "";
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
