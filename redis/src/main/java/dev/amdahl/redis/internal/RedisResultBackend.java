package dev.amdahl.redis.internal;

import dev.amdahl.TaskState;
import dev.amdahl.spi.AckingStore;
import dev.amdahl.spi.RecordsReadAhead;
import dev.amdahl.spi.Broker;
import dev.amdahl.spi.Delivery;
import dev.amdahl.spi.Claims;
import dev.amdahl.spi.IdempotencyKeys;
import dev.amdahl.spi.Registration;
import dev.amdahl.spi.ResultBackend;
import dev.amdahl.spi.RevocationFeed;
import dev.amdahl.spi.TaskRecord;
import dev.amdahl.spi.TaskWatchers;
import dev.amdahl.spi.UpdateFeed;
import dev.amdahl.spi.WorkerRegistry;
import io.lettuce.core.KeyValue;
import io.lettuce.core.Range;
import io.lettuce.core.RedisChannelHandler;
import io.lettuce.core.RedisConnectionStateListener;
import io.lettuce.core.RedisException;
import io.lettuce.core.api.StatefulConnection;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.lettuce.core.output.IntegerOutput;
import io.lettuce.core.output.StatusOutput;
import io.lettuce.core.protocol.AsyncCommand;
import io.lettuce.core.protocol.Command;
import io.lettuce.core.protocol.CommandArgs;
import io.lettuce.core.protocol.CommandType;
import io.lettuce.core.protocol.RedisCommand;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A result backend on Redis: each record is a string key with a TTL, its value the record's state beside its
 * bytes ({@link RecordValue}); final records are announced on one pub/sub channel per prefix and database.
 *
 * <h2>Waking waiters</h2>
 * A client holds one subscription, made on its first {@link #whenReady}, and a local map of watchers by
 * task id, so thousands of outstanding tasks cost one subscription. A notice carries the whole record when
 * it is small (no second round trip for the waiter), otherwise only the task id, and the waiter GETs it.
 * {@code whenReady} registers the watcher before it reads the key, so a record stored in between is seen
 * either by the read or by the notice; {@code whenReadyUnpublished} (a client's own submissions) needs no
 * read. Notices published while the subscription was down are lost, so each time Lettuce (re)subscribes,
 * every pending id is read again with MGET, and the revocation log is replayed to the revocation feed. A
 * read that fails (a restarted server still LOADING its data, a connection reset again) is tried again with
 * backoff for as long as someone waits on those ids: no notice will come for a record stored meanwhile.
 *
 * <h2>On a Redis Cluster</h2>
 * Results are spread over {@value Keys#RESULT_BUCKETS} buckets by task id, each bucket's keys (records, its
 * revocation log) and its two notice channels in one slot, so one script still stores a batch of a bucket's
 * records with their notices (SPUBLISH to the bucket's shard channel). A client listens to every bucket's ready
 * channel through {@link ShardedNotices}, which follows the slots to their masters; what a failover or a moved
 * slot may have cost in notices is made good as after a reconnect on one Redis: every watched id is read again
 * and the revocation logs are replayed.
 *
 * <h2>Threads</h2>
 * Notices arrive on a Lettuce event-loop thread, which must never block; they are handed to
 * {@code callbacks}, one thread, which also runs the callbacks. A watcher fires at most once ({@link TaskWatchers}).
 */
public final class RedisResultBackend implements ResultBackend, IdempotencyKeys, Claims, RevocationFeed, UpdateFeed, WorkerRegistry,
        AckingStore, RecordsReadAhead {

    private static final Logger log = LoggerFactory.getLogger(RedisResultBackend.class);

    /** Records up to this size travel inside the notice. */
    private static final int INLINE_LIMIT = 16 * 1024;
    private static final int STORE_CHUNK = 500;
    /** Batches of at least this many records are stored without the script (see {@link #storeAllUnlessFinalPlain}). */
    private static final int PLAIN_STORE_MIN = 8;
    private static final int MGET_CHUNK = 1000;
    private static final long RECHECK_FIRST_DELAY_MS = 50;
    private static final long RECHECK_MAX_DELAY_MS = 2_000;
    private static final byte RECORD_NOTICE = 'R';
    private static final byte ID_NOTICE = 'I';
    private static final byte BATCH_NOTICE = 'B';
    private static final byte[] EMPTY = {};
    /** A record's kind for the store scripts (store-common.lua): final, revoked (final too), not final. */
    private static final byte[] KIND_FINAL = {'F'};
    private static final byte[] KIND_REVOKED = {'V'};
    private static final byte[] KIND_UPDATE = {'U'};

    private final RedisSettings settings;
    private final Keys keys;
    private final RedisConnections connections;
    private final StatefulConnection<String, byte[]> connection;
    private final RedisClusterAsyncCommands<String, byte[]> redis;
    private final ScheduledExecutorService callbacks;
    /** Ids whose re-read failed, read again by the one retry owed; see {@link #recheck}. */
    private final Set<String> toRecheck = ConcurrentHashMap.newKeySet();
    /** Failed attempts of the retry owed, 0 when none is; touched only on {@code callbacks}. */
    private int recheckAttempt;
    /** onUpdate listeners go when their task's watchers fire, since the task has ended. */
    private final TaskWatchers watchers;
    /** onUpdate listeners by task id; dropped when the task's final notice arrives. */
    private final Map<String, Set<Consumer<TaskRecord>>> updateListeners = new ConcurrentHashMap<>();
    /** Ids of watchers not yet checked against their stored record; drained by {@link #checkNewWatchers}. */
    private final java.util.concurrent.ConcurrentLinkedQueue<String> toCheck = new java.util.concurrent.ConcurrentLinkedQueue<>();
    private final AtomicBoolean checkScheduled = new AtomicBoolean();
    /** The revocation feed's listeners: told of every REVOKED record announced on the ready channel. */
    private final Set<Consumer<TaskRecord>> revocationListeners = ConcurrentHashMap.newKeySet();
    /** Whether the pub/sub connection also listens to the update channel (only once someone asked). */
    private volatile boolean updatesSubscribed;
    /** Guards the creation of {@code pubsub}; once set, it is never replaced. */
    private final Object subscribeLock = new Object();
    private volatile StatefulRedisPubSubConnection<String, byte[]> pubsub;
    /** On a cluster, the bucket channels in place of {@code pubsub}; once set, never replaced. */
    private volatile ShardedNotices sharded;
    /** Counts the pub/sub connection's losses; the revocation feed is complete while its replay is of the current one. */
    private volatile int feedEpoch;
    private volatile int replayedEpoch = -1;
    private volatile boolean closed;

    public RedisResultBackend(RedisSettings settings) {
        this.settings = settings;
        this.watchers = new TaskWatchers(updateListeners::remove);
        this.keys = new Keys(settings);
        this.connections = new RedisConnections(settings);
        try {
            this.connection = connections.connect();
        } catch (RedisException e) {
            connections.close();
            throw e;
        }
        this.redis = RedisConnections.commands(connection);
        this.callbacks = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "amdahl-redis-results");
            t.setDaemon(true);
            return t;
        });
    }

    // ---------------------------------------------------------------- store

    @Override
    public void store(TaskRecord record) {
        storeAll(List.of(record));
    }

    @Override
    public void storeAll(List<TaskRecord> records) {
        run(Scripts.STORE, records);
    }

    @Override
    public Map<String, TaskRecord> storeAllUnlessFinal(List<TaskRecord> records) {
        if (records.size() >= PLAIN_STORE_MIN && !keys.cluster() && settings.waitReplicas() == 0
                && records.stream().noneMatch(r -> r.state() == TaskState.REVOKED)) {
            return storeAllUnlessFinalPlain(records, null);
        }
        return storeAllUnlessFinalByScript(records, null);
    }

    // ---------------------------------------------------------------- store and acknowledge

    /**
     * Neither AckingStore nor RecordsReadAhead on a cluster, where results and streams are in other slots, nor with
     * {@code wait-replicas}, which WAITs per master.
     */
    @Override
    public <C extends Capability> Optional<C> capability(Class<C> type) {
        if ((type == AckingStore.class || type == RecordsReadAhead.class) && (keys.cluster() || settings.waitReplicas() > 0)) {
            return Optional.empty();
        }
        return ResultBackend.super.capability(type);
    }

    /** A Redis broker's, when its streams are on this Redis, in this database. */
    @Override
    public boolean acknowledges(Broker broker) {
        return broker instanceof RedisBroker redis && redis.sharesServerWith(settings);
    }

    /**
     * One round trip where a worker made two, a store and then an ack: a small batch (a round trip's single record) by
     * the store script that then XACKs and XDELs the entries, a batch of {@value #PLAIN_STORE_MIN} or more by the
     * pipelined SETs, whose answers come before the XACKs and XDELs are sent with the batch's PUBLISH. Either way no
     * entry is acknowledged unless its record is stored: in the script an error ends it before the acks, and the plain
     * path sends no ack when a SET failed.
     */
    @Override
    public Map<String, TaskRecord> storeAllUnlessFinalAndAck(List<TaskRecord> records, Broker broker, List<Delivery> deliveries) {
        if (!acknowledges(broker)) {
            throw new IllegalArgumentException("the Redis result backend at " + settings.address() + " cannot acknowledge the"
                    + " deliveries of " + broker + ": only those of a Redis broker on the same Redis and database (not a cluster,"
                    + " no wait-replicas); store, then ack, instead");
        }
        Map<String, List<String>> acks = ((RedisBroker) broker).entriesByStream(deliveries);
        if (acks.isEmpty()) {
            return storeAllUnlessFinal(records);
        }
        if (records.isEmpty()) {
            broker.ackAll(deliveries);
            return Map.of();
        }
        if (records.size() >= PLAIN_STORE_MIN && records.stream().noneMatch(r -> r.state() == TaskState.REVOKED)) {
            return storeAllUnlessFinalPlain(records, acks);
        }
        if (records.size() > STORE_CHUNK) {
            // more than one script: the acks would go with the last, after the others' records. Rare (a batch of
            // hundreds with a revocation among them): two steps
            Map<String, TaskRecord> kept = storeAllUnlessFinalByScript(records, null);
            broker.ackAll(deliveries);
            return kept;
        }
        return storeAllUnlessFinalByScript(records, acks);
    }

    // ---------------------------------------------------------------- records read ahead

    /**
     * A Redis broker's, on the Redis and database this backend is on (as for {@link #acknowledges}): switches its reading
     * of this backend's records with each read on (see {@link RedisBroker}, "Records read ahead"), unless it reads
     * another backend's already.
     */
    @Override
    public boolean readsAheadFor(Broker broker) {
        return acknowledges(broker) && ((RedisBroker) broker).readRecordsAhead(keys.result(""));
    }

    /**
     * The MGETs the deliveries' receipts carry, waited for (they left with the reads: in flight or in) and decoded as
     * {@link #getAll} decodes. A delivery whose MGET failed, was of another prefix, or found a value that is not a record
     * is left out: the worker reads it itself.
     */
    @Override
    public ReadAhead readAhead(List<Delivery> deliveries) {
        String prefix = keys.result("");
        Set<String> read = new HashSet<>();
        Map<String, TaskRecord> found = new HashMap<>();
        Map<RedisBroker.RecordsRead, List<KeyValue<String, byte[]>>> replies = new IdentityHashMap<>();
        for (Delivery d : deliveries) {
            if (!(d.receipt() instanceof RedisBroker.Receipt receipt) || receipt.records() == null
                    || !receipt.records().keyPrefix.equals(prefix)) {
                continue;
            }
            RedisBroker.RecordsRead records = receipt.records();
            int at = records.position(d.messageId());
            if (at < 0) {
                continue;
            }
            List<KeyValue<String, byte[]>> values = replies.computeIfAbsent(records, r -> {
                try {
                    return r.values(settings.commandTimeout().toMillis());
                } catch (RuntimeException e) {
                    log.debug("the records read ahead could not be taken; the worker reads them itself", e);
                    return List.of();
                }
            });
            if (at >= values.size()) {
                continue;
            }
            KeyValue<String, byte[]> kv = values.get(at);
            if (!kv.hasValue()) {
                read.add(d.messageId());
                continue;
            }
            TaskRecord record;
            try {
                record = RecordValue.decode(kv.getValue());
            } catch (RuntimeException e) {
                continue;   // the worker's own read hears what is wrong with it
            }
            read.add(d.messageId());
            found.put(d.messageId(), record);
        }
        return new ReadAhead(read, found);
    }

    /**
     * A batch without the script: one SET NX PX per record, pipelined, then, once Redis answered, one PUBLISH per
     * channel of the batch notice of the records stored; the records that were not stored (their task has a record
     * already, which is rare: STARTED is off by default) go through the script, which keeps a final one. A script
     * would pass every value and the batch notice through Lua (each hashed and copied, about as much as the SETs
     * cost); the price is a round trip between the SETs and their notice, which is why a single record, a round
     * trip's, still takes the script. Revocations (their log) and Redis Cluster (shard channels), WAIT, take it too.
     * A notice announces only what is stored: the SETs' answers come before it is sent.
     */
    private Map<String, TaskRecord> storeAllUnlessFinalPlain(List<TaskRecord> records, Map<String, List<String>> acks) {
        checkOpen();
        long ttl = settings.resultTtl().toMillis();
        List<AsyncCommand<String, byte[], String>> sets = new ArrayList<>(records.size());
        List<byte[]> values = new ArrayList<>(records.size());
        for (TaskRecord r : records) {
            byte[] value = RecordValue.encode(r);
            values.add(value);
            sets.add(new AsyncCommand<>(new Command<>(CommandType.SET, new StatusOutput<>(RedisConnections.CODEC),
                    new CommandArgs<>(RedisConnections.CODEC).addKey(keys.result(r.taskId())).addValue(value)
                            .add("NX").add("PX").add(ttl))));
        }
        connection.dispatch(sets);
        List<TaskRecord> present = new ArrayList<>();
        List<byte[]> ready = new ArrayList<>(records.size());
        List<byte[]> updates = new ArrayList<>();
        RuntimeException failure = null;
        for (int i = 0; i < records.size(); i++) {
            TaskRecord r = records.get(i);
            String reply;
            try {
                reply = Scripts.join(sets.get(i));
            } catch (RuntimeException e) {
                // the records stored before it are announced all the same
                failure = failure == null ? e : failure;
                continue;
            }
            if (reply == null) {
                present.add(r);
            } else {
                byte[] value = values.get(i);
                (r.state().isReady() ? ready : updates).add(value.length <= INLINE_LIMIT ? recordNotice(value) : idNotice(r.taskId()));
            }
        }
        List<RedisCommand<String, byte[], ?>> notices = new ArrayList<>(2);
        if (!ready.isEmpty()) {
            notices.add(publishCommand(keys.readyChannel(0), batchNotice(ready)));
        }
        if (!updates.isEmpty()) {
            notices.add(publishCommand(keys.updateChannel(0), batchNotice(updates)));
        }
        // the acks go with the notices when every record is stored: the SETs answered, so none is acked before its record
        List<RedisCommand<String, byte[], ?>> acking = failure != null || acks == null ? List.of() : RedisBroker.ackCommands(acks);
        List<RedisCommand<String, byte[], ?>> sent = new ArrayList<>(notices);
        if (present.isEmpty()) {
            sent.addAll(acking);
        }
        if (!sent.isEmpty()) {
            connection.dispatch(sent);
        }
        Map<String, TaskRecord> kept = failure != null || present.isEmpty() ? new HashMap<>() : storeAllUnlessFinalByScript(present, null);
        if (!present.isEmpty() && !acking.isEmpty()) {
            connection.dispatch(acking);   // after the script that stored (or kept) the rest
            sent.addAll(acking);
        }
        for (RedisCommand<String, byte[], ?> command : sent) {
            Scripts.join((AsyncCommand<String, byte[], ?>) command);
        }
        if (failure != null) {
            throw failure;
        }
        return kept;
    }

    private static AsyncCommand<String, byte[], Long> publishCommand(String channel, byte[] message) {
        return new AsyncCommand<>(new Command<>(CommandType.PUBLISH, new IntegerOutput<>(RedisConnections.CODEC),
                new CommandArgs<>(RedisConnections.CODEC).addKey(channel).addValue(message)));
    }

    /** @param acks the entries to acknowledge after the records, by stream, or {@code null}; with them, one chunk at most */
    private Map<String, TaskRecord> storeAllUnlessFinalByScript(List<TaskRecord> records, Map<String, List<String>> acks) {
        Map<String, TaskRecord> kept = new HashMap<>();
        List<List<TaskRecord>> chunks = new ArrayList<>();
        List<CompletableFuture<Object>> replies = run(acks == null ? Scripts.STORE_UNLESS_FINAL : Scripts.STORE_UNLESS_FINAL_ACK,
                records, chunks, acks);
        for (CompletableFuture<Object> reply : replies) {
            Scripts.join(reply);
        }
        awaitReplicas(records);
        for (int c = 0; c < replies.size(); c++) {
            List<?> reply = (List<?>) Scripts.join(replies.get(c));
            for (int i = 0; i + 1 < reply.size(); i += 2) {
                TaskRecord given = chunks.get(c).get((int) (long) (Long) reply.get(i) - 1);
                TaskRecord current = decode(given.taskId(), (byte[]) reply.get(i + 1));
                if (current != null) {
                    kept.put(given.taskId(), current);
                }
            }
        }
        return kept;
    }

    private void run(Scripts script, List<TaskRecord> records) {
        for (CompletableFuture<Object> reply : run(script, records, new ArrayList<>(), null)) {
            Scripts.join(reply);
        }
        awaitReplicas(records);
    }

    /** With wait-replicas, waits for the replicas of every master that stored one of {@code records}. */
    private void awaitReplicas(List<TaskRecord> records) {
        if (settings.waitReplicas() == 0) {
            return;
        }
        Set<Integer> buckets = new java.util.TreeSet<>();
        records.forEach(r -> buckets.add(keys.bucket(r.taskId())));
        for (int b : buckets) {
            connections.awaitReplicas(connections.writerOf(connection, keys.revocations(b)), settings.waitReplicas());
        }
    }

    /** Sends the records in chunks, all before any reply is awaited; {@code chunks} receives the chunks in order. */
    private List<CompletableFuture<Object>> run(Scripts script, List<TaskRecord> records, List<List<TaskRecord>> chunks,
                                                Map<String, List<String>> acks) {
        checkOpen();
        List<CompletableFuture<Object>> replies = new ArrayList<>();
        byte[] ttl = RedisBroker.utf8(Long.toString(settings.resultTtl().toMillis()));
        if (keys.cluster()) {
            // one script per bucket: a bucket's records, log and channels share a slot
            script = script == Scripts.STORE ? Scripts.STORE_SHARDED : Scripts.STORE_UNLESS_FINAL_SHARDED;
            Map<Integer, List<TaskRecord>> byBucket = new java.util.TreeMap<>();
            for (TaskRecord r : records) {
                byBucket.computeIfAbsent(keys.bucket(r.taskId()), b -> new ArrayList<>()).add(r);
            }
            for (Map.Entry<Integer, List<TaskRecord>> e : byBucket.entrySet()) {
                runChunks(script, e.getValue(), e.getKey(), ttl, chunks, replies, null);
            }
        } else {
            runChunks(script, records, 0, ttl, chunks, replies, acks);
        }
        return replies;
    }

    /** @param acks appended to the (one) chunk's script, which is then {@link Scripts#STORE_UNLESS_FINAL_ACK}; or {@code null} */
    private void runChunks(Scripts script, List<TaskRecord> records, int bucket, byte[] ttl, List<List<TaskRecord>> chunks,
                           List<CompletableFuture<Object>> replies, Map<String, List<String>> acks) {
        byte[] readyChannel = RedisBroker.utf8(keys.readyChannel(bucket));
        byte[] updateChannel = RedisBroker.utf8(keys.updateChannel(bucket));
        for (int from = 0; from < records.size(); from += STORE_CHUNK) {
            List<TaskRecord> chunk = records.subList(from, Math.min(records.size(), from + STORE_CHUNK));
            chunks.add(chunk);
            String[] scriptKeys = new String[1 + chunk.size()];
            scriptKeys[0] = keys.revocations(bucket);
            byte[][] args = new byte[6 + 3 * chunk.size()][];
            args[0] = ttl;
            args[1] = readyChannel;
            args[2] = updateChannel;
            args[3] = RedisBroker.utf8(Long.toString(System.currentTimeMillis()));
            List<byte[]> ready = new ArrayList<>(chunk.size());
            List<byte[]> updates = new ArrayList<>();
            for (int i = 0; i < chunk.size(); i++) {
                TaskRecord r = chunk.get(i);
                byte[] value = RecordValue.encode(r);
                scriptKeys[1 + i] = keys.result(r.taskId());
                args[6 + 3 * i] = value;
                args[7 + 3 * i] = !r.state().isReady() ? KIND_UPDATE : r.state() == TaskState.REVOKED ? KIND_REVOKED : KIND_FINAL;
                boolean inline = value.length <= INLINE_LIMIT;
                args[8 + 3 * i] = inline ? EMPTY : idNotice(r.taskId());
                (r.state().isReady() ? ready : updates).add(inline ? recordNotice(value) : args[8 + 3 * i]);
            }
            args[4] = batchNotice(ready);
            args[5] = batchNotice(updates);
            if (acks != null) {
                String[] resultKeys = scriptKeys;
                scriptKeys = Arrays.copyOf(resultKeys, resultKeys.length + acks.size());
                List<byte[]> ackArgs = new ArrayList<>(Arrays.asList(args));
                ackArgs.add(RedisBroker.utf8(Keys.GROUP));
                int k = resultKeys.length;
                for (Map.Entry<String, List<String>> e : acks.entrySet()) {
                    scriptKeys[k++] = e.getKey();
                    ackArgs.add(RedisBroker.utf8(Integer.toString(e.getValue().size())));
                    e.getValue().forEach(id -> ackArgs.add(RedisBroker.utf8(id)));
                }
                ackArgs.add(RedisBroker.utf8(Integer.toString(acks.size())));
                args = ackArgs.toArray(byte[][]::new);
            }
            replies.add(script.run(settings.waitReplicas() > 0 ? connections.writerOf(connection, scriptKeys[0]) : redis,
                    scriptKeys, args));
        }
    }

    private static byte[] recordNotice(byte[] value) {
        byte[] notice = new byte[value.length + 1];
        notice[0] = RECORD_NOTICE;
        System.arraycopy(value, 0, notice, 1, value.length);
        return notice;
    }

    /**
     * One notice for many records, so a batch costs Redis one PUBLISH and each subscriber one message: {@code B}
     * and each record's own notice after its length (four bytes, big-endian). A single notice goes as it is; none
     * is empty (the store scripts publish nothing).
     */
    static byte[] batchNotice(List<byte[]> notices) {
        if (notices.size() <= 1) {
            return notices.isEmpty() ? EMPTY : notices.get(0);
        }
        int size = 1;
        for (byte[] n : notices) {
            size += 4 + n.length;
        }
        java.nio.ByteBuffer batch = java.nio.ByteBuffer.allocate(size);
        batch.put(BATCH_NOTICE);
        for (byte[] n : notices) {
            batch.putInt(n.length).put(n);
        }
        return batch.array();
    }

    /**
     * The notices a message carries: itself, or those of a batch notice; null when a batch notice is malformed
     * (a length past its end), which is then ignored whole.
     */
    static List<byte[]> notices(byte[] message) {
        if (message == null || message.length == 0 || message[0] != BATCH_NOTICE) {
            return java.util.Collections.singletonList(message);
        }
        List<byte[]> notices = new ArrayList<>();
        java.nio.ByteBuffer in = java.nio.ByteBuffer.wrap(message, 1, message.length - 1);
        while (in.hasRemaining()) {
            if (in.remaining() < 4) {
                return null;
            }
            int length = in.getInt();
            if (length < 0 || length > in.remaining()) {
                return null;
            }
            byte[] n = new byte[length];
            in.get(n);
            notices.add(n);
        }
        return notices;
    }

    private static byte[] idNotice(String taskId) {
        byte[] id = taskId.getBytes(StandardCharsets.UTF_8);
        byte[] notice = new byte[id.length + 1];
        notice[0] = ID_NOTICE;
        System.arraycopy(id, 0, notice, 1, id.length);
        return notice;
    }

    // ---------------------------------------------------------------- idempotency keys and updates

    @Override
    public Optional<String> putIfAbsent(String key, String value, Duration ttl) {
        checkOpen();
        byte[] held = Scripts.join(Scripts.PUT_IF_ABSENT.run(redis, new String[]{keys.value(key)},
                RedisBroker.utf8(value), RedisBroker.utf8(Long.toString(Math.max(1, ttl.toMillis())))));
        return held == null ? Optional.empty() : Optional.of(new String(held, StandardCharsets.UTF_8));
    }

    @Override
    public void putHeartbeat(String worker, byte[] heartbeat, Duration ttl) {
        checkOpen();
        Scripts.<Long>join(Scripts.HEARTBEAT.run(redis, new String[]{keys.heartbeat(worker), keys.workers()},
                RedisBroker.utf8(worker), heartbeat, RedisBroker.utf8(Long.toString(Math.max(1, ttl.toMillis())))));
    }

    @Override
    public void removeHeartbeat(String worker) {
        checkOpen();
        Scripts.<Long>join(Scripts.HEARTBEAT_REMOVE.run(redis, new String[]{keys.heartbeat(worker), keys.workers()},
                RedisBroker.utf8(worker)));
    }

    /** The workers set is an index; the heartbeat keys expire on their own and decide who is live. */
    @Override
    public Map<String, byte[]> heartbeats() {
        checkOpen();
        List<byte[]> names = Scripts.join(redis.zrange(keys.workers(), 0, -1));
        Map<String, byte[]> live = new java.util.TreeMap<>();
        if (names.isEmpty()) {
            return live;
        }
        List<String> workers = names.stream().map(RedisBroker::text).toList();
        List<io.lettuce.core.KeyValue<String, byte[]>> values = Scripts.join(
                redis.mget(workers.stream().map(keys::heartbeat).toArray(String[]::new)));
        for (int i = 0; i < values.size(); i++) {
            if (values.get(i).hasValue()) {
                live.put(workers.get(i), values.get(i).getValue());
            }
        }
        return live;
    }

    @Override
    public boolean claim(String key, Duration ttl) {
        return putIfAbsent("claim:" + key, "1", ttl).isEmpty();
    }

    /**
     * Every final record is announced on the ready channel already; the feed listens there for REVOKED ones,
     * and replays the revocation log to the new listener once the subscription stands, so a revocation stored
     * before is in the log and one stored after comes as a notice.
     */
    @Override
    public Registration onRevoked(Consumer<TaskRecord> listener) {
        checkOpen();
        revocationListeners.add(listener);
        ensureSubscribed();
        int epoch = feedEpoch;
        replayRevocations(List.of(listener));
        if (feedEpoch == epoch) {
            replayedEpoch = epoch;
        }
        return () -> revocationListeners.remove(listener);
    }

    @Override
    public boolean revocationFeedComplete() {
        StatefulRedisPubSubConnection<String, byte[]> c = pubsub;
        ShardedNotices s = sharded;
        int epoch = feedEpoch;
        boolean listening = s != null ? s.complete() : c != null && c.isOpen();
        return listening && replayedEpoch == epoch && !revocationListeners.isEmpty();
    }

    /**
     * Tells {@code listeners} of every revocation in the log, as far back as results are kept. Runs on the
     * caller's thread (a worker starting) or on {@code callbacks} (after a resubscription).
     */
    private void replayRevocations(Collection<Consumer<TaskRecord>> listeners) {
        if (listeners.isEmpty()) {
            return;
        }
        long now = System.currentTimeMillis();
        Range<Double> kept = Range.create((double) (now - settings.resultTtl().toMillis()), Double.POSITIVE_INFINITY);
        List<CompletableFuture<List<byte[]>>> logs = new ArrayList<>(keys.buckets());
        for (int b = 0; b < keys.buckets(); b++) {
            logs.add(redis.zrangebyscore(keys.revocations(b), kept).toCompletableFuture());
        }
        List<byte[]> resultKeys = new ArrayList<>();
        for (CompletableFuture<List<byte[]>> entries : logs) {
            resultKeys.addAll(Scripts.join(entries));
        }
        for (int from = 0; from < resultKeys.size(); from += MGET_CHUNK) {
            String[] chunk = resultKeys.subList(from, Math.min(resultKeys.size(), from + MGET_CHUNK)).stream()
                    .map(k -> new String(k, StandardCharsets.UTF_8)).toArray(String[]::new);
            for (KeyValue<String, byte[]> kv : Scripts.join(redis.mget(chunk))) {
                boolean revoked = kv.hasValue() && RecordValue.state(kv.getValue()) == TaskState.REVOKED;
                TaskRecord record = revoked ? decode(kv.getKey(), kv.getValue()) : null;
                if (record != null) {
                    for (Consumer<TaskRecord> l : listeners) {
                        try {
                            l.accept(record);
                        } catch (RuntimeException e) {
                            log.error("A revocation listener failed on task {}", record.taskId(), e);
                        }
                    }
                }
            }
        }
    }

    private void tellRevocationListeners(TaskRecord record) {
        for (Consumer<TaskRecord> l : revocationListeners) {
            try {
                l.accept(record);
            } catch (RuntimeException e) {
                log.error("A revocation listener failed on task {}", record.taskId(), e);
            }
        }
    }

    @Override
    public Registration onUpdate(String taskId, Consumer<TaskRecord> listener) {
        checkOpen();
        updateListeners.compute(taskId, (id, set) -> {
            Set<Consumer<TaskRecord>> s = set == null ? ConcurrentHashMap.newKeySet() : set;
            s.add(listener);
            return s;
        });
        ensureSubscribed();
        if (!updatesSubscribed) {
            synchronized (subscribeLock) {
                if (!updatesSubscribed) {
                    if (sharded != null) {
                        sharded.subscribe(bucketChannels(keys::updateChannel));
                    } else {
                        Scripts.join(pubsub.async().subscribe(keys.updateChannel()));
                    }
                    updatesSubscribed = true;
                }
            }
        }
        return () -> updateListeners.computeIfPresent(taskId, (id, set) -> {
            set.remove(listener);
            return set.isEmpty() ? null : set;
        });
    }

    private void onUpdateNotice(byte[] message) {
        TaskRecord record = noticeRecord(message, keys.updateChannel());
        if (record == null || record.state().isReady()) {
            return;
        }
        Set<Consumer<TaskRecord>> listeners = updateListeners.get(record.taskId());
        if (listeners != null) {
            for (Consumer<TaskRecord> l : listeners) {
                try {
                    l.accept(record);
                } catch (RuntimeException e) {
                    log.error("An onUpdate listener for task {} failed", record.taskId(), e);
                }
            }
        }
    }

    /** The record a notice carries, or reads for an id notice; null (logged) for a malformed one. Runs on {@code callbacks}. */
    private TaskRecord noticeRecord(byte[] message, String channel) {
        if (message == null || message.length < 2) {
            log.warn("Ignoring a malformed notice on {}", channel);
            return null;
        }
        if (message[0] == RECORD_NOTICE) {
            return decodeNotice(message);
        }
        if (message[0] == ID_NOTICE) {
            String taskId = new String(message, 1, message.length - 1, StandardCharsets.UTF_8);
            try {
                return decode(taskId, Scripts.join(redis.get(keys.result(taskId))));
            } catch (RedisException e) {
                log.warn("Could not read the record of task {} after its notice: {}", taskId, e.toString());
                return null;
            }
        }
        log.warn("Ignoring a notice of unknown kind {} on {}", message[0], channel);
        return null;
    }

    /** The record a record notice ({@code R} and the stored value) carries, or null (logged) when it is malformed. */
    private static TaskRecord decodeNotice(byte[] message) {
        try {
            return RecordValue.decode(message, 1);
        } catch (RuntimeException e) {
            log.error("A notice is not a task record ({} bytes): {}", message.length - 1, e.getMessage());
            return null;
        }
    }

    @Override
    public Optional<TaskRecord> get(String taskId) {
        checkOpen();
        byte[] bytes = Scripts.join(redis.get(keys.result(taskId)));
        return Optional.ofNullable(decode(taskId, bytes));
    }

    /** One MGET per thousand ids. */
    @Override
    public Map<String, TaskRecord> getAll(Collection<String> taskIds) {
        checkOpen();
        List<String> ids = List.copyOf(taskIds);
        List<CompletableFuture<List<KeyValue<String, byte[]>>>> replies = new ArrayList<>();
        for (int from = 0; from < ids.size(); from += MGET_CHUNK) {
            replies.add(redis.mget(ids.subList(from, Math.min(ids.size(), from + MGET_CHUNK)).stream()
                    .map(keys::result).toArray(String[]::new)).toCompletableFuture());
        }
        Map<String, TaskRecord> found = new HashMap<>();
        int i = 0;
        for (CompletableFuture<List<KeyValue<String, byte[]>>> reply : replies) {
            for (KeyValue<String, byte[]> kv : Scripts.join(reply)) {
                String id = ids.get(i++);
                TaskRecord record = kv.hasValue() ? decode(id, kv.getValue()) : null;
                if (record != null) {
                    found.put(id, record);
                }
            }
        }
        return found;
    }

    /** The record a stored value holds, or null when there is none; a value that is not one is logged and treated as none. */
    private static TaskRecord decode(String key, byte[] value) {
        if (value == null) {
            return null;
        }
        try {
            return RecordValue.decode(value);
        } catch (RuntimeException e) {
            log.error("The result stored for {} is not a task record ({} bytes): {}", key, value.length, e.getMessage());
            return null;
        }
    }

    // ---------------------------------------------------------------- whenReady

    @Override
    public Registration whenReady(String taskId, Consumer<TaskRecord> callback) {
        Registration registration = watch(taskId, callback);
        // the record may be final already: read it, batched with the reads of other new watchers
        toCheck.add(taskId);
        if (checkScheduled.compareAndSet(false, true)) {
            dispatch(this::checkNewWatchers);
        }
        return registration;
    }

    /**
     * No read: the subscription stands before this returns and the task is published after, so its notice
     * comes (or, if the subscription drops meanwhile, the re-read on resubscribe finds the record). For an
     * idle client that is a round trip less per task, and for a group of 10,000 ten MGETs of 1,000 keys less.
     */
    @Override
    public Registration whenReadyUnpublished(String taskId, Consumer<TaskRecord> callback) {
        return watch(taskId, callback);
    }

    private Registration watch(String taskId, Consumer<TaskRecord> callback) {
        checkOpen();
        Registration watch = watchers.add(taskId, callback);
        try {
            ensureSubscribed();
        } catch (RuntimeException e) {
            watch.cancel();
            throw e;
        }
        return watch;
    }

    /**
     * Reads the records of watchers registered since the last check, up to MGET_CHUNK ids per MGET: a
     * client that submits a group of 10,000 registers 10,000 watchers in a burst, and one read each would
     * cost 10,000 writes to the socket. Runs on {@code callbacks}; a notice that arrives meanwhile is
     * handled in order on the same thread, and a watcher fires once either way.
     */
    private void checkNewWatchers() {
        checkScheduled.set(false);
        List<String> ids = new ArrayList<>();
        for (String id; (id = toCheck.poll()) != null; ) {
            ids.add(id);
            if (ids.size() == MGET_CHUNK) {
                recheck(ids);
                ids = new ArrayList<>();
            }
        }
        recheck(ids);
    }

    private void ensureSubscribed() {
        if (pubsub != null || sharded != null) {
            return;
        }
        synchronized (subscribeLock) {
            if (pubsub != null || sharded != null) {
                return;
            }
            if (keys.cluster()) {
                subscribeSharded();
                return;
            }
            StatefulRedisPubSubConnection<String, byte[]> c = connections.connectPubSub();
            c.addListener(new RedisConnectionStateListener() {
                @Override
                public void onRedisDisconnected(RedisChannelHandler<?, ?> connection) {
                    feedEpoch++;   // only this event loop writes it; revocations published until the replay may be missed
                }
            });
            c.addListener(new RedisPubSubAdapter<>() {
                @Override
                public void message(String channel, byte[] message) {
                    if (keys.updateChannel().equals(channel)) {
                        dispatch(() -> eachNotice(message, keys.updateChannel(), RedisResultBackend.this::onUpdateNotice));
                    } else {
                        dispatch(() -> eachNotice(message, keys.readyChannel(), RedisResultBackend.this::onNotice));
                    }
                }

                @Override
                public void subscribed(String channel, long count) {
                    // also called when Lettuce subscribes again after a reconnect: notices may have been missed
                    if (keys.readyChannel().equals(channel)) {
                        int epoch = feedEpoch;
                        dispatch(RedisResultBackend.this::recheckAll);
                        dispatch(() -> replayAfterResubscribe(epoch));
                    }
                }
            });
            Scripts.join(c.async().subscribe(keys.readyChannel()));
            pubsub = c;
        }
    }

    /** The cluster's way: every bucket's ready channel, on the master of its slot. Holds {@code subscribeLock}. */
    private void subscribeSharded() {
        Set<String> updateChannels = Set.copyOf(bucketChannels(keys::updateChannel));
        ShardedNotices notices = new ShardedNotices(connections, new ShardedNotices.Listener() {
            @Override
            public void notice(String channel, byte[] message) {
                if (updateChannels.contains(channel)) {
                    dispatch(() -> eachNotice(message, channel, RedisResultBackend.this::onUpdateNotice));
                } else {
                    dispatch(() -> eachNotice(message, channel, RedisResultBackend.this::onNotice));
                }
            }

            @Override
            public void lost() {
                feedEpoch++;
            }

            @Override
            public void resubscribed() {
                int epoch = feedEpoch;
                dispatch(RedisResultBackend.this::recheckAll);
                dispatch(() -> replayAfterResubscribe(epoch));
            }
        });
        try {
            notices.subscribe(bucketChannels(keys::readyChannel));
        } catch (RuntimeException e) {
            notices.close();
            throw e;
        }
        sharded = notices;
    }

    private List<String> bucketChannels(java.util.function.IntFunction<String> channel) {
        List<String> channels = new ArrayList<>(keys.buckets());
        for (int b = 0; b < keys.buckets(); b++) {
            channels.add(channel.apply(b));
        }
        return channels;
    }

    private void replayAfterResubscribe(int epoch) {
        try {
            replayRevocations(List.copyOf(revocationListeners));
            if (feedEpoch == epoch && !revocationListeners.isEmpty()) {
                replayedEpoch = epoch;
            }
        } catch (RedisException e) {
            log.warn("Could not replay the revocation log after resubscribing ({}); workers read each batch's records"
                    + " until the next reconnect", e.toString());
        }
    }

    private void dispatch(Runnable work) {
        try {
            callbacks.execute(work);
        } catch (RejectedExecutionException e) {
            log.debug("Result notice after close ignored");
        }
    }

    /** Hands {@code handler} each notice of a message, one or a batch. Runs on {@code callbacks}. */
    private void eachNotice(byte[] message, String channel, Consumer<byte[]> handler) {
        List<byte[]> notices = notices(message);
        if (notices == null) {
            log.warn("Ignoring a malformed batch notice on {} (a length past its end)", channel);
            return;
        }
        for (byte[] n : notices) {
            handler.accept(n);
        }
    }

    private void onNotice(byte[] message) {
        if (message == null || message.length < 2) {
            log.warn("Ignoring a malformed notice on {}", keys.readyChannel());
            return;
        }
        if (message[0] == RECORD_NOTICE) {
            boolean revocation = !revocationListeners.isEmpty() && RecordValue.state(message, 1) == TaskState.REVOKED;
            if (watchers.isEmpty() && updateListeners.isEmpty() && !revocation) {
                return; // a worker hears every final record; decoding those nobody waits for would cost it dearly
            }
            TaskRecord record = decodeNotice(message);
            if (record != null) {
                updateListeners.remove(record.taskId()); // the task ended: no more updates
                watchers.fire(record);
                if (record.state() == TaskState.REVOKED) {
                    tellRevocationListeners(record);
                }
            }
        } else if (message[0] == ID_NOTICE) {
            String taskId = new String(message, 1, message.length - 1, StandardCharsets.UTF_8);
            if (watchers.isWatched(taskId)) {
                recheck(List.of(taskId));
            }
            // a REVOKED record carries no result, so it is always small enough to travel inline
        } else {
            log.warn("Ignoring a notice of unknown kind {} on {}", message[0], keys.readyChannel());
        }
    }

    private void recheckAll() {
        List<String> ids = watchers.taskIds();
        for (int from = 0; from < ids.size(); from += MGET_CHUNK) {
            recheck(ids.subList(from, Math.min(ids.size(), from + MGET_CHUNK)));
        }
    }

    /**
     * Reads the records of {@code ids} and fires the watchers of those that are final. Runs on {@code callbacks}.
     * A read that fails (a restarted server still LOADING) is not dropped: its ids join {@link #toRecheck}, which
     * one retry at a time reads again with backoff while they are awaited, however many reads failed meanwhile.
     */
    private void recheck(List<String> ids) {
        if (ids.isEmpty() || closed) {
            return;
        }
        try {
            read(ids);
        } catch (RedisException e) {
            toRecheck.addAll(ids);
            if (recheckAttempt == 0) {
                recheckAttempt = 1;
                log.warn("Could not re-read {} pending result(s) ({}); trying again every {} ms at most while they are awaited",
                        ids.size(), e.toString(), RECHECK_MAX_DELAY_MS);
                retryRechecksIn(RECHECK_FIRST_DELAY_MS);
            }
        }
    }

    /** The one retry of the reads that failed: all that are still awaited, in chunks. Runs on {@code callbacks}. */
    private void retryRechecks() {
        List<String> ids = toRecheck.stream().filter(watchers::isWatched).toList();
        toRecheck.clear();
        if (ids.isEmpty() || closed) {
            recheckAttempt = 0;
            return;
        }
        try {
            for (int from = 0; from < ids.size(); from += MGET_CHUNK) {
                read(ids.subList(from, Math.min(ids.size(), from + MGET_CHUNK)));
            }
            log.info("Re-read {} pending result(s) after {} failed attempt(s)", ids.size(), recheckAttempt);
            recheckAttempt = 0;
        } catch (RedisException e) {
            toRecheck.addAll(ids);
            log.debug("Re-reading {} pending result(s) failed again ({})", ids.size(), e.toString());
            recheckAttempt++;
            retryRechecksIn(Math.min(RECHECK_MAX_DELAY_MS, RECHECK_FIRST_DELAY_MS << Math.min(recheckAttempt - 1, 6)));
        }
    }

    private void retryRechecksIn(long delayMs) {
        try {
            callbacks.schedule(this::retryRechecks, delayMs, TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException closing) {
            log.debug("Re-read of pending results dropped: the backend is closing");
        }
    }

    private void read(List<String> ids) {
        List<KeyValue<String, byte[]>> values = Scripts.join(redis.mget(ids.stream().map(keys::result).toArray(String[]::new)));
        for (int i = 0; i < values.size() && i < ids.size(); i++) {
            KeyValue<String, byte[]> kv = values.get(i);
            TaskRecord record = kv.hasValue() ? decode(ids.get(i), kv.getValue()) : null;
            if (record != null && record.state().isReady()) {
                watchers.fire(record);
            }
        }
    }

    // ---------------------------------------------------------------- counters

    @Override
    public long increment(String key, long delta) {
        checkOpen();
        return Scripts.<Long>join(Scripts.INCREMENT.run(redis, new String[]{keys.counter(key)},
                RedisBroker.utf8(Long.toString(delta)), RedisBroker.utf8(Long.toString(settings.resultTtl().toMillis()))));
    }

    @Override
    public long increment(String key, long delta, Duration ttl) {
        checkOpen();
        return Scripts.<Long>join(Scripts.INCREMENT_TTL.run(redis, new String[]{keys.counter(key)},
                RedisBroker.utf8(Long.toString(delta)), RedisBroker.utf8(Long.toString(Math.max(1, ttl.toMillis())))));
    }

    @Override
    public void forget(String taskId) {
        checkOpen();
        Scripts.join(redis.del(keys.result(taskId)));
    }

    /** How many task ids have watchers now (for tests and metrics). */
    public int watching() {
        return watchers.size();
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        watchers.clear();
        callbacks.shutdownNow();
        synchronized (subscribeLock) {
            if (pubsub != null) {
                pubsub.close();
            }
            if (sharded != null) {
                sharded.close();
            }
        }
        connection.close();
        connections.close();
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("the Redis result backend is closed");
        }
    }
}
