package dev.amdahl.celery.internal.result;

import dev.amdahl.spi.Registration;
import dev.amdahl.spi.TaskRecord;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/**
 * Who waits for which task's final record, for a backend that hears of records as they come (a pub/sub channel, a reply
 * queue). Each waiter is called once, with the first final record offered for its task, and is then gone;
 * {@link Watching} is told when a task gains its first waiter and loses its last, so a backend listens only while
 * someone waits.
 */
public final class ReadyWaiters {

    /** What a backend does when a task's waiting begins and ends. */
    public interface Watching {
        void first(String taskId);

        void last(String taskId);
    }

    private final Map<String, List<Waiter>> waiters = new ConcurrentHashMap<>();
    private final Watching watching;

    public ReadyWaiters(Watching watching) {
        this.watching = watching;
    }

    /** A waiter nobody listens for: the backend offers what it hears to all. */
    public ReadyWaiters() {
        this(new Watching() {
            @Override
            public void first(String taskId) {
            }

            @Override
            public void last(String taskId) {
            }
        });
    }

    private final class Waiter implements Registration {
        final String taskId;
        final Consumer<TaskRecord> callback;
        final AtomicBoolean done = new AtomicBoolean();

        Waiter(String taskId, Consumer<TaskRecord> callback) {
            this.taskId = taskId;
            this.callback = callback;
        }

        void offer(TaskRecord r) {
            if (r.state().isReady() && done.compareAndSet(false, true)) {
                remove(this);
                callback.accept(r);
            }
        }

        @Override
        public void cancel() {
            done.set(true);
            remove(this);
        }
    }

    /**
     * Adds a waiter for {@code taskId}, then reads what is there already with {@code current}: a record that came in
     * between is offered or read, never missed.
     */
    public Registration add(String taskId, Consumer<TaskRecord> callback, java.util.function.Supplier<java.util.Optional<TaskRecord>> current) {
        Waiter w = new Waiter(taskId, callback);
        boolean[] first = new boolean[1];
        waiters.compute(taskId, (k, list) -> {
            if (list == null) {
                first[0] = true;
                list = new CopyOnWriteArrayList<>();
            }
            list.add(w);
            return list;
        });
        if (first[0]) {
            watching.first(taskId);
        }
        current.get().ifPresent(w::offer);
        return w;
    }

    /** Whether anyone waits for {@code taskId}. */
    public boolean waitedFor(String taskId) {
        return waiters.containsKey(taskId);
    }

    /** Offers {@code r} to its task's waiters; a record that is not final is offered to nobody. */
    public void offer(TaskRecord r) {
        List<Waiter> those = waiters.get(r.taskId());
        if (those != null) {
            those.forEach(w -> w.offer(r));
        }
    }

    private void remove(Waiter w) {
        boolean[] last = new boolean[1];
        waiters.computeIfPresent(w.taskId, (k, list) -> {
            list.remove(w);
            last[0] = list.isEmpty();
            return list.isEmpty() ? null : list;
        });
        if (last[0]) {
            watching.last(w.taskId);
        }
    }
}
