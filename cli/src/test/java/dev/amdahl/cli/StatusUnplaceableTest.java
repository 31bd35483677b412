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

/** Issue 20: {@code amdahl status} shows each derived queue no live worker can serve, once, with when its tasks fail. */
@Timeout(value = 10, unit = TimeUnit.SECONDS)
class StatusUnplaceableTest {

    private static final Instant NOW = Instant.parse("2026-12-01T12:00:00Z");

    private static WorkerHeartbeat worker(String name, List<WorkerHeartbeat.Unplaceable> unplaceable) {
        return new WorkerHeartbeat(name, "h", 1, "threads", 2, List.of("tiles"), List.of(), List.of(), List.of(), 0, 0, 0, 0.5,
                NOW.minusSeconds(600), NOW, Duration.ofSeconds(2), List.of(), Map.of(), Duration.ofMinutes(1),
                Map.of("gpu", "0", "cores", "8"), unplaceable);
    }

    @Test
    void eachUnplaceableQueueIsListedOnceFromTheWorkerThatSawItFirst() {
        WorkerHeartbeat.Unplaceable early = new WorkerHeartbeat.Unplaceable("tiles@gpu=1", 3, List.of("gpu=1 (offers gpu=0)"),
                NOW.minusSeconds(50), NOW.plusSeconds(250));
        WorkerHeartbeat.Unplaceable late = new WorkerHeartbeat.Unplaceable("tiles@gpu=1", 3, List.of("gpu=1 (offers gpu=0)"),
                NOW.minusSeconds(10), NOW.plusSeconds(290));
        WorkerHeartbeat.Unplaceable due = new WorkerHeartbeat.Unplaceable("tiles@zone=mars", 1, List.of("zone=mars (offers none)"),
                NOW.minusSeconds(400), NOW.minusSeconds(100));

        assertThat(StatusCommand.unplaceable(List.of(worker("a", List.of(late)), worker("b", List.of(early, due))), NOW))
                .containsExactly("unplaceable: tiles@gpu=1, 3 ready, no live worker offers gpu=1 (offers gpu=0); fails in 4m 10s",
                        "unplaceable: tiles@zone=mars, 1 ready, no live worker offers zone=mars (offers none); failing now");
    }

    @Test
    void aHeartbeatCarriesWhatItsWorkerOffers() {
        WorkerHeartbeat h = worker("a", List.of());
        assertThat(WorkerHeartbeat.fromBytes(h.toBytes()).resources()).containsEntry("gpu", "0").containsEntry("cores", "8");
    }
}
