package dev.amdahl.cli;

import dev.amdahl.observe.TaskObserver;
import dev.amdahl.observe.WorkerView;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code amdahl worker --exit-when-idle D}: calls {@code onIdle} once the worker has had nothing to do for {@code D},
 * so workers in a batch allocation end when the work is done.
 *
 * <p>Idle means, at every sample for the whole of {@code D}: no task running, no message held (taken and not settled),
 * and every queue it consumes empty at the broker. One busy sample starts the count again; a broker that cannot be
 * asked counts as busy, so an outage never looks like the end of the work. Messages delayed by a countdown, an ETA or
 * a retry's backoff are not in a queue's depth until due: choose {@code D} above the longest of those.
 *
 * <p>Samples run on one timer thread; {@code idleSince} is touched only there. The time comes from {@code nanoTime},
 * so tests drive {@link #check()} with a clock of their own.
 */
final class IdleWatch implements TaskObserver, AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(IdleWatch.class);
    private static final long NOT_IDLE = Long.MIN_VALUE;

    private final Duration idleFor;
    private final LongSupplier nanoTime;
    private final Runnable onIdle;
    private volatile WorkerView worker;
    private ScheduledExecutorService timer;
    private long idleSince = NOT_IDLE;
    private boolean fired;

    IdleWatch(Duration idleFor, LongSupplier nanoTime, Runnable onIdle) {
        this.idleFor = idleFor;
        this.nanoTime = nanoTime;
        this.onIdle = onIdle;
    }

    @Override
    public void workerStarted(WorkerView view) {
        this.worker = view;
    }

    @Override
    public void workerStopped(WorkerView view) {
        if (worker == view) {
            worker = null;
        }
    }

    /** Samples the worker every quarter of {@code D} (50 ms to 1 s) on a daemon thread until closed. */
    synchronized void start() {
        long every = Math.max(50, Math.min(1000, idleFor.toMillis() / 4));
        timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "amdahl-idle-watch");
            t.setDaemon(true);
            return t;
        });
        timer.scheduleWithFixedDelay(this::check, every, every, TimeUnit.MILLISECONDS);
    }

    /** One sample; returns whether {@code onIdle} ran (it runs once). */
    boolean check() {
        if (fired) {
            return false;
        }
        WorkerView view = worker;
        long now = nanoTime.getAsLong();
        if (view == null || !idle(view)) {
            idleSince = NOT_IDLE;
            return false;
        }
        if (idleSince == NOT_IDLE) {
            idleSince = now;
        }
        if (now - idleSince < idleFor.toNanos()) {
            return false;
        }
        fired = true;
        onIdle.run();
        return true;
    }

    private static boolean idle(WorkerView view) {
        if (view.runningCount() > 0 || view.heldCount() > 0) {
            return false;
        }
        try {
            for (String queue : view.queues()) {
                if (view.queueDepth(queue) > 0) {
                    return false;
                }
            }
            return true;
        } catch (RuntimeException e) {
            log.debug("queue depth unavailable; not idle", e);
            return false;
        }
    }

    @Override
    public synchronized void close() {
        if (timer != null) {
            timer.shutdown();   // not shutdownNow: the timer thread may be closing the worker, which must not be interrupted
        }
    }
}
