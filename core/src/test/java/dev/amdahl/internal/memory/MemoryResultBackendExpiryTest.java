package dev.amdahl.internal.memory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.amdahl.TaskState;
import dev.amdahl.spi.TaskRecord;
import dev.amdahl.testkit.MutableClock;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** The embedded backend forgets records and counters {@code resultTtl} after their last write, so its heap stays bounded. */
class MemoryResultBackendExpiryTest {

    private final MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
    private final MemoryResultBackend backend = new MemoryResultBackend(clock, Duration.ofMinutes(10));

    private static TaskRecord success(String id) {
        return new TaskRecord(id, "t", TaskState.SUCCESS, "1", null, 0, "w", Instant.EPOCH, null, 0);
    }

    @Test
    void aRecordIsGoneAfterItsTimeToLiveAndItsMemoryWithIt() {
        for (int i = 0; i < 1_000; i++) {
            backend.store(success("old-" + i));
        }
        clock.advance(Duration.ofMinutes(9));
        assertTrue(backend.get("old-0").isPresent(), "kept within its time to live");
        clock.advance(Duration.ofMinutes(2));
        assertFalse(backend.get("old-0").isPresent(), "expired records read as absent");
        backend.store(success("new"));   // a write sweeps what has expired
        assertEquals(1, backend.size(), "the expired records' memory is released");
        assertTrue(backend.get("new").isPresent());
    }

    @Test
    void aRecordWrittenAgainLivesFromItsLastWrite() {
        backend.store(TaskRecord.pending("a", "t"));
        clock.advance(Duration.ofMinutes(8));
        backend.store(success("a"));
        clock.advance(Duration.ofMinutes(8));
        backend.store(success("b"));     // sweeps the first write of "a", which is stale
        assertTrue(backend.get("a").isPresent());
        assertEquals(TaskState.SUCCESS, backend.get("a").orElseThrow().state());
    }

    @Test
    void aCounterLivesFromItsLastIncrementThenStartsAgain() {
        assertEquals(1, backend.increment("chord:c", 1));
        clock.advance(Duration.ofMinutes(8));
        assertEquals(2, backend.increment("chord:c", 1));
        clock.advance(Duration.ofMinutes(8));
        backend.increment("other", 1);   // sweeps the stale first write of chord:c
        assertEquals(3, backend.increment("chord:c", 1), "kept: incremented within its time to live");
        clock.advance(Duration.ofMinutes(11));
        backend.increment("other2", 1);
        assertEquals(1, backend.size(), "only the newest counter is left");
        assertEquals(1, backend.increment("chord:c", 1), "an expired counter starts again at 0");
    }

    @Test
    void aKeyWrittenManyTimesCostsOneEntryInTheExpiryQueue() {
        for (int i = 0; i < 1_000; i++) {
            backend.store(TaskRecord.pending("busy", "t"));    // progress reports, STARTED, ...
            backend.increment("chord:busy", 1);
            clock.advance(Duration.ofSeconds(1));
        }
        assertEquals(2, backend.pendingExpiries(), "one entry per live key, not per write");
        clock.advance(Duration.ofMinutes(11));
        backend.store(success("other"));
        assertFalse(backend.get("busy").isPresent());
        assertEquals(1, backend.size(), "both expired keys swept");
        assertEquals(1, backend.pendingExpiries());
    }
}
