package dev.amdahl.celery.internal.redis;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.amdahl.MessageLimits;
import dev.amdahl.celery.internal.canvas.ChordCounts;
import dev.amdahl.celery.internal.result.CeleryDocuments;
import dev.amdahl.spi.ProviderContext;
import dev.amdahl.spi.Registration;
import dev.amdahl.spi.ResultBackend;
import dev.amdahl.spi.TaskRecord;
import dev.amdahl.spi.TaskWatchers;
import io.lettuce.core.KeyValue;
import io.lettuce.core.RedisClient;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Celery's Redis result backend, as Python's {@code AsyncResult} reads it: a task's result is the key
 * {@code celery-task-meta-<id>}, written with SETEX ({@code result_expires}, a day by default) and PUBLISHed on a
 * channel of the same name, which is how both Celery and this backend learn that a result is ready.
 *
 * <p>The document is {@link CeleryDocuments}'. Counters ({@link #increment}) are plain Redis counters that expire with the results.
 */
public final class CeleryRedisBackend implements ResultBackend, ChordCounts {

    private static final Logger log = LoggerFactory.getLogger(CeleryRedisBackend.class);
    static final String META = "celery-task-meta-";
    private static final ObjectMapper JSON = new ObjectMapper();

    /** KEYS: the meta key. ARGV: the document, TTL seconds. The stored document when it is final, else stores and publishes. */
    private static final String STORE_UNLESS_FINAL = """
            local v = redis.call('GET', KEYS[1])
            if v then
              local ok, d = pcall(cjson.decode, v)
              if ok and type(d) == 'table' and (d.status == 'SUCCESS' or d.status == 'FAILURE' or d.status == 'REVOKED'
                  or d.status == 'IGNORED' or d.status == 'REJECTED') then
                return v
              end
            end
            redis.call('SETEX', KEYS[1], ARGV[2], ARGV[1])
            redis.call('PUBLISH', KEYS[1], ARGV[1])
            return false
            """;

    static final String GROUP = "celery-taskset-meta-";

    /**
     * Celery 5.2's {@code on_chord_part_return} (with {@code result_chord_ordered}, its default): the member's
     * {@code [1, id, state, result]} into the sorted set {@code <group>.j} by its group index, then the count against
     * the chord size {@code <group>.s} (written by the sender) plus {@code <group>.t} (what replaced members added), the
     * three keys' expiry renewed. KEYS: .j, .t, .s. ARGV: the entry, its index ('+inf' for none), TTL seconds. The entries
     * in index order when this member completes the chord; otherwise nothing.
     */
    private static final String CHORD_PART = """
            redis.call('ZADD', KEYS[1], ARGV[2], ARGV[1])
            local ready = redis.call('ZCOUNT', KEYS[1], '-inf', '+inf')
            local diff = tonumber(redis.call('GET', KEYS[2]) or '0')
            local size = redis.call('GET', KEYS[3])
            if tonumber(ARGV[3]) > 0 then
              redis.call('EXPIRE', KEYS[1], ARGV[3])
              redis.call('EXPIRE', KEYS[2], ARGV[3])
              redis.call('EXPIRE', KEYS[3], ARGV[3])
            end
            if not size then return {} end
            if ready ~= tonumber(size) + diff then return {} end
            return redis.call('ZRANGE', KEYS[1], 0, -1)
            """;

    /** KEYS: the counter. ARGV: delta, TTL seconds, '1' to set the TTL only when this call created the counter. */
    private static final String INCREMENT = """
            local n = redis.call('INCRBY', KEYS[1], ARGV[1])
            if ARGV[3] == '0' or n == tonumber(ARGV[1]) then redis.call('EXPIRE', KEYS[1], ARGV[2]) end
            return n
            """;

    private final KombuRedisSettings settings;
    private final Clock clock;
    private final MessageLimits limits = MessageLimits.ofDefaults();
    private final RedisClient client;
    private final StatefulRedisConnection<byte[], byte[]> connection;
    private final RedisCommands<byte[], byte[]> redis;
    private final StatefulRedisPubSubConnection<byte[], byte[]> pubsub;
    /** Who waits for which task; its channel is subscribed while it has a waiter. */
    private final TaskWatchers waiters = new TaskWatchers(new TaskWatchers.Listening() {
        @Override
        public void start(String taskId) {
            pubsub.sync().subscribe(bytes(META + taskId));
        }

        @Override
        public void stop(String taskId) {
            pubsub.async().unsubscribe(bytes(META + taskId));
        }
    });

    private CeleryRedisBackend(KombuRedisSettings settings, Clock clock) {
        this.settings = settings;
        this.clock = clock;
        this.client = RedisClient.create(settings.redisUri());
        this.connection = client.connect(ByteArrayCodec.INSTANCE);
        this.redis = connection.sync();
        this.pubsub = client.connectPubSub(ByteArrayCodec.INSTANCE);
        pubsub.addListener(new RedisPubSubAdapter<>() {
            @Override
            public void message(byte[] channel, byte[] message) {
                String key = new String(channel, StandardCharsets.UTF_8);
                String taskId = key.substring(META.length());
                if (!waiters.isWatched(taskId)) {
                    return;
                }
                TaskRecord r;
                try {
                    r = read(taskId, message);
                } catch (RuntimeException e) {
                    log.warn("result of {} published on {} is not readable: {}", taskId, key, e.getMessage());
                    return;
                }
                if (r.taskId().equals(taskId) && r.state().isReady()) {
                    waiters.fire(r);
                }
            }
        });
    }

