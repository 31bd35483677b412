package dev.amdahl.redis.internal;

import java.util.ArrayList;
import java.util.List;

/**
 * Every Redis key and channel name the module uses, in one place (see the module README for the layout).
 * A later Celery-compatible layout (kombu's keys) plugs in beside this one, not into it.
 */
final class Keys {

    /** The consumer group every worker of every queue belongs to. */
    static final String GROUP = "workers";

    private final String prefix;
    private final int levels;
    private final int database;

    Keys(String prefix, int levels, int database) {
        this.prefix = prefix;
        this.levels = levels;
        this.database = database;
    }

    int levels() {
        return levels;
    }

    /** The stream of one priority level of a queue; level 0 is the lowest. */
    String stream(String queue, int level) {
        return prefix + ":q:" + queue + ":" + level;
    }

    String delayed(String queue) {
        return prefix + ":q:" + queue + ":delayed";
    }

    String dead(String queue) {
        return prefix + ":q:" + queue + ":dead";
    }

    /** The keys the broker scripts take for one queue: delayed, dead letters, streams from the highest level down. */
    List<String> queueKeys(String queue) {
        List<String> keys = new ArrayList<>(levels + 2);
        keys.add(delayed(queue));
        keys.add(dead(queue));
        for (int level = levels - 1; level >= 0; level--) {
            keys.add(stream(queue, level));
        }
        return keys;
    }

    String result(String taskId) {
        return prefix + ":r:" + taskId;
    }

    String counter(String name) {
        return prefix + ":c:" + name;
    }

    /** Pub/sub channels are shared by all databases of a server, so the channel names the database. */
    String readyChannel() {
        return prefix + ":" + database + ":ready";
    }

    /** Non-final records (progress, retries) are announced here, to clients that asked for updates. */
    String updateChannel() {
        return prefix + ":" + database + ":update";
    }

    /** The revocation log: result keys of REVOKED records by time, replayed to workers whose feed (re)connects. */
    String revocations() {
        return prefix + ":revoked";
    }

    /** Idempotency keys and other values stored with {@code putIfAbsent}. */
    String value(String name) {
        return prefix + ":v:" + name;
    }

    static void checkQueueName(String queue) {
        if (queue == null || queue.isEmpty()) {
            throw new IllegalArgumentException("a queue name must not be empty");
        }
    }
}
