package dev.amdahl.internal.worker;

import dev.amdahl.Resources;
import dev.amdahl.WorkerOptions;
import dev.amdahl.spi.WorkerHeartbeat;
import dev.amdahl.spi.WorkerRegistry;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.Locale;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.IntSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Puts the worker's heartbeat in the backend's {@link WorkerRegistry} every {@link #INTERVAL}, with a time to live
 * of {@link #TTL}, and removes it on a clean stop; a worker that dies leaves a heartbeat that expires. On a backend
 * without the registry the worker runs unlisted.
 */
final class Heartbeats {

    private static final Logger log = LoggerFactory.getLogger(Heartbeats.class);

    /** How often a heartbeat is sent. */
    static final Duration INTERVAL = Duration.ofSeconds(2);
    /** The time a heartbeat's rates cover ({@link WorkerHeartbeat#processedInWindow}). */
    static final Duration RATE_WINDOW = Duration.ofMinutes(1);
    /** How long one is kept: three intervals, so one late or lost put does not make a live worker vanish. */
    static final Duration TTL = INTERVAL.multipliedBy(3);

    private final WorkerRegistry registry;
    private final String name;
    private final WorkerOptions options;
    private final WorkerActivity activity;
    private final IntSupplier held;
    private final Supplier<List<String>> tasks;
    private final Supplier<List<String>> schedules;
    /** What the worker offers, and the derived queues it sees nobody can serve. */
    private final Resources resources;
    private final Supplier<List<WorkerHeartbeat.Unplaceable>> unplaceable;
    private final String host = hostName();
    private final long pid = ProcessHandle.current().pid();
    private final Instant startedAt;
    private final ThrottledLog warnings = ThrottledLog.warnings(log);
    private volatile boolean stopped;
    /** A minute of readings, oldest first, one per heartbeat: the rates need no history kept elsewhere. */
    private final ArrayDeque<Sample> samples = new ArrayDeque<>();

    /** @param registry the backend's registry, {@code null} when it has none */
    Heartbeats(WorkerRegistry registry, String name, WorkerOptions options, WorkerActivity activity, IntSupplier held,
               Supplier<List<String>> tasks, Supplier<List<String>> schedules, Resources resources,
               Supplier<List<WorkerHeartbeat.Unplaceable>> unplaceable) {
        this.resources = resources;
        this.unplaceable = unplaceable;
        this.registry = registry;
        this.name = name;
        this.options = options;
        this.activity = activity;
        this.held = held;
        this.tasks = tasks;
        this.schedules = schedules;
        this.startedAt = activity.now();
    }

    void start(ScheduledExecutorService timer) {
        if (registry == null) {
            log.debug("worker {}: the result backend keeps no worker registry; this worker is not listed", name);
            return;
        }
        timer.scheduleWithFixedDelay(this::beat, 0, INTERVAL.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** The heartbeat as it is now. */
    WorkerHeartbeat current() {
        Instant now = activity.now();
        Map<String, Long> counts = activity.processedByQueue();
        // the oldest reading within the window: its counts are what the worker had finished a minute ago
        Sample since;
        synchronized (samples) {
            samples.addLast(new Sample(now, counts));
            while (samples.size() > 1 && Duration.between(samples.peekFirst().at(), now).compareTo(RATE_WINDOW) > 0) {
                samples.removeFirst();
            }
            since = samples.peekFirst().at().equals(now) ? new Sample(startedAt, Map.of()) : samples.peekFirst();
        }
        Map<String, Long> inWindow = new TreeMap<>();
        counts.forEach((q, n) -> inWindow.put(q, n - since.counts().getOrDefault(q, 0L)));
        return new WorkerHeartbeat(name, host, pid, options.pool().name().toLowerCase(Locale.ROOT), options.concurrency(),
                options.queues(), tasks.get(), schedules.get(), activity.active(), held.getAsInt(), activity.processed(),
                activity.failed(), ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage(), startedAt,
                now, INTERVAL, activity.recent(), inWindow, Duration.between(since.at(), now), resources.asMap(), unplaceable.get());
    }

    /** The processed counts by queue at one heartbeat. */
    private record Sample(Instant at, Map<String, Long> counts) {
    }

    private synchronized void beat() {
        if (stopped) {
            return;
        }
        try {
            registry.putHeartbeat(name, current().toBytes(), TTL);
        } catch (RuntimeException e) {
            warnings.log("heartbeat", "worker " + name + ": its heartbeat could not be stored; it may be listed as gone"
                    + " until the backend answers again", e);
        }
    }

    /** Removes the heartbeat, once the worker has stopped taking tasks: it is gone, not merely late. */
    synchronized void stop() {
        stopped = true;
        if (registry == null) {
            return;
        }
        try {
            registry.removeHeartbeat(name);
        } catch (RuntimeException e) {
            log.debug("worker {}: its heartbeat could not be removed; it expires in {} s", name, TTL.toSeconds(), e);
        }
    }

    private static String hostName() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (Exception e) {
            return "localhost";
        }
    }
}
