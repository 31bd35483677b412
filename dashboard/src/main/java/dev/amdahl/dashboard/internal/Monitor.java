package dev.amdahl.dashboard.internal;

import dev.amdahl.WorkerOptions;
import dev.amdahl.spi.Broker;
import dev.amdahl.spi.ResultBackend;
import dev.amdahl.spi.WorkerHeartbeat;
import dev.amdahl.spi.WorkerHeartbeat.ActiveTask;
import dev.amdahl.spi.WorkerHeartbeat.FinishedTask;
import dev.amdahl.spi.WorkerHeartbeat.WorkflowStep;
import dev.amdahl.spi.WorkerRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the dashboard knows of a deployment, built by polling: the workers' heartbeats, the queues' depths and dead
 * letters. A heartbeat carries only counts and the last few dozen finished tasks, so the history (the charts, the
 * tasks seen, their timelines, the groups) is what this monitor has accumulated since it started, bounded.
 *
 * <p>Invariants: every collection here is bounded ({@link #SAMPLES} samples, {@link #TRAILS} task trails,
 * {@link #GROUPS} groups, {@link #EVENTS} events); all state is guarded by {@code this}; a poll that fails (the broker
 * is down) records the error and changes nothing else, so the page says so instead of showing zeros.
 */
public final class Monitor {

    private static final Logger log = LoggerFactory.getLogger(Monitor.class);

    static final int SAMPLES = 600;
    static final int TRAILS = 10_000;
    static final int GROUPS = 200;
    static final int EVENTS = 500;
    static final int DEAD_LETTER_SCAN = 1000;

    /** One poll's figures: what the overview's charts draw. */
    public record Sample(Instant at, long processed, long failed, int running, double meanMillis, double maxMillis,
                         long ready) {
    }

    /** A queue as last polled. */
    public record QueueView(String name, long ready, int deadLetters, double readyPerSecond, long processed, int consumers) {
    }

    /** A moment of a task's life, as seen. */
    public record TrailEvent(String state, Instant at, String worker, String reason) {
    }

    /** What this monitor saw of one task. */
    public static final class Trail {
        final String taskId;
        String taskName;
        String queue;
        String groupId;
        String args;
        int retries;
        List<WorkflowStep> steps = List.of();
        final List<TrailEvent> events = new ArrayList<>();

        Trail(String taskId) {
            this.taskId = taskId;
        }

        public synchronized Map<String, Object> view() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("taskId", taskId);
            m.put("taskName", taskName);
            m.put("queue", queue);
            m.put("groupId", groupId);
            m.put("args", args);
            m.put("retries", retries);
            m.put("events", List.copyOf(events));
            m.put("steps", steps);
            return m;
        }

        String lastState() {
            return events.isEmpty() ? null : events.get(events.size() - 1).state();
        }

        Instant lastAt() {
            return events.isEmpty() ? Instant.EPOCH : events.get(events.size() - 1).at();
        }
    }

    /** A member of a group that finished, for the scaling view. */
    record Member(String worker, Instant start, Instant end, double seconds) {
    }

    private final Broker broker;
    private final ResultBackend backend;
    private final Clock clock;
    private final List<String> configuredQueues;
    private final Consumer<Map<String, Object>> events;

    private final ArrayDeque<Sample> samples = new ArrayDeque<>();
    private final LinkedHashMap<String, Trail> trails = new LinkedHashMap<>(16, 0.75f, false);
    private final LinkedHashMap<String, Map<String, Member>> groups = new LinkedHashMap<>();
    private final ArrayDeque<Map<String, Object>> recentEvents = new ArrayDeque<>();
    private final Set<String> seenFinished = new HashSet<>();
    private final ArrayDeque<String> seenOrder = new ArrayDeque<>();
    private final Map<String, Integer> concurrency = new LinkedHashMap<>();
    private Map<String, WorkerHeartbeat> workers = Map.of();
    private Map<String, QueueView> queues = Map.of();
    private Map<String, Long> lastReady = Map.of();
    private Instant lastPoll;
    private String pollError;
    private boolean registryMissing;

    public Monitor(Broker broker, ResultBackend backend, Clock clock, List<String> queues, Consumer<Map<String, Object>> events) {
        this.broker = broker;
        this.backend = backend;
        this.clock = clock;
        this.configuredQueues = List.copyOf(queues);
        this.events = events;
    }

    /** Polls once: heartbeats, then every queue's depth and dead letters. */
    public void poll() {
        Instant now = clock.instant();
        Map<String, WorkerHeartbeat> beats = new HashMap<>();
        Optional<WorkerRegistry> registry = backend.capability(WorkerRegistry.class);
        Map<String, Long> ready = new HashMap<>();
        Map<String, Integer> dead = new HashMap<>();
        List<String> queueNames;
        try {
            if (registry.isPresent()) {
                for (Map.Entry<String, byte[]> e : registry.get().heartbeats().entrySet()) {
                    try {
                        beats.put(e.getKey(), WorkerHeartbeat.fromBytes(e.getValue()));
                    } catch (IllegalArgumentException bad) {
                        log.warn("worker {}: its heartbeat is unreadable ({}); skipped", e.getKey(), bad.getMessage());
                    }
                }
            }
            queueNames = queueNames(beats.values());
            for (String q : queueNames) {
                ready.put(q, broker.depth(q));
                dead.put(q, broker.deadLetters(q, DEAD_LETTER_SCAN).size());
            }
        } catch (RuntimeException e) {
            synchronized (this) {
                pollError = e.getClass().getSimpleName() + ": " + e.getMessage();
            }
            log.warn("dashboard poll failed: {}", e.toString());
            return;
        }
        List<Map<String, Object>> fresh = new ArrayList<>();
        synchronized (this) {
            pollError = null;
            registryMissing = registry.isEmpty();
            double seconds = lastPoll == null ? 1 : Math.max(0.001, Duration.between(lastPoll, now).toNanos() / 1e9);
            long processed = 0;
            long failed = 0;
            for (WorkerHeartbeat w : beats.values()) {
                concurrency.remove(w.name());
                concurrency.put(w.name(), Math.max(1, w.concurrency()));
                while (concurrency.size() > 1000) {
                    concurrency.remove(concurrency.keySet().iterator().next());
                }
                WorkerHeartbeat before = workers.get(w.name());
                if (before == null) {
                    fresh.add(event("worker-online", now, w.name(), null, null, null));
                } else {
                    processed += Math.max(0, w.processed() - before.processed());
                    failed += Math.max(0, w.failed() - before.failed());
                }
            }
            for (String gone : workers.keySet()) {
                if (!beats.containsKey(gone)) {
                    fresh.add(event("worker-offline", now, gone, null, null, null));
                }
            }
            double sumMillis = 0;
            double maxMillis = 0;
            int timed = 0;
            Map<String, Long> processedByQueue = new HashMap<>();
            int running = 0;
            for (WorkerHeartbeat w : beats.values()) {
                running += w.active().size();
                for (ActiveTask a : w.active()) {
                    Trail t = trail(a.taskId());
                    synchronized (t) {
                        t.taskName = a.taskName();
                        t.queue = a.queue();
                        if (!"STARTED".equals(t.lastState()) || !t.lastAt().equals(a.startedAt())) {
                            if (t.events.stream().noneMatch(e -> e.state().equals("STARTED") && e.at().equals(a.startedAt()))) {
                                t.events.add(new TrailEvent("STARTED", a.startedAt(), w.name(), null));
                                fresh.add(event("task-started", a.startedAt(), w.name(), a.taskId(), a.taskName(), null));
                            }
                        }
                    }
                }
                for (FinishedTask f : w.recent()) {
                    String key = f.taskId() + "|" + f.outcome() + "|" + f.finishedAt();
                    if (!seenFinished.add(key)) {
                        continue;
                    }
                    seenOrder.addLast(key);
                    while (seenOrder.size() > TRAILS * 2) {
                        seenFinished.remove(seenOrder.removeFirst());
                    }
                    boolean counted = before(w) != null;
                    double ms = f.runtime() == null ? 0 : f.runtime().toNanos() / 1e6;
                    if (counted && !"REQUEUED".equals(f.outcome())) {
                        sumMillis += ms;
                        maxMillis = Math.max(maxMillis, ms);
                        timed++;
                        processedByQueue.merge(f.queue(), 1L, Long::sum);
                    }
                    record(w, f);
                    fresh.add(event("task-" + f.outcome().toLowerCase(java.util.Locale.ROOT), f.finishedAt(), w.name(),
                            f.taskId(), f.taskName(), f.reason()));
                }
            }
            long totalReady = ready.values().stream().mapToLong(Long::longValue).sum();
            samples.addLast(new Sample(now, processed, failed, running, timed == 0 ? 0 : sumMillis / timed, maxMillis, totalReady));
            while (samples.size() > SAMPLES) {
                samples.removeFirst();
            }
            Map<String, QueueView> qs = new LinkedHashMap<>();
            for (String q : queueNames) {
                long r = ready.get(q);
                Long previous = lastReady.get(q);
                int consumers = (int) beats.values().stream().filter(w -> w.queues().contains(q)).count();
                QueueView old = queues.get(q);
                long done = (old == null ? 0 : old.processed()) + processedByQueue.getOrDefault(q, 0L);
                qs.put(q, new QueueView(q, r, dead.get(q), previous == null ? 0 : (r - previous) / seconds, done, consumers));
            }
            queues = qs;
            lastReady = ready;
            workers = beats;
            lastPoll = now;
            for (Map<String, Object> e : fresh) {
                recentEvents.addLast(e);
                while (recentEvents.size() > EVENTS) {
                    recentEvents.removeFirst();
                }
            }
        }
        fresh.forEach(events);
    }

    private WorkerHeartbeat before(WorkerHeartbeat w) {
        // finished tasks of a worker seen for the first time were finished before this dashboard looked: they go to
        // the task list, not into the throughput of this second
        return lastPoll == null ? null : w;
    }

    private void record(WorkerHeartbeat w, FinishedTask f) {
        Trail t = trail(f.taskId());
        synchronized (t) {
            t.taskName = f.taskName();
            t.queue = f.queue();
            if (f.groupId() != null) {
                t.groupId = f.groupId();
            }
            if (f.args() != null) {
                t.args = f.args();
            }
            t.retries = Math.max(t.retries, f.retries());
            if (!f.steps().isEmpty()) {
                t.steps = f.steps();
            }
            Instant started = f.runtime() == null ? f.finishedAt() : f.finishedAt().minus(f.runtime());
            if (t.events.stream().noneMatch(e -> e.state().equals("STARTED") && !e.at().isAfter(f.finishedAt())
                    && !e.at().isBefore(started.minusSeconds(1)))) {
                t.events.add(new TrailEvent("STARTED", started, w.name(), null));
            }
            t.events.add(new TrailEvent(f.outcome(), f.finishedAt(), w.name(), f.reason()));
            t.events.sort(java.util.Comparator.comparing(TrailEvent::at));
        }
        if (f.groupId() != null && "SUCCESS".equals(f.outcome()) && f.runtime() != null) {
            Map<String, Member> members = groups.computeIfAbsent(f.groupId(), g -> new LinkedHashMap<>());
            members.put(f.taskId(), new Member(w.name(), f.finishedAt().minus(f.runtime()), f.finishedAt(),
                    f.runtime().toNanos() / 1e9));
            while (groups.size() > GROUPS) {
                groups.remove(groups.keySet().iterator().next());
            }
        }
    }

    private Trail trail(String id) {
        Trail t = trails.get(id);
        if (t == null) {
            t = new Trail(id);
            trails.put(id, t);
            while (trails.size() > TRAILS) {
                trails.remove(trails.keySet().iterator().next());
            }
        }
        return t;
    }

    private List<String> queueNames(java.util.Collection<WorkerHeartbeat> beats) {
        Set<String> names = new LinkedHashSet<>();
        names.add(WorkerOptions.DEFAULT_QUEUE);
        names.addAll(configuredQueues);
        beats.forEach(w -> names.addAll(w.queues()));
        synchronized (this) {
            names.addAll(queues.keySet());
        }
        return new ArrayList<>(names);
    }

    private static Map<String, Object> event(String type, Instant at, String worker, String taskId, String taskName, String reason) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("type", type);
        m.put("at", at);
        m.put("worker", worker);
        m.put("taskId", taskId);
        m.put("taskName", taskName);
        m.put("reason", reason);
        return m;
    }

    public synchronized List<WorkerHeartbeat> workers() {
        List<WorkerHeartbeat> list = new ArrayList<>(workers.values());
        list.sort(java.util.Comparator.comparing(WorkerHeartbeat::name));
        return list;
    }

    public synchronized List<QueueView> queues() {
        return List.copyOf(queues.values());
    }

    public synchronized List<Sample> samples() {
        return List.copyOf(samples);
    }

    public synchronized List<Map<String, Object>> recentEvents() {
        return List.copyOf(recentEvents);
    }

    public synchronized String pollError() {
        return pollError;
    }

    public synchronized boolean registryMissing() {
        return registryMissing;
    }

    public synchronized Optional<Trail> trailOf(String id) {
        return Optional.ofNullable(trails.get(id));
    }

    /** The trails seen, newest first, matching a task name or id fragment and a state (each may be blank). */
    public synchronized List<Trail> search(String text, String state, int max) {
        List<Trail> all = new ArrayList<>(trails.values());
        List<Trail> out = new ArrayList<>();
        for (int i = all.size() - 1; i >= 0 && out.size() < max; i--) {
            Trail t = all.get(i);
            synchronized (t) {
                boolean textOk = text == null || text.isBlank() || t.taskId.contains(text)
                        || (t.taskName != null && t.taskName.contains(text));
                boolean stateOk = state == null || state.isBlank() || state.equalsIgnoreCase(t.lastState());
                if (textOk && stateOk) {
                    out.add(t);
                }
            }
        }
        return out;
    }

    /** Every workflow step the trails plan, by the step's id. */
    public synchronized Map<String, WorkflowStep> plannedSteps() {
        Map<String, WorkflowStep> steps = new LinkedHashMap<>();
        for (Trail t : trails.values()) {
            synchronized (t) {
                t.steps.forEach(s -> steps.putIfAbsent(s.taskId(), s));
            }
        }
        return steps;
    }

    /** The trails of tasks that plan steps after them and follow no planned step themselves: workflows' first steps. */
    public synchronized List<Trail> workflowRoots(int max) {
        Map<String, WorkflowStep> planned = plannedSteps();
        Set<String> chordMembers = new HashSet<>();
        planned.values().forEach(s -> chordMembers.addAll(s.members()));
        List<Trail> all = new ArrayList<>(trails.values());
        List<Trail> out = new ArrayList<>();
        for (int i = all.size() - 1; i >= 0 && out.size() < max; i--) {
            Trail t = all.get(i);
            synchronized (t) {
                if (!t.steps.isEmpty() && !planned.containsKey(t.taskId)
                        && (!chordMembers.contains(t.taskId) || t.groupId == null || firstOfGroup(t))) {
                    out.add(t);
                }
            }
        }
        return out;
    }

    private boolean firstOfGroup(Trail t) {
        // a chord's header has no step before it: show it once, under the member seen first
        for (Trail other : trails.values()) {
            if (t.groupId.equals(other.groupId)) {
                return other == t;
            }
        }
        return true;
    }

    /** The members seen of each recent group, newest group first. */
    synchronized List<Map.Entry<String, List<Member>>> groups() {
        List<Map.Entry<String, List<Member>>> out = new ArrayList<>();
        groups.forEach((id, members) -> out.add(Map.entry(id, List.copyOf(members.values()))));
        java.util.Collections.reverse(out);
        return out;
    }

    synchronized Map<String, Integer> concurrencyByWorker() {
        return new HashMap<>(concurrency);
    }
}
