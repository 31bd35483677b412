package dev.amdahl.spi;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The callers of {@link ResultBackend#whenReady} waiting on a backend that learns of final records from elsewhere (a
 * notice, a re-read after a reconnect) rather than storing them itself: the bookkeeping between a watch and the
 * record that ends it, which such a backend shares with every other.
 *
 * <pre>{@code
 * Registration whenReady(String taskId, Consumer<TaskRecord> callback) {
 *     Registration r = watchers.add(taskId, callback);   // first: a record stored from now on is seen by its notice
 *     readAndFire(taskId);                                // then the read, for one stored before
 *     return r;
 * }
 * void onNotice(TaskRecord record) { watchers.fire(record); }
 * }</pre>
 *
 * <h2>Invariants</h2>
 * <ul>
 *   <li>A watcher's callback runs at most once, whichever of a notice, a re-read or another thread fires it first;
 *       one that is cancelled first never runs.</li>
 *   <li>A task id is {@linkplain #isWatched watched} exactly while it has a watcher that has neither fired nor been
 *       cancelled: the map holds nothing for a task nobody waits on, so it stays as small as what is awaited.</li>
 *   <li>A callback that throws is logged and does not keep the other watchers of its task from firing.</li>
 * </ul>
 * Thread-safe: each task's set of watchers is replaced atomically ({@code compute}), and a watcher's single run is an
 * atomic flag.
 */
public final class TaskWatchers {

    private static final Logger log = LoggerFactory.getLogger(TaskWatchers.class);

    private final Map<String, Set<Watcher>> byTask = new ConcurrentHashMap<>();
    private final Consumer<String> whenFired;

    /** Watchers that need nothing else done when one fires. */
    public TaskWatchers() {
        this(taskId -> { });
    }

    /**
     * @param whenFired told the task id each time a watcher fires, before its callback runs: what else the backend
     *                  keeps per task until its final record (update listeners, say) can go with it
     */
    public TaskWatchers(Consumer<String> whenFired) {
        this.whenFired = Objects.requireNonNull(whenFired, "whenFired");
    }

    /** Watches {@code taskId} until {@link #fire} hands its final record to {@code callback}, or the cancel. */
    public Registration add(String taskId, Consumer<TaskRecord> callback) {
        Watcher watcher = new Watcher(taskId, Objects.requireNonNull(callback, "callback"));
        byTask.compute(taskId, (id, set) -> {
            Set<Watcher> s = set == null ? ConcurrentHashMap.newKeySet() : set;
            s.add(watcher);
            return s;
        });
        return watcher::cancel;
    }

    /**
     * Hands {@code record}, a final one, to every watcher of its task that has not fired yet, on the calling thread.
     *
     * @return whether any watcher was waiting on it
     */
    public boolean fire(TaskRecord record) {
        Set<Watcher> waiting = byTask.get(record.taskId());
        if (waiting == null) {
            return false;
        }
        waiting.forEach(w -> w.fire(record));
        return true;
    }

    public boolean isWatched(String taskId) {
        return byTask.containsKey(taskId);
    }

    public boolean isEmpty() {
        return byTask.isEmpty();
    }

    /** How many tasks have watchers now. */
    public int size() {
        return byTask.size();
    }

    /** The watched task ids now, a copy: for a re-read of every awaited record. */
    public List<String> taskIds() {
        return new ArrayList<>(byTask.keySet());
    }

    /** Drops every watcher without running it: the backend is closing. */
    public void clear() {
        byTask.clear();
    }

    private final class Watcher {
        final String taskId;
        final Consumer<TaskRecord> callback;
        final AtomicBoolean done = new AtomicBoolean();

        Watcher(String taskId, Consumer<TaskRecord> callback) {
            this.taskId = taskId;
            this.callback = callback;
        }

        void fire(TaskRecord record) {
            if (done.compareAndSet(false, true)) {
                remove();
                whenFired.accept(taskId);
                try {
                    callback.accept(record);
                } catch (RuntimeException e) {
                    log.error("A whenReady callback for task {} failed", taskId, e);
                }
            }
        }

        void cancel() {
            if (done.compareAndSet(false, true)) {
                remove();
            }
        }

        private void remove() {
            byTask.computeIfPresent(taskId, (id, set) -> {
                set.remove(this);
                return set.isEmpty() ? null : set;
            });
        }
    }
}
