package dev.amdahl;

import dev.amdahl.internal.memory.MemoryResultBackend;
import dev.amdahl.spi.Registration;
import dev.amdahl.spi.ResultBackend;
import dev.amdahl.spi.TaskRecord;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * A result backend with only the SPI's required methods and no capability: the least a backend may be. The
 * runtime falls back where a feature has a fallback (revocations through whenReady, progress by reading) and
 * refuses the others (idempotency keys, schedulers) with a message.
 */
final class PlainBackend implements ResultBackend {

    private final MemoryResultBackend inner = new MemoryResultBackend();

    @Override
    public void store(TaskRecord record) {
        inner.store(record);
    }

    @Override
    public Map<String, TaskRecord> storeAllUnlessFinal(List<TaskRecord> records) {
        return inner.storeAllUnlessFinal(records);
    }

    @Override
    public Optional<TaskRecord> get(String taskId) {
        return inner.get(taskId);
    }

    @Override
    public Registration whenReady(String taskId, Consumer<TaskRecord> callback) {
        return inner.whenReady(taskId, callback);
    }

    @Override
    public long increment(String key, long delta) {
        return inner.increment(key, delta);
    }

    @Override
    public long increment(String key, long delta, Duration ttl) {
        return inner.increment(key, delta, ttl);
    }

    @Override
    public void forget(String taskId) {
        inner.forget(taskId);
    }

    @Override
    public void close() {
        inner.close();
    }
}
