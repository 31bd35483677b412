package dev.amdahl.internal.worker;

import dev.amdahl.Resources;
import dev.amdahl.internal.task.PlacementBoard;
import dev.amdahl.internal.task.RegisteredTask;
import dev.amdahl.internal.task.ResourceQueues;
import dev.amdahl.internal.task.TaskRegistry;
import dev.amdahl.spi.Broker;
import dev.amdahl.spi.WorkerHeartbeat;
import dev.amdahl.spi.WorkerRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps {@link Placement} told of the derived queues in use, and makes sure a task no live worker can place is never
 * stuck silently: every {@link #INTERVAL}, for each derived queue of this worker's base queues (its tasks' needs and
 * the placement board's), it asks whether any live worker's heartbeat offers the queue's needs. A queue with tasks
 * waiting and no such worker is listed in this worker's heartbeat ({@code amdahl status} shows it); once it has been so
 * for {@link dev.amdahl.WorkerOptions#unplaceableAfter()}, this worker takes its tasks and fails each with
 * {@link dev.amdahl.ErrorType#UNPLACEABLE}, naming what no worker offers.
 *
 * <p>It fails them through the consumer ({@link Placement#fail}): the worker polls the queue and stores each task's
 * FAILURE as it stores any outcome (within the prefetch, before the ack, errbacks and chords told), so no invariant of
 * the worker changes for them. A backend without a
 * {@link WorkerRegistry} tells no worker of the others: then nothing is failed, since a capable worker may exist.
 */
final class Unplaceables {

    private static final Logger log = LoggerFactory.getLogger(Unplaceables.class);
    static final Duration INTERVAL = Duration.ofSeconds(2);

    private final String name;
    private final List<String> bases;
    private final Duration wait;
    private final Placement placement;
    private final PlacementBoard board;
    private final WorkerRegistry registry;
    private final TaskRegistry tasks;
    private final Broker broker;
    private final Clock clock;
    private final ThrottledLog warnings = ThrottledLog.warnings(log);
    /** When each derived queue was first seen with tasks and no worker to serve it. */
    private final Map<String, Instant> since = new ConcurrentHashMap<>();
    private volatile List<WorkerHeartbeat.Unplaceable> current = List.of();

    Unplaceables(String name, List<String> bases, Duration wait, Placement placement, PlacementBoard board, WorkerRegistry registry,
                 TaskRegistry tasks, Broker broker, Clock clock) {
        this.name = name;
        this.bases = List.copyOf(bases);
        this.wait = wait;
        this.placement = placement;
        this.board = board;
        this.registry = registry;
        this.tasks = tasks;
        this.broker = broker;
        this.clock = clock;
        learnFromTasks();
    }

    void start(ScheduledExecutorService timer) {
        timer.scheduleWithFixedDelay(this::sweepLogged, INTERVAL.toMillis(), INTERVAL.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** The derived queues seen unplaceable at the last sweep, for the heartbeat. */
    List<WorkerHeartbeat.Unplaceable> current() {
        return current;
    }

    private void sweepLogged() {
        try {
            sweep();
        } catch (RuntimeException e) {
            warnings.log("sweep", "worker " + name + ": looking for derived queues and unplaceable tasks failed; trying again in "
                    + INTERVAL.toSeconds() + " s", e);
        }
    }

    /** One look: learn the derived queues, list those nobody can serve, fail the tasks of those waiting too long. */
    void sweep() {
        learnFromTasks();
        placement.learn(board.read(bases));
        if (registry == null) {
            return;
        }
        // what each live worker offers, by the base queues it consumes: a worker elsewhere serves none of ours
        Map<String, List<Resources>> offersByBase = new HashMap<>();
        for (String b : bases) {
            offersByBase.computeIfAbsent(b, k -> new ArrayList<>()).add(placement.capacity());
        }
        for (Map.Entry<String, byte[]> e : registry.heartbeats().entrySet()) {
            if (e.getKey().equals(name)) {
                continue;
            }
            try {
                WorkerHeartbeat h = WorkerHeartbeat.fromBytes(e.getValue());
                Resources offer = Resources.of(h.resources());
                for (String b : h.queues()) {
                    if (bases.contains(b)) {
                        offersByBase.get(b).add(offer);
                    }
                }
            } catch (IllegalArgumentException unreadable) {
                log.debug("worker {}: the heartbeat of {} is unreadable ({}); it offers nothing here", name, e.getKey(),
                        unreadable.getMessage());
            }
        }
        Instant now = clock.instant();
        List<WorkerHeartbeat.Unplaceable> seen = new ArrayList<>();
        Set<String> unplaceable = new HashSet<>();
        for (String q : placement.known()) {
            Resources needs = ResourceQueues.needsOf(q).orElseThrow();
            List<Resources> offers = offersByBase.getOrDefault(ResourceQueues.baseOf(q), List.of());
            if (offers.stream().anyMatch(needs::satisfiedBy)) {
                continue;
            }
            long ready = broker.depth(q);
            if (ready == 0) {
                continue;
            }
            unplaceable.add(q);
            Instant first = since.computeIfAbsent(q, k -> now);
            List<String> missing = closest(needs, offers);
            seen.add(new WorkerHeartbeat.Unplaceable(q, ready, missing, first, first.plus(wait)));
            if (!now.isBefore(first.plus(wait))) {
                if (placement.fail(q, why(q, missing))) {
                    log.warn("worker {}: failing the tasks of {}: {}", name, q, why(q, missing));
                }
            }
        }
        since.keySet().retainAll(unplaceable);
        placement.stopFailingAllBut(since.keySet());
        current = List.copyOf(seen);
    }

    /** What the live worker that lacks the least lacks of {@code needs}. */
    private static List<String> closest(Resources needs, List<Resources> offers) {
        List<String> best = null;
        for (Resources offer : offers) {
            List<String> missing = needs.missingFrom(offer);
            if (best == null || missing.size() < best.size()) {
                best = missing;
            }
        }
        return best == null ? needs.missingFrom(Resources.none()) : best;
    }

    /** Why the tasks of {@code queue} fail: what a caller of {@code get()} reads after the task's name and id. */
    private String why(String queue, List<String> missing) {
        return "no live worker offers " + String.join(", ", missing) + ", which queue " + queue + " needs; its tasks waited "
                + WorkerRuntime.written(wait) + " for one. Start a worker that offers them (amdahl worker --resources "
                + ResourceQueues.needsOf(queue).map(Resources::toString).orElse("") + "), or submit without those needs";
    }

    /** The derived queues of the tasks registered here: their needs on each base queue they may be submitted to. */
    private void learnFromTasks() {
        if (tasks == null) {
            return;
        }
        List<String> derived = new ArrayList<>();
        for (RegisteredTask<?, ?> t : tasks.all()) {
            Resources needs = t.defaults().resources().orElse(null);
            if (needs == null || needs.isEmpty()) {
                continue;
            }
            String own = t.defaults().queue().orElse(null);
            for (String b : bases) {
                if (own == null || own.equals(b)) {
                    derived.add(ResourceQueues.derived(b, needs));
                }
            }
        }
        placement.learn(derived);
    }
}
