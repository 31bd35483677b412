package dev.amdahl.internal.task;

import dev.amdahl.Progress;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The worker's side of one run of a task: where its progress reports go, and the flags the time
 * limits set. Shared by the task's thread, the time-limit watchdog and the pool.
 *
 * <p>Why a lock: once the pool has abandoned a run (hard time limit) and reported its FAILURE, a report
 * from the still-running thread must not be stored over that final record. {@link #abandon()} and
 * {@link #progress} hold this object's monitor, so a report is either stored before the abandonment
 * or dropped after it.
 */
public final class RunControl {

    private static final Logger log = LoggerFactory.getLogger(RunControl.class);

    private final Consumer<Progress> progressSink;
    private final Supplier<AutoCloseable> onStart;
    private final BooleanSupplier mayStart;
    private volatile boolean softLimitExceeded;
    /** Guarded by this. */
    private boolean abandoned;
    /** What {@link #started()} armed (the time-limit timers); guarded by this. */
    private AutoCloseable armed;

    /**
     * @param progressSink where the task's progress reports go
     * @param onStart      called when the task starts; arms its time limits and returns how to disarm them
     */
    public RunControl(Consumer<Progress> progressSink, Supplier<AutoCloseable> onStart) {
        this(progressSink, onStart, () -> true);
    }

    /**
     * @param mayStart asked by the pool just before it starts the task: false when the run is no longer
     *                 wanted (the worker lost the message's lease while the job waited in the pool)
     */
    public RunControl(Consumer<Progress> progressSink, Supplier<AutoCloseable> onStart, BooleanSupplier mayStart) {
        this.progressSink = progressSink;
        this.onStart = onStart;
        this.mayStart = mayStart;
    }

    /** Whether the pool may start the task now; if not, it reports it ABANDONED without running it. */
    public boolean mayStart() {
        return mayStart.getAsBoolean();
    }

    /** A run nobody watches: progress goes nowhere (eager mode without a backend, unit tests). */
    public static RunControl unwatched() {
        return new RunControl(p -> { }, () -> null);
    }

    /** The pool calls this when the task's code is about to start: its time limits count from now. */
    public void started() {
        AutoCloseable a = onStart.get();
        synchronized (this) {
            armed = a;
        }
    }

    /** The pool calls this when the task's code has returned (or was abandoned): its time limits are off. */
    public void finished() {
        AutoCloseable a;
        synchronized (this) {
            a = armed;
            armed = null;
        }
        if (a != null) {
            try {
                a.close();
            } catch (Exception e) {
                log.warn("could not disarm the time limits of a task: {}", e.toString());
            }
        }
    }

    public synchronized void progress(Progress p) {
        if (abandoned) {
            log.debug("dropping a progress report of an abandoned run: {}", p);
            return;
        }
        try {
            progressSink.accept(p);
        } catch (RuntimeException e) {
            // progress is advisory: a backend hiccup must not fail the task
            log.warn("could not store a progress report: {}", e.toString());
        }
    }

    public void softLimitReached() {
        softLimitExceeded = true;
    }

    public boolean softLimitExceeded() {
        return softLimitExceeded;
    }

    public synchronized void abandon() {
        abandoned = true;
    }

    synchronized boolean abandoned() {
        return abandoned;
    }
}
