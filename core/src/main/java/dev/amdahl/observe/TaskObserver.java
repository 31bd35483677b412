package dev.amdahl.observe;

import java.time.Duration;
import java.util.List;

/**
 * Watches the tasks an application publishes and its workers run: the hook metrics and tracing bind to. Every
 * method has a default that does nothing, so an observer implements what it needs. Register observers with
 * {@code Amdahl.builder().observer(...)}; they apply to the application's submissions and to every worker it starts.
 *
 * <pre>{@code
 * Amdahl app = Amdahl.builder()
 *         .observer(new TaskObserver() {
 *             public void finished(TaskEvent task, TaskOutcome outcome, Duration runTime) {
 *                 log.info("{} {} in {}", task.taskName(), outcome.label(), runTime);
 *             }
 *         })
 *         .build();
 * }</pre>
 *
 * <h2>Contract</h2>
 * <ul>
 *   <li>Calls come from the worker's own threads (its consumer, its pool, its settler) and from the threads that
 *       submit; an observer is thread-safe and quick, and never blocks on the broker or backend.</li>
 *   <li>An exception thrown by an observer is logged (at a bounded rate) and ignored: it never changes what happens
 *       to a task.</li>
 *   <li>On a worker, each delivery that is {@link #received} ends in one {@link #finished} call, except one the
 *       worker finds final already (a redelivery whose outcome was stored) and one whose lease was lost before it ran;
 *       {@link #started} comes between the two only if its code runs.</li>
 * </ul>
 *
 * <p>Stability: methods may be added, always with a default that does nothing.
 */
public interface TaskObserver {

    /** A worker of the application started; {@code worker} may be sampled until {@link #workerStopped}. */
    default void workerStarted(WorkerView worker) {
    }

    /** The worker stopped: let go of it. */
    default void workerStopped(WorkerView worker) {
    }

    /**
     * A client is about to publish {@code tasks} to {@code queue} (one message, the messages of a map, or the first
     * steps of a workflow), on the submitting thread. The returned publication's {@link Publication#context()} is
     * carried in every one of those messages, and travels on to the workflow steps after them; it is told whether
     * the publish succeeded.
     *
     * @return how to follow this publish, or {@code null} for nothing to carry or follow
     */
    default Publication publishing(String queue, List<TaskEvent> tasks) {
        return null;
    }

    /** A worker took the task's message from the broker and decoded it; it may still not run (see {@link #finished}). */
    default void received(TaskEvent task) {
    }

    /**
     * The task's code is about to run, on the thread that runs it (for the process pool, the worker's thread that
     * drives the child). The returned scope is closed on the same thread when the code has returned, so a tracer
     * can make its span current for what the task submits.
     *
     * @return what to close when the run ends, or {@code null}
     */
    default Scope started(TaskEvent task) {
        return null;
    }

    /**
     * The delivery ended: how, and for how long its code ran ({@link Duration#ZERO} when it never started). A failed
     * task's outcome is {@link TaskOutcome#FAILURE} whether it raised or broke a time limit.
     */
    default void finished(TaskEvent task, TaskOutcome outcome, Duration runTime) {
    }

    /** The worker dead-lettered a message taken from {@code queue}, with {@code reason}: malformed, unverified, unknown task, too many deliveries. */
    default void deadLettered(String queue, String reason) {
    }

    /** Follows one publish; see {@link TaskObserver#publishing}. */
    interface Publication {

        /** The trace context to carry in the messages, or {@code null}. */
        default TraceContext context() {
            return null;
        }

        /** The messages are with the broker (or with the caller's transaction, for a redirected publish). */
        default void published() {
        }

        /** Publishing failed with {@code failure}, which the submitter hears too. */
        default void failed(RuntimeException failure) {
        }
    }

    /** What {@link TaskObserver#started} opened; closed once, on the thread that opened it. */
    @FunctionalInterface
    interface Scope extends AutoCloseable {
        @Override
        void close();
    }
}
