package dev.amdahl;

import java.util.Optional;

/**
 * The errors the runtime records itself, as opposed to exceptions thrown by a task's own code. A failed
 * task's {@link TaskFailedException#remoteType()} is one of these type names when the runtime ended it; match
 * on the constants, not on strings.
 *
 * <pre>{@code
 * try {
 *     future.get();
 * } catch (ExecutionException e) {
 *     if (e.getCause() instanceof TaskFailedException f && f.errorType().orElse(null) == ErrorType.TIME_LIMIT_EXCEEDED) {
 *         resubmitInSmallerPieces();
 *     }
 * }
 * }</pre>
 */
public enum ErrorType {

    /** The task's expiry passed before a worker ran it; its state is REVOKED. */
    EXPIRED("dev.amdahl.Expired"),
    /** The task was revoked ({@link Amdahl#revoke}); its state is REVOKED. */
    REVOKED("dev.amdahl.Revoked"),
    /**
     * The database transaction that submitted the task rolled back (transactional enqueue, {@code amdahl-postgres}), so
     * the task was never enqueued and never ran; its state is REVOKED.
     */
    ROLLED_BACK("dev.amdahl.RolledBack"),
    /** The task was revoked and stopped while it ran ({@link Amdahl#terminate}); its state is REVOKED. */
    TERMINATED("dev.amdahl.Terminated"),
    /** The task ran past its hard time limit and was stopped. */
    TIME_LIMIT_EXCEEDED("dev.amdahl.TimeLimitExceeded"),
    /** The worker gave the task up (it could not stop it, or shut down while it ran). */
    ABANDONED("dev.amdahl.Abandoned"),
    /** The child JVM of the process pool that ran the task died. */
    WORKER_LOST("dev.amdahl.WorkerLost"),
    /**
     * The broker delivered the task's message its maximum number of times without an outcome being stored. Every
     * delivery that ends without one counts: the worker crashed or was killed (a task that halts or crashes its
     * JVM), was stopped and gave the message back, lost its lease, or could not store the outcome or publish the
     * workflow steps. The message names the likely causes; the workers' logs say which it was.
     */
    DELIVERIES_EXHAUSTED("dev.amdahl.DeliveriesExhausted"),
    /**
     * A step of a workflow could not be read or published as built (its options invalid, its message over the
     * {@link MessageLimits}), so it and everything after it failed.
     */
    MALFORMED_WORKFLOW("dev.amdahl.MalformedWorkflow"),
    /**
     * No live worker offered the resources the task needs ({@link TaskOptions.Builder#resources}) for the workers'
     * {@link WorkerOptions#unplaceableAfter()}; the message names what none offers. It never ran.
     */
    UNPLACEABLE("dev.amdahl.Unplaceable"),
    /**
     * The task's argument travelled by reference ({@link Amdahl.Builder#byReferenceAbove}) and the result backend no
     * longer had it when a worker took the task (it expired with the backend's result TTL). It never ran.
     */
    REFERENCE_EXPIRED("dev.amdahl.ReferenceExpired"),
    /** The task ended unsuccessfully without recording an error. */
    UNKNOWN("dev.amdahl.Unknown");

    private final String typeName;

    ErrorType(String typeName) {
        this.typeName = typeName;
    }

    /** The type name as stored in results and shown by {@link TaskFailedException#remoteType()}. */
    public String typeName() {
        return typeName;
    }

    /** The runtime error with this type name; empty for the type of an exception a task threw. */
    public static Optional<ErrorType> of(String typeName) {
        for (ErrorType t : values()) {
            if (t.typeName.equals(typeName)) {
                return Optional.of(t);
            }
        }
        return Optional.empty();
    }
}
