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
 *   <li>{@link Listening#start} runs when a task gains a watcher while it had none, {@link Listening#stop} when it
 *       loses its last (by a fire or a cancel): a backend that must subscribe to hear a task's record (a pub/sub
 *       channel per task) listens only while someone waits.</li>
 * </ul>
 * Thread-safe: each task's set of watchers is replaced atomically ({@code compute}), and a watcher's single run is an
 * atomic flag. The {@link Listening} calls run after the map's update, outside it: a subscribe may block on the very
 * connection whose thread fires the watchers, and inside {@code compute} that would deadlock. So when one caller's
 * last watcher of a task goes while another's first is being added, the two calls may arrive out of order; a backend
 * whose stop must never follow a later start checks {@link #isWatched} in it.
 */
public final class TaskWatchers {

    private static final Logger log = LoggerFactory.getLogger(TaskWatchers.class);

    /** What a backend does while a task is watched: hear of its record from the moment someone waits until nobody does. */
    public interface Listening {
        /** {@code taskId} gained a watcher and had none: start hearing of its record. */
        void start(String taskId);

        /** {@code taskId} lost its last watcher: stop. */
        void stop(String taskId);
    }

    private static final Listening HEARS_EVERYTHING = new Listening() {
        @Override
        public void start(String taskId) {
        }

        @Override
        public void stop(String taskId) {
        }
    };

    private final Map<String, Set<Watcher>> byTask = new ConcurrentHashMap<>();
    private final Consumer<String> whenFired;
    private final Listening listening;

    /** Watchers that need nothing else done when one fires. */
    public TaskWatchers() {
        this(taskId -> { });
    }

    /**
     * @param whenFired told the task id each time a watcher fires, before its callback runs: what else the backend
     *                  keeps per task until its final record (update listeners, say) can go with it
     */
    public TaskWatchers(Consumer<String> whenFired) {
        this(whenFired, HEARS_EVERYTHING);
    }

    /** Watchers of a backend that listens per task, told when each task's watching begins and ends. */
    public TaskWatchers(Listening listening) {
        this(taskId -> { }, listening);
    }

    private TaskWatchers(Consumer<String> whenFired, Listening listening) {
        this.whenFired = Objects.requireNonNull(whenFired, "whenFired");
        this.listening = Objects.requireNonNull(listening, "listening");
    }

    /**
     * Watches {@code taskId} until {@link #fire} hands its final record to {@code callback}, or the cancel. The first
     * watcher of a task has {@link Listening#start} run before this returns, so that the backend's read of what is
     * stored already, which follows, leaves no gap in which a record is neither read nor heard.
     */
    public Registration add(String taskId, Consumer<TaskRecord> callback) {
        Watcher watcher = new Watcher(taskId, Objects.requireNonNull(callback, "callback"));
        boolean[] first = new boolean[1];
        byTask.compute(taskId, (id, set) -> {
            Set<Watcher> s = set;
            if (s == null) {
                s = ConcurrentHashMap.newKeySet();
                first[0] = true;
            }
            s.add(watcher);
            return s;
        });
        if (first[0]) {
            listening.start(taskId);
        }
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

    /** Drops every watcher without running it or telling {@link Listening}: the backend is closing. */
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
            boolean[] last = new boolean[1];
            byTask.computeIfPresent(taskId, (id, set) -> {
                set.remove(this);
                last[0] = set.isEmpty();
                return last[0] ? null : set;
            });
            if (last[0]) {
                listening.stop(taskId);
            }
        }
    }
}
