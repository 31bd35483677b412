package dev.amdahl.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.amdahl.spi.WorkerHeartbeat;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Issue 13, item 2: a queue's processed rate in {@code amdahl status} is the sum of its workers' heartbeat windows. */
@Timeout(value = 10, unit = TimeUnit.SECONDS)
class StatusRatesTest {

    private static WorkerHeartbeat worker(String name, List<String> queues, Map<String, Long> inWindow, Duration window) {
        Instant now = Instant.parse("2026-12-01T12:00:00Z");
        return new WorkerHeartbeat(name, "h", 1, "threads", 2, queues, List.of(), List.of(), List.of(), 0, 100, 0, 0.5,
                now.minusSeconds(600), now, Duration.ofSeconds(2), List.of(), inWindow, window);
    }

    @Test
    void theRatesOfTheWorkersConsumingAQueueAddUp() {
        List<WorkerHeartbeat> workers = List.of(
                worker("a", List.of("amdahl", "tiles"), Map.of("amdahl", 600L, "tiles", 60L), Duration.ofMinutes(1)),
                worker("b", List.of("amdahl"), Map.of("amdahl", 150L), Duration.ofSeconds(30)));

        assertThat(StatusCommand.processedRate("amdahl", workers)).isEqualTo(", processed 15.0/s over the last 1m by 2 worker(s)");
        assertThat(StatusCommand.processedRate("tiles", workers)).isEqualTo(", processed 1.0/s over the last 1m by 1 worker(s)");
        assertThat(StatusCommand.processedRate("reports", workers)).isEqualTo(", no worker consumes it");
    }

    @Test
    void aHeartbeatWithoutAWindowGivesNoRate() {
        WorkerHeartbeat older = worker("old", List.of("amdahl"), null, null);

        assertThat(older.rate("amdahl")).isZero();
        assertThat(StatusCommand.processedRate("amdahl", List.of(older))).isEqualTo(", processed rate not known yet");
        assertThat(WorkerHeartbeat.fromBytes(older.toBytes())).isEqualTo(older);
    }

    @Test
    void aHeartbeatOfAnOlderWorkerWithoutTheRateFieldsStillDecodes() {
        String json = "{\"name\":\"w\",\"host\":\"h\",\"pid\":1,\"pool\":\"threads\",\"concurrency\":1,\"queues\":[\"amdahl\"],"
                + "\"held\":0,\"processed\":3,\"failed\":0,\"loadAverage\":0.1,\"startedAt\":\"2026-12-01T12:00:00Z\","
                + "\"sentAt\":\"2026-12-01T12:01:00Z\",\"interval\":\"PT2S\"}";

        WorkerHeartbeat h = WorkerHeartbeat.fromBytes(json.getBytes(java.nio.charset.StandardCharsets.UTF_8));

        assertThat(h.processedInWindow()).isEmpty();
        assertThat(h.window()).isNull();
    }
}
