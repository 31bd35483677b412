package dev.amdahl.internal.worker;

import dev.amdahl.ErrorType;
import dev.amdahl.internal.task.Outcome;
import dev.amdahl.internal.task.RegisteredTask;
import dev.amdahl.internal.task.TaskMdc;
import dev.amdahl.internal.task.TaskRegistry;
import dev.amdahl.internal.wire.TaskMessage;
import dev.amdahl.spi.ResultBackend;
import dev.amdahl.spi.TaskError;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The worker's time and rate limits, on one timer thread: the soft and hard time limit of each running task,
 * and the turn a rate-limited task waits for, on this worker (a token bucket per task) and across all
 * workers (a window counter in the result backend).
 *
 * <p><b>Rate limits hold messages, not threads.</b> A task over its rate limit waits on the timer with its
 * message held (leases renewed, prefetch slot taken) and reaches the pool only when its turn comes, so pool
 * threads run other tasks meanwhile. The timer is apart from the lease renewer, whose broker calls may block.
 */
final class Limits {

    private static final Logger log = LoggerFactory.getLogger(Limits.class);

    private final String name;
    private final ExecutionPool pool;
    private final Clock clock;
    private final ScheduledExecutorService timer;
    /** The tasks, for their rate limits; {@code null} for none. */
    private final TaskRegistry registry;
    private final Map<String, TokenBucket> buckets = new ConcurrentHashMap<>();
    private final GlobalRateLimiter globalWindows;
    private final LongSupplier ticker;

    /**
     * @param registry the tasks, for their rate limits; {@code null} for none
     * @param ticker   nanoseconds for the rate limits, {@link System#nanoTime()} but in tests
     */
    Limits(String name, ExecutionPool pool, ResultBackend backend, Clock clock, TaskRegistry registry, LongSupplier ticker) {
        this.name = name;
        this.pool = pool;
        this.clock = clock;
        this.registry = registry;
        this.ticker = ticker;
        this.globalWindows = new GlobalRateLimiter(backend);
        ScheduledThreadPoolExecutor timerThread = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "amdahl-timer-" + name);
            t.setDaemon(true);
            return t;
        });
        timerThread.setRemoveOnCancelPolicy(true);   // most time limits are cancelled: do not keep them until due
        this.timer = timerThread;
    }

    /**
     * Schedules the job's soft and hard time limits from now; returns how to cancel them. The hard limit
     * asks the pool to end the job; if the pool cannot, the task runs on and the limit is only logged.
     */
    AutoCloseable armTimeLimits(ExecutionPool.Job job) {
        TaskMessage m = job.message();
        if (m.softTimeLimit() == null && m.hardTimeLimit() == null) {
            return null;
        }
        Instant startedAt = clock.instant();
        long start = System.nanoTime();
        List<ScheduledFuture<?>> timers = new ArrayList<>(2);
        try {
            if (m.softTimeLimit() != null) {
                timers.add(timer.schedule(() -> {
                    try (TaskMdc ignored = TaskMdc.of(m.id())) {
                        log.info("task {} reached its soft time limit of {}; interrupting it", m.id(), m.softTimeLimit());
                        pool.interrupt(job);
                    }
                }, m.softTimeLimit().toNanos(), TimeUnit.NANOSECONDS));
            }
            if (m.hardTimeLimit() != null) {
                timers.add(timer.schedule(() -> {
                    try (TaskMdc ignored = TaskMdc.of(m.id())) {
                        TaskError error = TaskError.of(ErrorType.TIME_LIMIT_EXCEEDED.typeName(), "task '" + m.task() + "' (id " + m.id()
                                + ") exceeded its hard time limit of " + m.hardTimeLimit() + " and was stopped");
                        Outcome failure = Outcome.failure(error, startedAt, clock.instant(), System.nanoTime() - start);
                        if (!pool.terminate(job, failure)) {
                            log.warn("task {} exceeded its hard time limit of {}, but this pool cannot stop it", m.id(), m.hardTimeLimit());
                        }
                    }
                }, m.hardTimeLimit().toNanos(), TimeUnit.NANOSECONDS));
            }
        } catch (RejectedExecutionException shuttingDown) {
            // the worker is closing: the pool's shutdown bounds the task instead
        }
        return () -> timers.forEach(t -> t.cancel(false));
    }

    /**
     * Whether this worker has code for the task named {@code task}, or cannot tell (no registry): when false its message
     * is given up, not run.
     */
    boolean knows(String task) {
        return registry == null || registry.find(task) != null;
    }

    /** The names of the tasks this worker has code for, for the message that says a task is not among them. */
    List<String> known() {
        return registry == null ? List.of() : registry.names();
    }

    /**
     * How long the task named {@code task} must wait for its rate limits, booking its turn: on this worker
     * (a token bucket), then across all workers (a window counter in the result backend).
     */
    long rateLimitWait(String task) {
        RegisteredTask<?, ?> t = registry == null ? null : registry.find(task);
        if (t == null) {
            return 0;
        }
        long wait = 0;
        RateLimit limit = t.defaults().rateLimit().map(RateLimit::parse).orElse(null);
        if (limit != null) {
            TokenBucket bucket = buckets.compute(task, (k, b) -> b != null && b.limit().equals(limit) ? b : new TokenBucket(limit, ticker));
            wait = bucket.reserve();
        }
        RateLimit global = t.defaults().globalRateLimit().map(RateLimit::parse).orElse(null);
        if (global != null) {
            wait = Math.max(wait, globalWindows.book(task, global, clock.millis() + wait / 1_000_000) * 1_000_000);
        }
        return wait;
    }

    /** Runs {@code action} after {@code nanos}; if the worker is closing, its message goes back with the rest held. */
    void later(long nanos, Runnable action) {
        try {
            timer.schedule(action, nanos, TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException closing) {
            log.debug("worker {} is closing; a rate-limited task goes back to the broker", name);
        }
    }

    /** Cancels every pending limit and rate-limit wait; the tasks waiting go back with the rest held. */
    void shutdown() {
        timer.shutdownNow();
    }
}