    public static CeleryRedisBackend open(URI uri, ProviderContext context) {
        return new CeleryRedisBackend(KombuRedisSettings.parse(uri), context.clock());
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    // ---------------------------------------------------------------- the document

    byte[] document(TaskRecord r) {
        return CeleryDocuments.document(r, clock.instant());
    }

    TaskRecord read(String taskId, byte[] doc) {
        return CeleryDocuments.read(taskId, doc, limits);
    }

    // ---------------------------------------------------------------- the backend

    @Override
    public void store(TaskRecord record) {
        byte[] doc = document(record);
        byte[] key = bytes(META + record.taskId());
        redis.setex(key, settings.resultExpires().toSeconds(), doc);
        redis.publish(key, doc);
    }

    @Override
    public Map<String, TaskRecord> storeAllUnlessFinal(List<TaskRecord> records) {
        Map<String, TaskRecord> kept = new HashMap<>();
        for (TaskRecord r : records) {
            byte[] existing = redis.eval(STORE_UNLESS_FINAL, ScriptOutputType.VALUE, new byte[][] {bytes(META + r.taskId())},
                    document(r), bytes(Long.toString(settings.resultExpires().toSeconds())));
            if (existing != null) {
                kept.put(r.taskId(), read(r.taskId(), existing));
            }
        }
        return kept;
    }

    @Override
    public Optional<TaskRecord> get(String taskId) {
        byte[] doc = redis.get(bytes(META + taskId));
        return doc == null ? Optional.empty() : Optional.of(read(taskId, doc));
    }

    @Override
    public Map<String, TaskRecord> getAll(Collection<String> taskIds) {
        Map<String, TaskRecord> out = new HashMap<>();
        if (taskIds.isEmpty()) {
            return out;
        }
        List<String> ids = new ArrayList<>(taskIds);
        byte[][] keys = ids.stream().map(id -> bytes(META + id)).toArray(byte[][]::new);
        for (KeyValue<byte[], byte[]> kv : redis.mget(keys)) {
            if (kv.hasValue()) {
                String id = new String(kv.getKey(), StandardCharsets.UTF_8).substring(META.length());
                out.put(id, read(id, kv.getValue()));
            }
        }
        return out;
    }

    @Override
    public Registration whenReady(String taskId, Consumer<TaskRecord> callback) {
        Registration watch = waiters.add(taskId, callback);
        get(taskId).filter(r -> r.state().isReady()).ifPresent(waiters::fire);
        return watch;
    }

    @Override
    public long increment(String key, long delta) {
        return counter(key, delta, settings.resultExpires(), false);
    }

    @Override
    public long increment(String key, long delta, Duration ttl) {
        return counter(key, delta, ttl, true);
    }

    private long counter(String key, long delta, Duration ttl, boolean onCreate) {
        Long n = redis.eval(INCREMENT, ScriptOutputType.INTEGER, new byte[][] {bytes(key)}, bytes(Long.toString(delta)),
                bytes(Long.toString(Math.max(1, (ttl.toMillis() + 999) / 1000))), bytes(onCreate ? "1" : "0"));
        return n;
    }

    @Override
    public void forget(String taskId) {
        redis.del(bytes(META + taskId));
    }

    /** Counts a chord member as Celery's Redis backend does (see {@link #CHORD_PART}). */
    @Override
    public List<JsonNode> chordPartReturn(String group, Integer groupIndex, JsonNode entry) {
        byte[][] keys = {bytes(GROUP + group + ".j"), bytes(GROUP + group + ".t"), bytes(GROUP + group + ".s")};
        List<byte[]> got;
        try {
            got = redis.eval(CHORD_PART, ScriptOutputType.MULTI, keys, JSON.writeValueAsBytes(entry),
                    bytes(groupIndex == null ? "+inf" : groupIndex.toString()), bytes(Long.toString(settings.resultExpires().toSeconds())));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException("cannot write the chord entry of group " + group, e);
        }
        List<JsonNode> out = new java.util.ArrayList<>(got.size());
        for (byte[] raw : got) {
            try {
                out.add(JSON.readTree(raw));
            } catch (java.io.IOException e) {
                throw new IllegalStateException("a member of chord " + group + " in " + GROUP + group + ".j is not JSON", e);
            }
        }
        return out;
    }

    @Override
    public void deleteChord(String group) {
        redis.del(bytes(GROUP + group + ".j"), bytes(GROUP + group + ".t"), bytes(GROUP + group + ".s"));
    }

    /** The chord size a sender writes ({@code <group>.s}), for a chord built here; it expires with the results. */
    public void setChordSize(String group, int size) {
        redis.setex(bytes(GROUP + group + ".s"), settings.resultExpires().toSeconds(), bytes(Integer.toString(size)));
    }

    @Override
    public void close() {
        pubsub.close();
        connection.close();
        client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
    }
}
