package dev.amdahl;

import java.util.EnumSet;
import java.util.Set;

/**
 * The states a task passes through, named as in Celery, and the transitions allowed between them.
 *
 * <pre>
 * PENDING ──► STARTED ──► SUCCESS | FAILURE
 *    │  │       │  ▲
 *    │  │       ▼  │
 *    │  └────► RETRY ──► (run again: STARTED, SUCCESS, FAILURE or RETRY)
 *    └──────────┴──────────────► REVOKED        (from any state that is not final)
 * </pre>
 *
 * <p>SUCCESS, FAILURE and REVOKED are final: once a task has reached one, nothing moves it on.
 * Every record the runtime stores (a worker's states, outcomes, retries and progress, a revocation,
 * a workflow step's failure, eager mode's runs) goes through
 * {@link dev.amdahl.spi.ResultBackend#storeAllUnlessFinal}, which applies this rule atomically per
 * task: a record for a task that is final already is dropped and the final one kept, so an outcome and
 * a revocation arriving together cannot overwrite each other. A worker that is handed a message for a
 * task already in a final state (a redelivery after its result was stored) acknowledges it without
 * running the task again. STARTED is stored only when the worker tracks it (Celery's
 * {@code task_track_started}) or the task reports progress; otherwise a task goes from PENDING straight
 * to its outcome.
 *
 * <p>There is no RECEIVED state: Celery has one only in its event stream, never in a result backend,
 * and a worker here stores nothing when it takes a message (doing so would cost a round trip per task
 * and tell nothing STARTED does not).
 *
 * <pre>{@code
 * TaskState.PENDING.canMoveTo(TaskState.STARTED);   // true
 * TaskState.SUCCESS.canMoveTo(TaskState.STARTED);   // false
 * }</pre>
 */
public enum TaskState {
    /** Submitted, or unknown to the result backend: no worker has reported on it yet. */
    PENDING,
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
     * state but PENDING (a task whose worker died while STARTED is STARTED again by another, and
     * a retried one runs again from RETRY); a final state moves nowhere.
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
