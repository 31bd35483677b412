package dev.amdahl.internal.task;

import dev.amdahl.ErrorType;
import dev.amdahl.TaskState;
import dev.amdahl.internal.wire.TaskMessage;
import dev.amdahl.spi.TaskError;
import dev.amdahl.spi.TaskRecord;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;

/**
 * How one run of a task ended, as a pool reports it to the worker.
 *
 * @param kind         the kind of ending
 * @param resultJson   the encoded result when {@link Kind#SUCCESS}
 * @param error        the error when {@link Kind#FAILURE} or {@link Kind#CRASHED}; the reason when {@link Kind#ABANDONED}
 * @param startedAt    when the task's code started, or {@code null} if it never did
 * @param finishedAt   when it ended
 * @param runtimeNanos how long the task's code ran
 * @param retryDelay   when {@link Kind#RETRY}, how long to wait before the next try
 */
public record Outcome(Kind kind, String resultJson, TaskError error, Instant startedAt, Instant finishedAt, long runtimeNanos,
                      Duration retryDelay) {

    /** The ways a run ends. */
    public enum Kind {
        /** The task returned; its result is stored and the message acknowledged. */
        SUCCESS,
        /** The task (or its decoding) failed; the error is stored and the message acknowledged. */
        FAILURE,
        /**
         * The task failed and asked (or its options say) to be tried again: a new message with one more
         * retry is published for later, RETRY is stored with the error, then this message is acknowledged.
         */
        RETRY,
        /** The process running the task died; the message is redelivered, or failed once it has died too often. */
        CRASHED,
        /** The worker is shutting down and gave the task back: the message is requeued, nothing is stored. */
        ABANDONED
    }

    public Outcome {
        Objects.requireNonNull(kind, "kind");
        if (kind == Kind.RETRY && (retryDelay == null || retryDelay.isNegative())) {
            throw new IllegalArgumentException("a RETRY outcome needs a delay that is not negative, was " + retryDelay);
        }
    }

    /** An outcome that is not a retry. */
    public Outcome(Kind kind, String resultJson, TaskError error, Instant startedAt, Instant finishedAt, long runtimeNanos) {
        this(kind, resultJson, error, startedAt, finishedAt, runtimeNanos, null);
    }

    public static Outcome retry(TaskError error, Duration delay, Instant startedAt, Instant finishedAt, long runtimeNanos) {
        return new Outcome(Kind.RETRY, null, error, startedAt, finishedAt, runtimeNanos, delay);
    }

    public static Outcome success(String resultJson, Instant startedAt, Instant finishedAt, long runtimeNanos) {
        return new Outcome(Kind.SUCCESS, resultJson, null, startedAt, finishedAt, runtimeNanos);
    }

    public static Outcome failure(TaskError error, Instant startedAt, Instant finishedAt, long runtimeNanos) {
        return new Outcome(Kind.FAILURE, null, error, startedAt, finishedAt, runtimeNanos);
    }

    public static Outcome crashed(TaskError error, Instant startedAt, Instant finishedAt) {
        return new Outcome(Kind.CRASHED, null, error, startedAt, finishedAt, 0);
    }

    public static Outcome abandoned(String reason) {
        return new Outcome(Kind.ABANDONED, null, TaskError.of(ErrorType.ABANDONED.typeName(), reason), null, null, 0);
    }

    /** The final record of {@code m} for this outcome, SUCCESS or FAILURE, as reported by {@code worker}. */
    public TaskRecord record(TaskMessage m, String worker) {
        boolean ok = kind == Kind.SUCCESS;
        return new TaskRecord(m.id(), m.task(), ok ? TaskState.SUCCESS : TaskState.FAILURE, ok ? resultJson : null,
                ok ? null : error, m.retries(), worker, startedAt, finishedAt, runtimeNanos);
    }
}
