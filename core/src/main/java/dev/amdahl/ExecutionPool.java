package dev.amdahl;

import dev.amdahl.internal.Outcome;
import dev.amdahl.internal.TaskMessage;
import java.time.Duration;
import java.util.function.Consumer;

/**
 * Where a worker's tasks run (threads, virtual threads, child processes). The worker decides what
 * to take from the broker; the pool only runs what it is given, at most its concurrency at once.
 */
interface ExecutionPool {

    /** One task to run, and where to report how it ended. */
    record Job(TaskMessage message, int deliveryCount, Consumer<Outcome> done) {
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

    /** Both halves of a shutdown. */
    default void shutdown(Duration grace) {
        stopAccepting();
        awaitRunning(grace);
    }
}
