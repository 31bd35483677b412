package dev.amdahl.celery.internal.control;

import dev.amdahl.spi.TaskEnvelope;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The task messages the protocol decoded lately, by task id, for the events and {@code inspect active} to show their
 * arguments, ETA and expiry (an observer sees only the task's name and id). Bounded: the oldest are forgotten first,
 * and a worker takes its entry when the task finishes.
 */
public final class RecentEnvelopes {

    private final int capacity;
    private final Map<String, TaskEnvelope> byId;

    public RecentEnvelopes(int capacity) {
        this.capacity = capacity;
        this.byId = new LinkedHashMap<>(16, 0.75f, false) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, TaskEnvelope> eldest) {
                return size() > RecentEnvelopes.this.capacity;
            }
        };
    }

    public synchronized void decoded(TaskEnvelope envelope) {
        byId.put(envelope.id(), envelope);
    }

    synchronized TaskEnvelope get(String taskId) {
        return byId.get(taskId);
    }

    synchronized void forget(String taskId) {
        byId.remove(taskId);
    }
}
