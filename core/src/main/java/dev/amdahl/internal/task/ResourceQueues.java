package dev.amdahl.internal.task;

import dev.amdahl.Resources;
import java.util.Optional;

/**
 * Placement by name: a task that needs resources goes to the derived queue {@code base@needs} ({@code tiles@gpu=1}),
 * and only workers that offer the needs consume it. The needs are in the name, in their canonical text, so every
 * broker (whatever it routes by: streams, AMQP queues, rows) places tasks with nothing but its ordinary queues, and a
 * worker reads a delivery's needs from the queue it came from.
 */
public final class ResourceQueues {

    private ResourceQueues() {
    }

    /** The queue a task of {@code base} needing {@code needs} goes to: {@code base} itself when it needs nothing. */
    public static String derived(String base, Resources needs) {
        if (needs == null || needs.isEmpty()) {
            return base;
        }
        String q = base + "@" + needs;
        QueueNames.check(q);
        return q;
    }

    /** The needs a queue's name carries, empty for a base queue (or a malformed name). */
    public static Optional<Resources> needsOf(String queue) {
        int at = queue.indexOf('@');
        if (at < 0) {
            return Optional.empty();
        }
        try {
            Resources needs = Resources.parse(queue.substring(at + 1));
            return needs.isEmpty() ? Optional.empty() : Optional.of(needs);
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    /** The base queue of a derived one; the queue itself for a base queue. */
    public static String baseOf(String queue) {
        int at = queue.indexOf('@');
        return at < 0 ? queue : queue.substring(0, at);
    }

    /** Whether a derived name writes its needs canonically, so one class of needs has one queue. */
    static boolean isCanonical(String derived) {
        int at = derived.indexOf('@');
        try {
            Resources needs = Resources.parse(derived.substring(at + 1));
            return !needs.isEmpty() && needs.toString().equals(derived.substring(at + 1));
        } catch (IllegalArgumentException e) {
            return false;
        }
    }
}
