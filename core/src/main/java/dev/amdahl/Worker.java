package dev.amdahl;

import java.time.Duration;

/**
 * A running worker: consumes its queues and runs tasks until closed. Made by
 * {@link Amdahl#startWorker(WorkerOptions)}.
 *
 * <p>{@link #close()} (and SIGTERM, through a shutdown hook) shuts it down gracefully: it stops taking
 * messages, gives back those it holds but has not started, lets running tasks finish within
 * {@link WorkerOptions#shutdownGrace()}, then interrupts and gives back the rest. Nothing it held is
 * lost: what it did not finish is delivered again.
 *
 * <pre>{@code
 * try (Worker worker = app.startWorker(WorkerOptions.builder().concurrency(4).build())) {
 *     render.map(tiles).get();
 * }
 * }</pre>
 */
public interface Worker extends AutoCloseable {

    /** The worker's name, as it appears in task records and logs. */
    String name();

    /** The options it runs with. */
    WorkerOptions options();

    /** How many tasks it has finished (stored and acknowledged) so far. */
    long completedCount();

    /** Whether it is still consuming. */
    boolean isRunning();

    /** Shuts down gracefully, waiting up to the shutdown grace period. Idempotent. */
    @Override
    void close();

    /** Waits until the worker has stopped (after {@link #close()} or SIGTERM); returns whether it did in time. */
    boolean awaitTermination(Duration timeout) throws InterruptedException;
}
