package dev.amdahl.redis.internal;

import io.lettuce.core.cluster.SlotHash;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Every Redis key and channel name the module uses, in one place (see the module README for the layout).
 * A later Celery-compatible layout (kombu's keys) plugs in beside this one, not into it.
 *
 * <p>On a Redis Cluster every script may only touch keys of one slot, so the keys a script takes together share a
 * hash tag (the part in braces, which alone decides the slot): the keys of one queue partition share one, results
 * are spread over {@value #RESULT_BUCKETS} buckets whose tags are chosen to fall in evenly spaced slots (so the
 * buckets spread evenly over masters that own ranges of slots), and a bucket's revocation log and notice channels
 * share its tag, so a record, its log entry and its notice are written by one script on one master. On one Redis
 * the keys carry no tags and are those of earlier releases.
 */
final class Keys {

    /** The consumer group every worker of every queue belongs to. */
    static final String GROUP = "workers";
    /** How many buckets results are spread over on a cluster: every client must use the same number. */
    static final int RESULT_BUCKETS = 128;
    private static final String[] BUCKET_TAGS = spreadTags("r", RESULT_BUCKETS);

    private final String prefix;
    private final int levels;
    private final int database;
    private final boolean cluster;
    private final int partitions;
    private final Map<String, List<Shard>> shards = new ConcurrentHashMap<>();

    Keys(String prefix, int levels, int database) {
        this(prefix, levels, database, false, 1);
    }

    Keys(RedisSettings settings) {
        this(settings.prefix(), settings.priorityLevels(), settings.database(), settings.cluster(), settings.partitions());
    }

    private Keys(String prefix, int levels, int database, boolean cluster, int partitions) {
        this.prefix = prefix;
        this.levels = levels;
        this.database = database;
        this.cluster = cluster;
        this.partitions = partitions;
    }

    int levels() {
        return levels;
    }

    boolean cluster() {
        return cluster;
    }

    /**
     * One stream group of a queue: its streams by level, delayed set and dead letters, all in one slot on a cluster.
     * A queue is one shard, or {@code partitions} of them on a cluster.
     *
     * @param queue     the queue it belongs to
     * @param partition its number among the queue's partitions, from 0
     * @param base      what its keys start with
     */
    record Shard(String queue, int partition, String base) {

        String stream(int level) {
            return base + ":" + level;
        }

        String delayed() {
            return base + ":delayed";
        }

        String dead() {
            return base + ":dead";
        }
    }

    /** The shards of a queue, partition 0 first. */
    List<Shard> shards(String queue) {
        List<Shard> known = shards.get(queue);
        if (known != null) {
            return known;
        }
        List<Shard> made = new ArrayList<>(partitions);
        if (!cluster) {
            made.add(new Shard(queue, 0, prefix + ":q:" + queue));
        } else if (partitions == 1) {
            made.add(new Shard(queue, 0, "{" + prefix + ":q:" + queue + "}"));
        } else {
            String[] tags = spreadTags(prefix + ":q:" + queue + ":", partitions);
            for (int p = 0; p < partitions; p++) {
                made.add(new Shard(queue, p, "{" + tags[p] + "}"));
            }
        }
        List<Shard> all = List.copyOf(made);
        if (shards.size() < 10_000) {
            shards.put(queue, all);
        }
        return all;
    }

    /** The shard of the stream an entry was delivered from, or null when it is none of {@code queue}'s. */
    Shard shardOfStream(String queue, String stream) {
        for (Shard s : shards(queue)) {
            if (stream.startsWith(s.base()) && stream.length() > s.base().length() && stream.charAt(s.base().length()) == ':') {
                return s;
            }
        }
        return null;
    }

    /** The stream of one priority level of a queue's first shard; level 0 is the lowest. */
    String stream(String queue, int level) {
        return shards(queue).get(0).stream(level);
    }

    String delayed(String queue) {
        return shards(queue).get(0).delayed();
    }

    String dead(String queue) {
        return shards(queue).get(0).dead();
    }

    /** The dead-letter stream beside a stream ({@code base:level} beside {@code base:dead}). */
    static String deadBeside(String stream) {
        return stream.substring(0, stream.lastIndexOf(':')) + ":dead";
    }

    /** The keys the broker scripts take for one queue: delayed, dead letters, streams from the highest level down. */
    List<String> queueKeys(String queue) {
        return queueKeys(shards(queue).get(0));
    }

    List<String> queueKeys(Shard shard) {
        List<String> keys = new ArrayList<>(levels + 2);
        keys.add(shard.delayed());
        keys.add(shard.dead());
        for (int level = levels - 1; level >= 0; level--) {
            keys.add(shard.stream(level));
        }
        return keys;
    }

    /** The slot of a key on a cluster. */
    static int slot(String key) {
        return SlotHash.getSlot(key);
    }

    // ---------------------------------------------------------------- results

    /** The bucket of a task's result on a cluster; always 0 on one Redis. */
    int bucket(String taskId) {
        return cluster ? SlotHash.getSlot(taskId) % RESULT_BUCKETS : 0;
    }

    /** How many buckets results are spread over: channels to listen on, revocation logs to replay. */
    int buckets() {
        return cluster ? RESULT_BUCKETS : 1;
    }

    String result(String taskId) {
        return cluster ? prefix + ":r:{" + BUCKET_TAGS[bucket(taskId)] + "}:" + taskId : prefix + ":r:" + taskId;
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

    /** A bucket's final-record notices: a shard channel in the bucket's slot on a cluster (SPUBLISH). */
    String readyChannel(int bucket) {
        return cluster ? prefix + ":ready:{" + BUCKET_TAGS[bucket] + "}" : readyChannel();
    }

    /** A bucket's non-final-record notices. */
    String updateChannel(int bucket) {
        return cluster ? prefix + ":update:{" + BUCKET_TAGS[bucket] + "}" : updateChannel();
    }

    /** The revocation log: result keys of REVOKED records by time, replayed to workers whose feed (re)connects. */
    String revocations() {
        return prefix + ":revoked";
    }

    /** A bucket's revocation log: in the bucket's slot on a cluster, so one script writes a record and its entry. */
    String revocations(int bucket) {
        return cluster ? prefix + ":revoked:{" + BUCKET_TAGS[bucket] + "}" : revocations();
    }

    /** A worker's heartbeat, kept for a few heartbeat intervals (WorkerRegistry). */
    String heartbeat(String worker) {
        return (cluster ? "{" + prefix + "}" : prefix) + ":w:" + worker;
    }

    /** The names of the workers with a heartbeat, scored by when it expires; expires with the last of them. */
    String workers() {
        return (cluster ? "{" + prefix + "}" : prefix) + ":workers";
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

    /**
     * {@code n} hash tags, {@code base + i + "." + salt}, the i-th falling in the i-th of n equal ranges of slots: the
     * masters of a cluster own ranges of slots, so n tags spread over them as evenly as n allows. The same for every
     * client (the salt is the first that lands in range). A name with braces of its own decides its slot by them,
     * whatever the salt: after {@value #MAX_SALT} tries its tag is taken as it is.
     */
    static String[] spreadTags(String base, int n) {
        String[] tags = new String[n];
        for (int i = 0; i < n; i++) {
            int from = (int) ((long) i * SlotHash.SLOT_COUNT / n);
            int to = (int) ((long) (i + 1) * SlotHash.SLOT_COUNT / n);
            for (int salt = 0; tags[i] == null; salt++) {
                String tag = base + i + "." + salt;
                int slot = SlotHash.getSlot("{" + tag + "}");
                if ((slot >= from && slot < to) || salt == MAX_SALT) {
                    tags[i] = tag;
                }
            }
        }
        return tags;
    }

    private static final int MAX_SALT = 100_000;
}
