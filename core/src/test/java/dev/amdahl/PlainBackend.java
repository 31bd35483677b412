package dev.amdahl;

import dev.amdahl.internal.memory.MemoryResultBackend;
import dev.amdahl.spi.Registration;
import dev.amdahl.spi.ResultBackend;
import dev.amdahl.spi.TaskRecord;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * A result backend with only the SPI's required methods, every optional one left at its default: what a
 * backend written before those methods existed looks like.
 */
final class PlainBackend implements ResultBackend {

    private final MemoryResultBackend inner = new MemoryResultBackend();

    @Override
    public void store(TaskRecord record) {
        inner.store(record);
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
    public void forget(String taskId) {
        inner.forget(taskId);
    }

    @Override
    public void close() {
        inner.close();
    }
}
