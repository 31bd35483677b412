package dev.amdahl.internal.worker;

import dev.amdahl.Resources;
import dev.amdahl.internal.task.ResourceQueues;
import dev.amdahl.spi.Delivery;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Which derived queues this worker consumes, and how many of their tasks run at once: a per-resource permit count
 * beside the pool's slots, so {@code gpu=1} on a worker offering {@code gpu=1} runs one at a time while tasks without
 * needs use the other slots.
 *
 * <h2>Invariants</h2>
 * <ul>
 *   <li><b>Capacity is never exceeded.</b> For every quantity the worker offers, the needs of the deliveries granted
 *       (handed to the pool and not yet finished) add up to at most what it offers. A task is granted all of its needs
 *       or none, under this object's lock.</li>
 *   <li><b>Each grant is released once</b>: {@link #release} removes the delivery's grant, so a second call (a run that
 *       ended twice, a lease lost after it finished) frees nothing more.</li>
 *   <li><b>A task that does not fit now waits, held</b> (its lease renewed by the settlement), and starts when a
 *       release makes room: the waiting are scanned in arrival order, and one that still does not fit does not block a
 *       smaller one behind it.</li>
 *   <li><b>What it cannot start, it does not take.</b> A derived queue is polled only while its needs fit in what is
 *       free now, so an idle worker elsewhere gets those tasks. (A poll may still bring more than fit; they wait.)</li>
 * </ul>
 */
final class Placement {

    private final Resources capacity;
    private final List<String> bases;
    /** The poll of the base queues alone, made once: the consumer asks before every poll. */
    private final Poll basesOnly;
    /** The derived queues of this worker's base queues that it knows of: its tasks' needs and the placement board. */
    private final Set<String> known = ConcurrentHashMap.newKeySet();
    /** Guarded by this: the quantities granted now, by resource. */
    private final Map<String, Long> inUse = new HashMap<>();
    /** Guarded by this: what each granted delivery holds. */
    private final Map<Delivery, Resources> granted = new HashMap<>();
    /** The derived queues whose tasks fail as unplaceable, with why: polled even when this worker cannot serve them. */
    private final Map<String, String> failing = new ConcurrentHashMap<>();
    /** Guarded by this: tasks waiting for room, in arrival order. */
    private final ArrayDeque<Waiting> waiting = new ArrayDeque<>();

    private record Waiting(Delivery delivery, Resources needs, Runnable start) {
    }

    Placement(Resources capacity, List<String> bases) {
        this.capacity = capacity;
        this.bases = List.copyOf(bases);
        this.basesOnly = new Poll(this.bases, false);
    }

    Resources capacity() {
        return capacity;
    }

    /** Adds the derived queues of {@code queues} whose base this worker consumes. */
    void learn(Collection<String> queues) {
        for (String q : queues) {
            if (q.indexOf('@') > 0 && bases.contains(ResourceQueues.baseOf(q)) && ResourceQueues.needsOf(q).isPresent()) {
                known.add(q);
            }
        }
    }

    /** The derived queues this worker knows of, servable or not. */
    Set<String> known() {
        return Set.copyOf(known);
    }

    /** The derived queues whose needs this worker offers. */
    List<String> servable() {
        List<String> queues = new ArrayList<>();
        for (String q : known) {
            if (ResourceQueues.needsOf(q).map(n -> n.satisfiedBy(capacity)).orElse(false)) {
                queues.add(q);
            }
        }
        return queues;
    }

    /**
     * Makes the tasks of {@code queue} fail, with {@code why}, as the consumer takes them; returns whether it was not
     * failing them already.
     */
    boolean fail(String queue, String why) {
        return failing.put(queue, why) == null;
    }

    /** Stops failing the queues not in {@code stillUnplaceable}: a worker that serves them appeared, or they emptied. */
    void stopFailingAllBut(Set<String> stillUnplaceable) {
        failing.keySet().retainAll(stillUnplaceable);
    }

    /** Why a task from {@code queue} fails unrun, or {@code null} when it does not. */
    String failing(String queue) {
        return failing.isEmpty() ? null : failing.get(queue);
    }

    /**
     * What to poll now: the base queues, each servable derived queue with room for one more of its tasks, and the
     * queues whose tasks fail as unplaceable.
     */
    Poll queues() {
        if (known.isEmpty()) {
            return basesOnly;
        }
        Set<String> queues = new LinkedHashSet<>(bases);
        queues.addAll(failing.keySet());
        boolean full = false;
        synchronized (this) {
            for (String q : servable()) {
                if (fits(ResourceQueues.needsOf(q).orElseThrow())) {
                    queues.add(q);
                } else {
                    full = true;
                }
            }
        }
        return new Poll(List.copyOf(queues), full);
    }

    /**
     * What one poll asks for.
     *
     * @param queues the queues to take from
     * @param brief  whether a servable queue was left out for want of room: the poll should not wait long, so that
     *               the queue is asked again soon after a release makes room (a poll cannot be woken early)
     */
    record Poll(List<String> queues, boolean brief) {
    }

    /**
     * Starts {@code start} now when {@code d} came from a base queue or its needs fit; later, on the release that makes
     * room, when they do not. Returns false, starting nothing, for needs this worker does not offer at all: the caller
     * gives the message back for a worker that does.
     */
    boolean run(Delivery d, Runnable start) {
        Resources needs = ResourceQueues.needsOf(d.queue()).orElse(null);
        if (needs == null) {
            start.run();
            return true;
        }
        if (!needs.satisfiedBy(capacity)) {
            return false;
        }
        synchronized (this) {
            if (!fits(needs)) {
                waiting.addLast(new Waiting(d, needs, start));
                return true;
            }
            grant(d, needs);
        }
        start.run();
        return true;
    }

    /** Frees what {@code d} was granted and starts the waiting tasks that fit now. Nothing for a delivery without a grant. */
    void release(Delivery d) {
        List<Runnable> starts = new ArrayList<>();
        synchronized (this) {
            Resources needs = granted.remove(d);
            if (needs == null) {
                return;
            }
            for (String name : needs.quantities()) {
                inUse.merge(name, -needs.quantity(name).orElse(0), Long::sum);
            }
            for (Iterator<Waiting> it = waiting.iterator(); it.hasNext(); ) {
                Waiting w = it.next();
                if (fits(w.needs())) {
                    it.remove();
                    grant(w.delivery(), w.needs());
                    starts.add(w.start());
                }
            }
        }
        starts.forEach(Runnable::run);
    }

    /** Forgets the tasks still waiting (the worker closes: the settlement gives their messages back). */
    synchronized void clearWaiting() {
        waiting.clear();
    }

    /** What is granted now of {@code resource}, for tests and the heartbeat. */
    synchronized long inUse(String resource) {
        return inUse.getOrDefault(resource, 0L);
    }

    private boolean fits(Resources needs) {
        for (String name : needs.quantities()) {
            long need = needs.quantity(name).orElse(0);
            long offered = capacity.quantity(name).orElse(0);
            if (inUse.getOrDefault(name, 0L) + need > offered) {
                return false;
            }
        }
        return true;
    }

    private void grant(Delivery d, Resources needs) {
        for (String name : needs.quantities()) {
            inUse.merge(name, needs.quantity(name).orElse(0), Long::sum);
        }
        granted.put(d, needs);
    }
}
