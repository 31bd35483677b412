package dev.amdahl.internal.beat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.amdahl.MissedTicks;
import dev.amdahl.Schedule;
import dev.amdahl.Scheduler;
import dev.amdahl.SchedulerOptions;
import dev.amdahl.Signature;
import dev.amdahl.TaskFuture;
import dev.amdahl.TaskState;
import dev.amdahl.internal.json.Json;
import dev.amdahl.internal.task.BackendKeys;
import dev.amdahl.internal.task.ProcessTag;
import dev.amdahl.internal.task.TaskMdc;
import dev.amdahl.spi.Claims;
import dev.amdahl.spi.ResultBackend;
import dev.amdahl.spi.TaskRecord;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The scheduler: fires the application's periodic tasks when their ticks come due.
 *
 * <h2>How a tick fires exactly once</h2>
 * Every scheduler computes the same ticks (instants, see {@link Schedule}). For each due tick it
 * <ol>
 *   <li>claims {@code beat:<name>:<epoch second>} in the result backend; a lost claim means another
 *       scheduler fires it, and this one moves on;</li>
 *   <li>records the tick as the entry's last fired one (record {@code beat:<name>}), unless a later one is
 *       recorded already;</li>
 *   <li>submits the signature.</li>
 * </ol>
 * In that order, a last-fired record never names a tick that was not claimed, and a scheduler dying in
 * between loses the tick rather than firing it twice.
 *
 * <h2>Cursors</h2>
 * Per entry, {@code cursors} holds the instant up to which this scheduler has dealt with ticks. A new
 * entry starts at now ({@link MissedTicks#SKIP}) or at the recorded last tick (the catch-up policies).
 * When something is due, the recorded last tick is read again and the cursor moved up to it, so that a
 * scheduler that was paused does not retry what others fired meanwhile. Claims outlive that window.
 *
 * <h2>Threads</h2>
 * {@link #tick()} is synchronized: the background thread and callers of {@code tick} never fire at the
 * same time, and {@code cursors} is guarded by this object's monitor. The background thread sleeps on
 * {@code wake} until the earliest next tick (at most {@link #MAX_SLEEP}, so new entries and clock jumps
 * are seen), or until {@link #close()} signals it.
 */
public final class Beat implements Scheduler {

    private static final Logger log = LoggerFactory.getLogger(Beat.class);
    private static final Duration MAX_SLEEP = Duration.ofSeconds(1);
    /** How long a tick's claim lives: far longer than clock skew or a paused scheduler's lag. */
    static final Duration CLAIM_TTL = Duration.ofDays(1);
    /** At most this many ticks fired per entry per {@link #tick()}, so a catch-up cannot stall the others. */
    private static final int MAX_TICKS_AT_ONCE = 1_000;
    static final String MARKER_TASK = "amdahl.beat";

    private final String name;
    private final Supplier<Collection<PeriodicTask>> entries;
    private final ResultBackend backend;
    private final Claims claims;
    private final Clock clock;
    private final Runnable onClosed;
    private final Map<String, Cursor> cursors = new HashMap<>();
    private final ReentrantLock sleepLock = new ReentrantLock();
    private final Condition wake = sleepLock.newCondition();
    private volatile boolean closed;
    private final Thread thread;

    /** One periodic task: its name, schedule and what it submits. */
    public record PeriodicTask(String name, Schedule schedule, Signature<?> signature) {
    }

    private static final class Cursor {
        final Schedule schedule;
        Instant doneUpTo;

        Cursor(Schedule schedule, Instant doneUpTo) {
            this.schedule = schedule;
            this.doneUpTo = doneUpTo;
        }
    }

    public Beat(SchedulerOptions options, Supplier<Collection<PeriodicTask>> entries, ResultBackend backend, Claims claims,
                Clock clock, Runnable onClosed) {
        this.name = options.name() != null ? options.name() : defaultName();
        this.entries = entries;
        this.backend = backend;
        this.claims = claims;
        this.clock = clock;
        this.onClosed = onClosed;
        this.thread = options.background() ? new Thread(this::run, "amdahl-beat-" + name) : null;
        if (thread != null) {
            thread.setDaemon(true);
        }
    }

    public void start() {
        synchronized (this) {
            Instant now = clock.instant();
            for (PeriodicTask e : entries.get()) {
                cursor(e, now);
            }
        }
        log.info("scheduler {} started with {} periodic task(s)", name, entries.get().size());
        if (thread != null) {
            thread.start();
        }
    }

    static String defaultName() {
        return "beat-" + ProcessTag.current();
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public synchronized int tick() {
        if (closed) {
            return 0;
        }
        Instant now = clock.instant();
        int fired = 0;
        for (PeriodicTask e : entries.get()) {
            try (TaskMdc ignored = TaskMdc.schedule(e.name())) {
                try {
                    fired += tick(e, now);
                } catch (RuntimeException ex) {
                    log.warn("scheduler {}: periodic task '{}' could not be checked ({}); trying again shortly", name, e.name(), ex.toString());
                }
            }
        }
        return fired;
    }

    /** Guarded by this. */
    private Cursor cursor(PeriodicTask e, Instant now) {
        Cursor c = cursors.get(e.name());
        if (c == null || !c.schedule.equals(e.schedule())) {
            Instant from = now;
            if (e.schedule().missedTicks() != MissedTicks.SKIP) {
                from = lastFired(e.name()).filter(last -> last.isBefore(now)).orElse(now);
            }
            c = new Cursor(e.schedule(), from);
            cursors.put(e.name(), c);
        }
        return c;
    }

    /** Guarded by this. */
    private int tick(PeriodicTask e, Instant now) {
        Cursor c = cursor(e, now);
        Schedule schedule = e.schedule();
        if (schedule.nextAfter(c.doneUpTo).isAfter(now)) {
            return 0;
        }
        // something is due: start after whatever another scheduler fired meanwhile
        Optional<Instant> last = lastFired(e.name());
        if (last.isPresent() && last.get().isAfter(c.doneUpTo)) {
            c.doneUpTo = last.get().isAfter(now) ? now : last.get();
        }
        List<Instant> due = new ArrayList<>();
        Instant handledUpTo = now;
        if (schedule.missedTicks() == MissedTicks.FIRE_ALL) {
            for (Instant t = schedule.nextAfter(c.doneUpTo); !t.isAfter(now); t = schedule.nextAfter(t)) {
                if (due.size() == MAX_TICKS_AT_ONCE) {
                    handledUpTo = due.get(due.size() - 1);
                    break;
                }
                due.add(t);
            }
        } else {
            Instant latest = schedule.latestBetween(c.doneUpTo.plusNanos(1), now);
            if (latest != null) {
                Instant first = schedule.nextAfter(c.doneUpTo);
                if (first.isBefore(latest)) {
                    log.info("scheduler {}: periodic task '{}' missed the ticks from {} to before {}; firing only {}",
                            name, e.name(), first, latest, latest);
                }
                due.add(latest);
            }
        }
        int fired = 0;
        for (Instant t : due) {
            if (fire(e, t)) {
                fired++;
            }
        }
        c.doneUpTo = handledUpTo;
        return fired;
    }

    /** Claims tick {@code t}; if won, records it and submits. Returns whether this scheduler fired it. */
    private boolean fire(PeriodicTask e, Instant t) {
        if (!claims.claim(BackendKeys.beatTick(e.name(), t.getEpochSecond()), CLAIM_TTL)) {
            log.debug("scheduler {}: tick {} of '{}' was fired by another scheduler", name, t, e.name());
            return false;
        }
        try {
            Optional<Instant> last = lastFired(e.name());
            if (last.isEmpty() || last.get().isBefore(t)) {
                // the one store outside the task state machine: "beat:NAME" is no task but this scheduler's memory of
                // its last tick, kept in a record because the SPI has no plain key/value put; it is overwritten on
                // purpose (SUCCESS to SUCCESS), and no worker, future or continuation reads it as a task
                backend.store(new TaskRecord(BackendKeys.beatLastFired(e.name()), MARKER_TASK, TaskState.SUCCESS,
                        "{\"tick\":" + t.getEpochSecond() + "}", null, 0, name, t, clock.instant(), 0));
            }
        } catch (RuntimeException ex) {
            log.warn("scheduler {}: could not record tick {} of '{}' as fired ({}); firing it anyway", name, t, e.name(), ex.toString());
        }
        try {
            TaskFuture<?> f = e.signature().submit();
            try (TaskMdc ignored = TaskMdc.of(f.id())) {
                log.info("scheduler {}: periodic task '{}' fired its tick {} as task {}", name, e.name(), t, f.id());
            }
            return true;
        } catch (RuntimeException ex) {
            log.error("scheduler {}: periodic task '{}' could not be submitted for its tick {}; that tick is lost", name, e.name(), t, ex);
            return false;
        }
    }

    /** The last tick recorded as fired, by any scheduler. */
    private Optional<Instant> lastFired(String entry) {
        return backend.get(BackendKeys.beatLastFired(entry)).map(r -> {
            try {
                JsonNode tick = Json.mapper().readTree(r.result()).get("tick");
                return tick != null && tick.canConvertToLong() ? Instant.ofEpochSecond(tick.asLong()) : null;
            } catch (Exception bad) {
                log.warn("the last-fired record of periodic task '{}' is unreadable ({}); ignoring it", entry, bad.toString());
                return null;
            }
        });
    }

    private void run() {
        while (!closed) {
            tick();
            long sleepNanos = MAX_SLEEP.toNanos();
            synchronized (this) {
                Instant now = clock.instant();
                for (PeriodicTask e : entries.get()) {
                    Cursor c = cursors.get(e.name());
                    if (c != null) {
                        Instant next = c.schedule.nextAfter(c.doneUpTo);
                        sleepNanos = Math.min(sleepNanos, Math.max(1_000_000, Duration.between(now, next).toNanos()));
                    }
                }
            }
            sleepLock.lock();
            try {
                if (!closed) {
                    wake.awaitNanos(sleepNanos);
                }
            } catch (InterruptedException e) {
                return;
            } finally {
                sleepLock.unlock();
            }
        }
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        sleepLock.lock();
        try {
            wake.signalAll();
        } finally {
            sleepLock.unlock();
        }
        if (thread != null && thread != Thread.currentThread()) {
            try {
                thread.join(TimeUnit.SECONDS.toMillis(10));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        onClosed.run();
        log.info("scheduler {} stopped", name);
    }

    @Override
    public String toString() {
        return "Scheduler[" + name + "]";
    }
}
