package dev.amdahl.internal.worker;

import dev.amdahl.internal.task.Outcome;
import dev.amdahl.internal.task.RunControl;
import dev.amdahl.internal.wire.TaskMessage;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.slf4j.LoggerFactory;

/**
 * Where a worker's tasks run (threads, virtual threads, child processes). The worker decides what
 * to take from the broker; the pool only runs what it is given, at most its concurrency at once.
 *
 * <h2>Time limits</h2>
 * A pool calls {@code job.control().started()} just before the task's code runs and
 * {@code job.control().finished()} once it has returned; the worker's watchdog counts the job's time
 * limits between the two, and calls back:
 * <ul>
 *   <li>{@link #interrupt} at the soft limit: the task must be told (its {@link RunControl#softLimitReached()}
 *       set where it runs, its thread interrupted) and may go on to clean up;</li>
 *   <li>{@link #terminate} at the hard limit: the job must report the given FAILURE at once and the pool
 *       must keep its concurrency. The process pool kills the child and starts another (exact); thread
 *       pools cannot stop a thread, so they interrupt it, abandon it and start a replacement thread.</li>
 * </ul>
 */
public interface ExecutionPool {

    /**
     * One task to run, where to report how it ended, and its controls (progress, time limits).
     */
    record Job(TaskMessage message, int deliveryCount, Consumer<Outcome> done, RunControl control) {

        /**
         * From the task's id and the delivery count alone, which equal jobs share: pools key their maps by job, and the
         * record's own hash would walk the message's whole argument tree on every lookup.
         */
        @Override
        public int hashCode() {
            return message.id().hashCode() * 31 + deliveryCount;
        }

        /**
         * Calls {@code done} with the outcome unless {@code reported} says it was called already: a job can end
         * in more than one way at once (finished, cancelled, its child died), and only the first one counts.
         */
        public void reportOnce(AtomicBoolean reported, Outcome outcome) {
            if (reported.compareAndSet(false, true)) {
                try {
                    done.accept(outcome);
                } catch (RuntimeException e) {
                    LoggerFactory.getLogger(ExecutionPool.class)
                            .error("reporting the outcome of task {} failed", message.id(), e);
                }
            }
        }
    }

    /**
     * Runs {@code job} when a slot is free. {@code job.done} is called exactly once, from a pool
     * thread, with the outcome: ABANDONED when the pool is shut down before or while running it.
     */
    void execute(Job job);

    /**
     * First half of a shutdown: jobs not yet started end ABANDONED at once, and so does any job
     * {@link #execute executed} from now on. Running jobs go on.
     */
    void stopAccepting();

    /**
     * Second half: running jobs get {@code grace} to finish, then are interrupted (threads) or killed
     * (processes) and end ABANDONED unless they end on their own. Returns when every job has reported
     * and the pool's threads or processes are gone.
     */
    void awaitRunning(Duration grace);

    /**
     * Cancels a job (a revocation): one the pool has not started never starts, and reports {@code outcome}
     * now. One that is running is stopped only with {@code mayInterruptIfRunning}; it then reports
     * {@code outcome} at once and the pool keeps its concurrency: thread pools interrupt its thread and
     * run on with a replacement thread until it returns, the process pool kills its child and starts
     * another. Returns whether the job was cancelled: false when it has ended already, or is running and
     * may not be interrupted. The default cancels nothing.
     */
    default boolean cancel(Job job, Outcome outcome, boolean mayInterruptIfRunning) {
        return false;
    }

    /**
     * The job passed its soft time limit: tell the task (set the flag where it runs, interrupt its
     * thread). It may still finish normally. The default does nothing (the pool cannot reach the task).
     */
    default void interrupt(Job job) {
    }

    /**
     * The job passed its hard time limit: end it now with {@code failure} reported through
     * {@code job.done()}, stop or abandon whatever runs it, and keep the pool's concurrency. Does nothing
     * if the job has ended already. Returns whether this pool can enforce it; the default cannot.
     */
    default boolean terminate(Job job, Outcome failure) {
        return false;
    }

    /** Both halves of a shutdown. */
    default void shutdown(Duration grace) {
        stopAccepting();
        awaitRunning(grace);
    }
}
