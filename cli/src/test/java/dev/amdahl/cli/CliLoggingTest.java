package dev.amdahl.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/** Issue 13, item 4: {@code --log-format json} writes one JSON object per line; text keeps library noise at warn. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class CliLoggingTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    @AfterEach
    void backToTheDefault() {
        CliLogging.configure("warn", CliLogging.Format.TEXT);
        MDC.clear();
    }

    private List<JsonNode> jsonLines() throws Exception {
        List<JsonNode> lines = new ArrayList<>();
        for (String line : out.toString(StandardCharsets.UTF_8).split("\n")) {
            lines.add(JSON.readTree(line)); // each line parses alone: one object per line
        }
        return lines;
    }

    @Test
    void eachEventIsOneJsonObjectWithTheTaskIdFromTheMdc() throws Exception {
        CliLogging.configure("info", CliLogging.Format.JSON, out);
        Logger log = LoggerFactory.getLogger("dev.amdahl.tasks");
        Instant before = Instant.now().minusSeconds(1);

        MDC.put("taskId", "id-42");
        MDC.put("task", "montecarlo.pi");
        log.info("task {} succeeded\nin two lines", "montecarlo.pi");
        MDC.clear();
        log.warn("failed at redis://:s3cret@10.0.0.5:6379", new IllegalStateException("boom at redis://:s3cret@10.0.0.5:6379"));
        log.debug("not at info");

        List<JsonNode> lines = jsonLines();
        assertThat(lines).hasSize(2);
        JsonNode task = lines.get(0);
        assertThat(task.get("level").asText()).isEqualTo("INFO");
        assertThat(task.get("logger").asText()).isEqualTo("dev.amdahl.tasks");
        assertThat(task.get("thread").asText()).isEqualTo(Thread.currentThread().getName());
        assertThat(task.get("message").asText()).isEqualTo("task montecarlo.pi succeeded\nin two lines");
        assertThat(task.get("taskId").asText()).isEqualTo("id-42");
        assertThat(task.get("task").asText()).isEqualTo("montecarlo.pi");
        assertThat(Instant.parse(task.get("time").asText())).isAfter(before).isBefore(Instant.now().plusSeconds(1));
        assertThat(task.has("exception")).isFalse();

        JsonNode failure = lines.get(1);
        assertThat(failure.get("level").asText()).isEqualTo("WARN");
        assertThat(failure.has("taskId")).as("the MDC was cleared").isFalse();
        assertThat(failure.get("exception").asText()).contains("java.lang.IllegalStateException: boom", "\tat ");
        assertThat(out.toString(StandardCharsets.UTF_8)).as("passwords never in logs").doesNotContain("s3cret");
    }

    @Test
    void librariesStayAtWarnUnlessDebugIsAsked() throws Exception {
        CliLogging.configure("info", CliLogging.Format.JSON, out);
        LoggerFactory.getLogger("io.lettuce.core.RedisClient").info("library chatter");
        LoggerFactory.getLogger("io.netty.util.NetUtil").warn("library warning");
        LoggerFactory.getLogger("dev.amdahl.tasks").info("ours");

        assertThat(jsonLines()).extracting(n -> n.get("message").asText()).containsExactly("library warning", "ours");

        out.reset();
        CliLogging.configure("debug", CliLogging.Format.JSON, out);
        LoggerFactory.getLogger("io.lettuce.core.RedisClient").debug("library detail");

        assertThat(jsonLines()).extracting(n -> n.get("message").asText()).containsExactly("library detail");
    }

    @Test
    void textLinesShowTheTaskIdWhileATaskRuns() {
        CliLogging.configure("info", CliLogging.Format.TEXT, out);
        Logger log = LoggerFactory.getLogger("dev.amdahl.internal.worker.WorkerRuntime");

        log.info("outside");
        MDC.put("taskId", "id-7");
        log.info("inside");

        assertThat(out.toString(StandardCharsets.UTF_8).lines().toList()).satisfiesExactly(
                line -> assertThat(line).matches("\\d\\d:\\d\\d:\\d\\d\\.\\d{3} INFO WorkerRuntime - outside"),
                line -> assertThat(line).matches("\\d\\d:\\d\\d:\\d\\d\\.\\d{3} INFO WorkerRuntime \\[id-7] - inside"));
    }

    @Test
    void anUnknownFormatIsAUsageError() {
        Cli.Result r = Cli.run("--log-format", "xml", "law", "-p", "0.9");

        assertThat(r.exitCode()).as(r.toString()).isEqualTo(2);
        assertThat(r.err()).contains("--log-format xml: not a format; choose text (for people) or json");
    }
}
