package dev.amdahl;

import java.util.EnumSet;
import java.util.Set;

/**
 * The states a task passes through, named as in Celery, and the transitions allowed between them.
 *
 * <pre>
 * PENDING ──► RECEIVED ──► STARTED ──► SUCCESS | FAILURE
 *    │           ▲  │          │  │
 *    │           └──┼──────────┘  └──► RETRY ──► RECEIVED ...   (redelivery, retry)
 *    └──────────────┴─────────────────────────► REVOKED
 * </pre>
 *
 * <p>SUCCESS, FAILURE and REVOKED are final: once a task has reached one, nothing moves it on.
 * A worker that is handed a message for a task already in a final state (a redelivery after its
 * result was stored) acknowledges it without running the task again.
 *
 * <pre>{@code
 * TaskState.PENDING.canMoveTo(TaskState.STARTED);   // true
 * TaskState.SUCCESS.canMoveTo(TaskState.STARTED);   // false
 * }</pre>
 */
public enum TaskState {
    /** Submitted, or unknown to the result backend: no worker has reported on it yet. */
    PENDING,
    /** A worker took the message from the broker. */
    RECEIVED,
    /** A worker is running the task. */
    STARTED,
    /** Finished and its result is stored. */
    SUCCESS,
    /** Finished with an error, which is stored. */
    FAILURE,
    /** Failed and will be run again later. */
    RETRY,
    /** Cancelled before it could finish; it will not run (again). */
    REVOKED;

    private static final Set<TaskState> FINAL = EnumSet.of(SUCCESS, FAILURE, REVOKED);

    /** Whether the task has ended: its outcome will not change any more. */
    public boolean isReady() {
        return FINAL.contains(this);
    }

    /**
     * Whether a task in this state may move to {@code next}. Any non-final state may move to any
     * state but PENDING (a task whose worker died while STARTED is RECEIVED again by another);
     * a final state moves nowhere.
     */
    public boolean canMoveTo(TaskState next) {
        return !isReady() && next != PENDING;
    }

    /**
     * Checks a transition.
     *
     * @throws IllegalStateException naming both states when {@code next} is not allowed after this one
     */
    public void checkMoveTo(TaskState next, String taskId) {
        if (!canMoveTo(next)) {
            throw new IllegalStateException("task " + taskId + " cannot move from " + this + " to " + next
                    + (isReady() ? ": " + this + " is final" : ""));
        }
    }
}
