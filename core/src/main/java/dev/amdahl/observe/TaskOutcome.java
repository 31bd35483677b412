package dev.amdahl.observe;

import java.util.Locale;

/** How one delivery of a task ended on a worker, as {@link TaskObserver#finished} reports it. */
public enum TaskOutcome {
    /** It ran and returned; its result is stored. */
    SUCCESS,
    /** It ran and failed for good (no retry left, or an error it does not retry on), or was stopped by its hard time limit. */
    FAILURE,
    /** It ran, failed, and its next try is published. */
    RETRY,
    /** It was revoked: before it started (it never ran) or while it ran (its outcome is discarded). */
    REVOKED,
    /** It expired before a worker took it and never ran. */
    EXPIRED,
    /** Its message went back to the broker unfinished: the worker shut down, or the process running it died. */
    REQUEUED,
    /** It could not be run and was dead-lettered with a reason: an unknown task, or too many deliveries. */
    REJECTED;

    /** The lower-case name, as metrics label it. */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
