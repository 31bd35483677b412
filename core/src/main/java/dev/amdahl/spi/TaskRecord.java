package dev.amdahl.spi;

import dev.amdahl.Progress;
import dev.amdahl.TaskState;
import java.time.Instant;
import java.util.Objects;

/**
 * What the result backend knows about one task: its state and, once it has ended, its result or
 * error, with the timings the scaling analysis reads.
 *
 * <p>Backends store records as opaque bytes made by {@link #toBytes()} and read them back with
 * {@link #fromBytes(byte[])}; they never need to look inside.
 *
 * @param taskId       the task's id
 * @param taskName     the registered name of the task
 * @param state        its state
 * @param result       the JSON text of the result when SUCCESS, otherwise {@code null}
 * @param error        the error when FAILURE (or the last error when RETRY), otherwise {@code null}
 * @param retries      how many times it was retried so far
 * @param worker       the worker that reported this state, or {@code null}
 * @param startedAt    when the current run started, or {@code null}
 * @param finishedAt   when it ended, or {@code null}
 * @param runtimeNanos how long the task's own code ran (0 until it ended); the parallel part of a job
 * @param progress     what the running task last reported of its progress, or {@code null}
 */
public record TaskRecord(String taskId, String taskName, TaskState state, String result, TaskError error,
                         int retries, String worker, Instant startedAt, Instant finishedAt, long runtimeNanos,
                         Progress progress) {

    public TaskRecord {
        Objects.requireNonNull(taskId, "taskId");
        Objects.requireNonNull(state, "state");
    }

    /** A record without progress. */
    public TaskRecord(String taskId, String taskName, TaskState state, String result, TaskError error, int retries,
                      String worker, Instant startedAt, Instant finishedAt, long runtimeNanos) {
        this(taskId, taskName, state, result, error, retries, worker, startedAt, finishedAt, runtimeNanos, null);
    }

    /** A record for a task no worker has reported on. */
    public static TaskRecord pending(String taskId, String taskName) {
        return new TaskRecord(taskId, taskName, TaskState.PENDING, null, null, 0, null, null, null, 0);
    }

    /** This record in {@code next} state, checking that the move is allowed. */
    public TaskRecord moveTo(TaskState next) {
        state.checkMoveTo(next, taskId);
        return new TaskRecord(taskId, taskName, next, result, error, retries, worker, startedAt, finishedAt, runtimeNanos, progress);
    }

    /** Encodes this record for storage. */
    public byte[] toBytes() {
        return TaskRecordCodec.encode(this);
    }

    /**
     * Decodes a stored record.
     *
     * @throws IllegalArgumentException saying what is wrong when the bytes are not a task record
     */
    public static TaskRecord fromBytes(byte[] bytes) {
        return TaskRecordCodec.decode(bytes);
    }
}
