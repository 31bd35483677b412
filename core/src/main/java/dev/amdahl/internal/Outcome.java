package dev.amdahl.internal;

import dev.amdahl.spi.TaskError;
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
 */
public record Outcome(Kind kind, String resultJson, TaskError error, Instant startedAt, Instant finishedAt, long runtimeNanos) {

    /** The ways a run ends. */
    public enum Kind {
        /** The task returned; its result is stored and the message acknowledged. */
        SUCCESS,
        /** The task (or its decoding) failed; the error is stored and the message acknowledged. */
        FAILURE,
        /** The process running the task died; the message is redelivered, or failed once it has died too often. */
        CRASHED,
        /** The worker is shutting down and gave the task back: the message is requeued, nothing is stored. */
        ABANDONED
    }

    public Outcome {
        Objects.requireNonNull(kind, "kind");
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
        return new Outcome(Kind.ABANDONED, null, TaskError.of("dev.amdahl.Abandoned", reason), null, null, 0);
    }
}
