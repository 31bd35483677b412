package dev.amdahl.internal.memory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.amdahl.TaskState;
import dev.amdahl.spi.ProviderContext;
import dev.amdahl.spi.Registration;
import dev.amdahl.spi.ResultBackend;
import dev.amdahl.spi.TaskRecord;
import dev.amdahl.testkit.MutableClock;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The embedded backend forgets records and counters {@code resultTtl} after their last write, so its heap stays bounded. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class MemoryResultBackendExpiryTest {

    private final MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
    private final MemoryResultBackend backend = new MemoryResultBackend(clock, Duration.ofMinutes(10));

    private static TaskRecord success(String id) {
        return new TaskRecord(id, "t", TaskState.SUCCESS, "1", null, 0, "w", Instant.EPOCH, null, 0);
    }

    /** Enough writes of one key to bring on a sweep, whatever was written before. */
    private void writeUntilSwept(String key) {
        for (int i = 0; i < 5_000; i++) {
            backend.store(success(key));
        }
    }

    @Test
    void aRecordIsGoneAfterItsTimeToLiveAndItsMemoryWithIt() {
        for (int i = 0; i < 2_000; i++) {
            backend.store(success("old-" + i));
        }
        clock.advance(Duration.ofMinutes(9));
        assertTrue(backend.get("old-0").isPresent(), "kept within its time to live");
        clock.advance(Duration.ofMinutes(2));
        assertFalse(backend.get("old-0").isPresent(), "expired records read as absent");
        writeUntilSwept("new");
        assertEquals(1, backend.size(), "the expired records' memory is released");
        assertTrue(backend.get("new").isPresent());
    }

    @Test
    void steadyTrafficOfNewTasksKeepsOnlyAboutTheTimeToLivesWorthOfRecords() {
        // one record per task, as a worker stores them: each write brings a new entry, an hour of it at 2,000 a minute
        int perMinute = 2_000;
        for (int minute = 0; minute < 60; minute++) {
            for (int i = 0; i < perMinute; i++) {
                backend.store(success("m" + minute + "-" + i));
            }
            clock.advance(Duration.ofMinutes(1));
        }
        int live = 10 * perMinute;
        assertTrue(backend.size() <= 2 * live + perMinute,
                "an hour of tasks with a 10-minute time to live holds " + backend.size() + " entries, expected about "
                        + live + " (the last 10 minutes' records) and at most twice that");
        assertTrue(backend.get("m59-0").isPresent(), "the last minute's records are kept");
        assertFalse(backend.get("m40-0").isPresent(), "records older than their time to live read as absent");
    }

    @Test
    void aRecordWrittenAgainLivesFromItsLastWrite() {
        backend.store(TaskRecord.pending("a", "t"));
        clock.advance(Duration.ofMinutes(8));
        backend.store(success("a"));
        clock.advance(Duration.ofMinutes(8));
        writeUntilSwept("b");
        assertEquals(TaskState.SUCCESS, backend.get("a").orElseThrow().state());
    }

    @Test
    void aCounterLivesFromItsLastIncrementThenStartsAgain() {
        assertEquals(1, backend.increment("chord:c", 1));
        clock.advance(Duration.ofMinutes(8));
        assertEquals(2, backend.increment("chord:c", 1));
        clock.advance(Duration.ofMinutes(8));
        writeUntilSwept("other");
        assertEquals(3, backend.increment("chord:c", 1), "kept: incremented within its time to live");
        clock.advance(Duration.ofMinutes(11));
        writeUntilSwept("other2");
        assertEquals(1, backend.size(), "the counter and the first record are swept");
        assertEquals(1, backend.increment("chord:c", 1), "an expired counter starts again at 0");
    }

    @Test
    void forgettingARecordLeavesNothingBehind() {
        // a million tasks whose results are read and forgotten: the soak's case (scripts/soak)
        for (int i = 0; i < 200_000; i++) {
            String id = "t-" + i;
            backend.store(TaskRecord.pending(id, "t"));
            backend.store(success(id));
            backend.forget(id);
        }
        assertEquals(0, backend.size(), "nothing kept for forgotten records, none waiting for its expiry");
    }

    @Test
    void theEmbeddedDefaultKeepsFinishedRecordsForAnHour() {
        try (ResultBackend embedded = new MemoryProvider.Backend().open(URI.create("memory:///"), new ProviderContext(clock))) {
            embedded.store(success("a"));
            clock.advance(Duration.ofMinutes(59));
            assertTrue(embedded.get("a").isPresent(), "kept as long as an idempotency key's default window");
            clock.advance(Duration.ofMinutes(2));
            assertFalse(embedded.get("a").isPresent(), "gone after the default of an hour");
        }
    }

    @Test
    void theTimeToLiveIsTakenFromTheUrl() {
        try (ResultBackend embedded = new MemoryProvider.Backend().open(URI.create("memory:///?result-ttl=5m"),
                new ProviderContext(clock))) {
            embedded.store(success("a"));
            clock.advance(Duration.ofMinutes(4));
            assertTrue(embedded.get("a").isPresent(), "kept within the five minutes the URL asks for");
            clock.advance(Duration.ofMinutes(2));
            assertFalse(embedded.get("a").isPresent());
        }
    }

    @Test
    void aCallbackAlreadyToldOfItsFinalRecordDoesNotOutliveIt() {
        List<TaskRecord> told = new ArrayList<>();
        for (int i = 0; i < 1_000; i++) {
            backend.whenReady("w-" + i, told::add);
        }
        Registration cancelled = backend.whenReady("cancelled", told::add);
        backend.onUpdate("w-0", told::add).cancel();
        assertEquals(1_001, backend.watched(), "one entry per watched task, however many watch it");
        for (int i = 0; i < 1_000; i++) {
            backend.store(success("w-" + i));
        }
        cancelled.cancel();
        assertEquals(1_000, told.size(), "each callback told once, the cancelled one never");
        assertEquals(0, backend.watched(), "nothing waits any more: nothing is kept for the watchers");
        clock.advance(Duration.ofMinutes(11));
        writeUntilSwept("later");
        assertEquals(1, backend.size(), "and the records themselves expire");
    }
}
