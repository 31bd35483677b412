package dev.amdahl.redis.internal;

import dev.amdahl.spi.Broker;
import dev.amdahl.spi.DeadLetter;
import dev.amdahl.spi.Delivery;
import dev.amdahl.spi.OutboundMessage;
import io.lettuce.core.Consumer;
import io.lettuce.core.KeyValue;
import io.lettuce.core.RedisCommandTimeoutException;
import io.lettuce.core.RedisConnectionException;
import io.lettuce.core.RedisException;
import io.lettuce.core.StreamMessage;
import io.lettuce.core.XReadArgs.StreamOffset;
import io.lettuce.core.XReadArgs;
import io.lettuce.core.api.StatefulConnection;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.lettuce.core.output.IntegerOutput;
import io.lettuce.core.output.StatusOutput;
import io.lettuce.core.protocol.AsyncCommand;
import io.lettuce.core.protocol.Command;
import io.lettuce.core.protocol.CommandArgs;
import io.lettuce.core.protocol.CommandType;
import io.lettuce.core.protocol.RedisCommand;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A broker on Redis Streams with one consumer group per stream.
 *
 * <h2>How a message travels</h2>
 * A queue is {@code levels} streams, one per priority level, plus a sorted set of delayed messages and a
 * dead-letter stream. {@code publish} XADDs to the stream of the message's level (or ZADDs to the delayed
 * set, scored by its due time). {@code poll} runs {@code poll.lua}, which in one atomic step moves due
 * delayed messages into their streams, now and then claims entries whose lease ran out (the consumer died),
 * and reads new entries with XREADGROUP, highest level first, every queue getting a fair share before any
 * gets more. When that finds nothing, a blocking XREADGROUP on all the streams waits, on a connection of its
 * own (a blocking command would stall everything else multiplexed on a shared connection), for no longer
 * than the next delayed message is due or the next reclaim is owed. For {@value #SCRIPT_REST_MS} ms after
 * the script ran, polls of the same queues leave it out unless a delayed message or a reclaim is due, and read
 * with plain XREADGROUPs, whose entries do not pass through Lua (the script's cost per entry was about that of
 * the read itself): when the last poll brought less than it asked for, the next goes straight to the blocking
 * read (a worker woken for one message at a time makes one Redis call per message, not two; a delayed message
 * published meanwhile waits as it would during a blocking read); when it brought a full share from one stream
 * only, the next reads that stream for all of {@code max} but one per other stream, and the others for one
 * each, in one round trip (never more than {@code max}, so nothing goes back out of order, and an entry of a
 * higher level is seen at once); when several streams brought entries, the script runs, which shares
 * {@code max} out by priority and queue. {@code ack} XACKs and XDELs the entry.
 *
 * <h2>Leases</h2>
 * Redis remembers when each pending entry was last delivered (its idle time). An entry idle longer than the
 * visibility timeout is taken over by the next poll that reclaims (XPENDING IDLE + XCLAIM, which also
 * counts the delivery); {@link #extendLease} resets the idle time with XCLAIM JUSTID (no count) but only
 * while this consumer still owns the entry, and says whether it did. Deliveries before a {@link #requeue} or a release on
 * {@link #close} are carried in the entry's {@code prior} field, since both make a new entry. An entry
 * delivered max deliveries times, however it came back, is handed out once more marked exhausted, and if that
 * delivery comes back too it is dead-lettered instead of handed out (by poll.lua, and by the blocking read's
 * decoding). A surplus entry a poll read but never
 * handed out goes back without counting: no consumer saw it, and the poll that read it handed out as many
 * as it was asked for, so giving surplus back cannot loop.
 *
 * <h2>On a Redis Cluster</h2>
 * Each queue, or each partition of a partitioned queue, is a {@link Keys.Shard} whose keys share a hash tag, so
 * every script touches one slot. A poll of shards in several slots runs the poll script once per slot (each
 * shard gets its share of {@code max}, the first shard rotating) and, when all found nothing, blocks on one
 * XREADGROUP per slot, each on a connection of its own: the first that brings something ends the poll, and what
 * the others bring after is given back unseen. Acks, requeues and rejects name one stream, so one slot, already.
 *
 * <h2>Records read ahead</h2>
 * Once a Redis result backend on this Redis switched it on ({@link #readRecordsAhead}, for
 * {@link dev.amdahl.spi.RecordsReadAhead}), every read that hands entries out is followed on its connection by the MGET
 * of their tasks' records, sent as soon as the read's reply is in: on the event loop, before the polling thread wakes,
 * for the blocking read and the poll script, by the polling thread for the plain reads. Redis runs it after the read,
 * so a record stored before the entries were claimed is in it. Its reply ({@link RecordsRead}) rides in the receipt
 * of each delivery that read brought, and of no other: a delivery given back unseen, or a later delivery of the same
 * message, has a receipt of its own.
 *
 * <h2>Threads</h2>
 * Non-blocking commands share one connection (Lettuce pipelines concurrent callers on it). Each concurrent
 * {@code poll} borrows a connection from {@code idle}; {@code all} holds every connection ever opened so
 * that {@link #close} can close them.
 */
public final class RedisBroker implements Broker {

    private static final Logger log = LoggerFactory.getLogger(RedisBroker.class);

    /** How many of a batch's XADDs are written to the connection at a time (all are sent before any reply is awaited). */
    private static final int PUBLISH_CHUNK = 1000;
    /** A blocking read waits at most this long before the poll loop looks around again (delayed, reclaim, close). */
    private static final long MAX_BLOCK_MS = 1000;
    /** How many due delayed messages one poll moves per queue. */
    private static final int MOVE_LIMIT = 1000;
    /** How long after the poll script found nothing the next polls of the same queues leave it out. */
    private static final long SCRIPT_REST_MS = 100;
    /** Consumers idle this many visibility timeouts with nothing pending are removed from the group. */
    private static final int SWEEP_AFTER_TIMEOUTS = 10;

    private final RedisSettings settings;
    private final Keys keys;
    private final Clock clock;
    private final RedisConnections connections;
    private final StatefulConnection<String, byte[]> shared;
    private final RedisClusterAsyncCommands<String, byte[]> redis;
    private final String consumer;
    private final ConcurrentLinkedDeque<StatefulConnection<String, byte[]>> idle = new ConcurrentLinkedDeque<>();
    private final Set<StatefulConnection<String, byte[]>> all = ConcurrentHashMap.newKeySet();
    /** Streams this consumer read from: on close, what it still holds there is requeued. */
    private final Set<String> touched = ConcurrentHashMap.newKeySet();
    /** Shards (by key base) whose consumer groups exist, so a blocking read may name their streams. */
    private final Set<String> grouped = ConcurrentHashMap.newKeySet();
    private final AtomicInteger rotation = new AtomicInteger();
    /** Which partition the next message published to a partitioned queue goes to. */
    private final AtomicInteger publishRotation = new AtomicInteger();
    private final AtomicLong nextReclaimNanos = new AtomicLong(System.nanoTime());
    /** Which slot of a multi-slot poll gets the first share on the next reclaiming pass. */
    private final AtomicInteger reclaimRotation = new AtomicInteger();
    private final AtomicLong nextSweepNanos = new AtomicLong(System.nanoTime());
    private final AtomicLong lastConnectionWarning = new AtomicLong(System.nanoTime() - TimeUnit.MINUTES.toNanos(1));
    private final long reclaimIntervalNanos;
    private volatile boolean closed;
    /** Blocking reads of several slots' polls still waiting, by the shards they read (see {@link #blockingReads}). */
    private final Map<String, ConcurrentLinkedDeque<ParkedRead>> parked = new ConcurrentHashMap<>();
    /** When the poll script last ran and what it and the reads since found, by the set of queues polled. */
    private final Map<Set<String>, ScriptRun> lastScript = new ConcurrentHashMap<>();
    /**
     * The key of a task's record less its id, of the backend whose records each read is followed by (see "Records read
     * ahead"); null while none is. Set once, by {@link #readRecordsAhead}.
     */
    private volatile String recordKeyPrefix;

    /**
     * A poll script's run: when, and the due time it reported; and what the last poll since found: less than it asked
     * for ({@code drained}: the next blocks at once, a message at a time costs one call), or as much from one stream
     * only, {@code busyStream} (the next reads with plain XREADGROUPs), or from several (neither: the next runs the
     * script, which shares {@code max} out by priority).
     */
    private record ScriptRun(long atNanos, long nextDueMillis, boolean drained, String busyStream) {

        ScriptRun afterRead(List<Delivery> got, boolean drained) {
            return new ScriptRun(atNanos, nextDueMillis, drained, drained ? null : onlyStream(got));
        }

        /** The one stream all of {@code got} came from, or null if several. */
        static String onlyStream(List<Delivery> got) {
            String stream = null;
            for (Delivery d : got) {
                String s = ((Receipt) d.receipt()).stream();
                if (stream == null) {
                    stream = s;
                } else if (!stream.equals(s)) {
                    return null;
                }
            }
            return stream;
        }
    }

    public RedisBroker(RedisSettings settings, Clock clock) {
        this.settings = settings;
        this.keys = new Keys(settings);
        this.clock = clock;
        this.connections = new RedisConnections(settings);
        try {
            this.shared = connections.connect();
        } catch (RedisException e) {
            connections.close();
            throw e;
        }
        this.redis = RedisConnections.commands(shared);
        this.consumer = newConsumerName();
        long quarter = settings.visibilityTimeout().toNanos() / 4;
        this.reclaimIntervalNanos = Math.max(TimeUnit.MILLISECONDS.toNanos(25), Math.min(quarter, TimeUnit.SECONDS.toNanos(5)));
    }

    /** host-pid-random: readable in XINFO CONSUMERS, unique per broker instance. */
    private static String newConsumerName() {
        String runtime = ManagementFactory.getRuntimeMXBean().getName();
        return runtime + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    /**
     * The handle of a delivered entry, and the read of its task's record that came with it ({@code null} if none).
     * Equal for the same entry whatever the read: it names the entry.
     */
    record Receipt(String stream, String entryId, RecordsRead records) {

        Receipt(String stream, String entryId) {
            this(stream, entryId, null);
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Receipt r && stream.equals(r.stream) && entryId.equals(r.entryId);
        }

        @Override
        public int hashCode() {
            return stream.hashCode() * 31 + entryId.hashCode();
        }

        @Override
        public String toString() {
            return "Receipt[" + stream + " " + entryId + "]";
        }
    }

    /**
     * The MGET of the records of one read's entries, sent on the read's connection right after its reply: carried by
     * the deliveries that read brought ({@link Receipt#records}), taken by {@link RedisResultBackend#readAhead}.
     */
    static final class RecordsRead {
        /** The record keys' prefix, which the backend checks is its own. */
        final String keyPrefix;
        /** Where each id's value is in the reply (its first place, when a read brought a message twice). */
        private final Map<String, Integer> positions;
        private final CompletableFuture<List<KeyValue<String, byte[]>>> reply;

        RecordsRead(String keyPrefix, List<String> ids, CompletableFuture<List<KeyValue<String, byte[]>>> reply) {
            this.keyPrefix = keyPrefix;
            this.positions = new HashMap<>(ids.size() * 2);
            for (int i = 0; i < ids.size(); i++) {
                positions.putIfAbsent(ids.get(i), i);
            }
            this.reply = reply;
        }

        /** Where the value of {@code id}'s record is in {@link #values}, or -1 when it was not read. */
        int position(String id) {
            Integer at = positions.get(id);
            return at == null ? -1 : at;
        }

        /** The values read, in the order of the ids; waits at most {@code waitMs} ms, the reply being in flight or in. */
        List<KeyValue<String, byte[]>> values(long waitMs) {
            try {
                return reply.get(waitMs, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new RedisException("interrupted while taking the records read ahead");
            } catch (ExecutionException e) {
                Throwable cause = Scripts.unwrap(e.getCause());
                throw cause instanceof RedisException re ? re : new RedisException(cause);
            } catch (TimeoutException e) {
                throw new RedisCommandTimeoutException("no reply to the MGET of the records read ahead within " + waitMs + " ms");
            }
        }
    }

    /**
     * Has every read that hands entries out followed by the MGET of the records under {@code keyPrefix} + task id (see
     * "Records read ahead"), from now on. True if this broker reads those records now; false when it reads another
     * prefix's already (one backend's records per broker).
     */
    synchronized boolean readRecordsAhead(String keyPrefix) {
        if (recordKeyPrefix == null) {
            recordKeyPrefix = keyPrefix;
        }
        return recordKeyPrefix.equals(keyPrefix);
    }

    /**
     * Sends the MGET of the records of {@code ids} on {@code connection}, not waiting for it; null when reading ahead is
     * off, there is nothing to read, or the send failed. Runs on the event loop too: it never blocks, and never throws
     * (the entries read are this consumer's already and must reach it whatever happens here).
     */
    private RecordsRead readRecords(StatefulConnection<String, byte[]> connection, List<String> ids) {
        String prefix = recordKeyPrefix;
        if (prefix == null || ids.isEmpty()) {
            return null;
        }
        try {
            String[] recordKeys = new String[ids.size()];
            for (int i = 0; i < recordKeys.length; i++) {
                recordKeys[i] = prefix + ids.get(i);
            }
            return new RecordsRead(prefix, ids, RedisConnections.commands(connection).mget(recordKeys).toCompletableFuture());
        } catch (RuntimeException e) {
            log.debug("could not send the MGET of {} record(s) read ahead; the worker reads them itself", ids.size(), e);
            return null;
        }
    }

    /** The message ids of a stream read's entries, in order (those without one too are left out). */
    private static List<String> idsOfEntries(List<StreamMessage<String, byte[]>> messages) {
        List<String> ids = new ArrayList<>(messages.size());
        for (StreamMessage<String, byte[]> m : messages) {
            byte[] id = m.getBody() == null ? null : m.getBody().get("id");
            if (id != null) {
                ids.add(text(id));
            }
        }
        return ids;
    }

    /** The message ids of a poll script's entries ({queue, level, entry id, id, body, prio, count}), in order. */
    private static List<String> idsOfScriptReply(List<Object> reply) {
        List<String> ids = new ArrayList<>();
        if (reply != null && reply.size() >= 2 && reply.get(1) instanceof List<?> entries) {
            for (Object entry : entries) {
                if (entry instanceof List<?> f && f.size() == 7 && f.get(3) instanceof byte[] id) {
                    ids.add(text(id));
                }
            }
        }
        return ids;
    }

    // ---------------------------------------------------------------- publish

    @Override
    public void publish(String queue, OutboundMessage message) {
        Keys.checkQueueName(queue);
        checkOpen();
        long now = clock.millis();
        Keys.Shard shard = publishShard(queue);
        RedisClusterAsyncCommands<String, byte[]> writer = settings.waitReplicas() > 0
                ? connections.writerOf(shared, shard.delayed()) : redis;
        if (message.notBefore() != null && message.notBefore().toEpochMilli() > now) {
            Scripts.join(writer.zadd(shard.delayed(), (double) message.notBefore().toEpochMilli(), delayedMember(message)));
        } else {
            Scripts.join(writer.xadd(shard.stream(settings.levelOf(message.priority())), entryFields(message)));
        }
        if (settings.waitReplicas() > 0) {
            connections.awaitReplicas(writer, settings.waitReplicas());
        }
    }

    /**
     * Sends one XADD per message, pipelined, all in flight at once, then waits for every reply: 10,000 messages
     * are about one round trip.
     */
    @Override
    public void publishAll(String queue, List<OutboundMessage> messages) {
        Keys.checkQueueName(queue);
        checkOpen();
        if (messages.isEmpty()) {
            return;
        }
        if (messages.size() == 1) {
            publish(queue, messages.get(0));   // one plain command: a single submit needs no script
            return;
        }
        List<Keys.Shard> shards = keys.shards(queue);
        List<CompletableFuture<?>> replies = new ArrayList<>(messages.size());
        if (shards.size() == 1) {
            publishChunks(shards.get(0), messages, replies);
        } else {
            // round robin over the partitions, from where the last publish left off
            int start = publishRotation.getAndAdd(messages.size());
            List<List<OutboundMessage>> byShard = new ArrayList<>();
            for (int p = 0; p < shards.size(); p++) {
                byShard.add(new ArrayList<>(messages.size() / shards.size() + 1));
            }
            for (int i = 0; i < messages.size(); i++) {
                byShard.get(Math.floorMod(start + i, shards.size())).add(messages.get(i));
            }
            for (int p = 0; p < shards.size(); p++) {
                if (!byShard.get(p).isEmpty()) {
                    publishChunks(shards.get(p), byShard.get(p), replies);
                }
            }
        }
        for (CompletableFuture<?> reply : replies) {
            Scripts.join(reply);
        }
        if (settings.waitReplicas() > 0) {
            for (Keys.Shard shard : shards) {
                connections.awaitReplicas(connections.writerOf(shared, shard.delayed()), settings.waitReplicas());
            }
        }
    }

    /** The shard a single message goes to: the queue's only one, or the next partition in turn. */
    private Keys.Shard publishShard(String queue) {
        List<Keys.Shard> shards = keys.shards(queue);
        return shards.size() == 1 ? shards.get(0) : shards.get(Math.floorMod(publishRotation.getAndIncrement(), shards.size()));
    }

    /**
     * XADDs (and a ZADD of many members for delayed messages) pipelined, {@value #PUBLISH_CHUNK} messages written at a
     * time, not a script: a script would pass every body through Lua (hashing and copying it twice) for nothing, since
     * a batch needs no
     * atomicity (a failed publishAll may have published some of its messages, as the SPI's default does). Order is
     * kept: one connection, commands in order.
     */
    private void publishChunks(Keys.Shard shard, List<OutboundMessage> messages, List<CompletableFuture<?>> replies) {
        long now = clock.millis();
        RedisClusterAsyncCommands<String, byte[]> writer = settings.waitReplicas() > 0
                ? connections.writerOf(shared, shard.delayed()) : null;
        List<RedisCommand<String, byte[], ?>> chunk = new ArrayList<>(Math.min(messages.size(), PUBLISH_CHUNK));
        CommandArgs<String, byte[]> later = null;   // the delayed messages of a chunk: one ZADD of many members
        int inChunk = 0;
        for (OutboundMessage m : messages) {
            boolean delayed = m.notBefore() != null && m.notBefore().toEpochMilli() > now;
            if (writer != null) {
                // WAIT counts the writes of the master's own connection: send them there, one by one
                replies.add((delayed ? writer.zadd(shard.delayed(), (double) m.notBefore().toEpochMilli(), delayedMember(m))
                        : writer.xadd(shard.stream(settings.levelOf(m.priority())), entryFields(m))).toCompletableFuture());
                continue;
            }
            if (delayed) {
                if (later == null) {
                    later = new CommandArgs<>(RedisConnections.CODEC).addKey(shard.delayed());
                }
                later.add(Long.toString(m.notBefore().toEpochMilli())).addValue(delayedMember(m));
            } else {
                AsyncCommand<String, byte[], ?> command = new AsyncCommand<>(new Command<>(CommandType.XADD,
                        new StatusOutput<>(RedisConnections.CODEC),
                        new CommandArgs<>(RedisConnections.CODEC).addKey(shard.stream(settings.levelOf(m.priority())))
                                .add("*").add("id").addValue(utf8(m.id())).add("body").addValue(m.body())
                                .add("prio").add(m.priority())));
                chunk.add(command);
                replies.add(command);
            }
            if (++inChunk == PUBLISH_CHUNK) {
                later = sendChunk(chunk, later, replies);
                chunk = new ArrayList<>(PUBLISH_CHUNK);
                inChunk = 0;
            }
        }
        sendChunk(chunk, later, replies);
    }

    /**
     * Writes a chunk's XADDs and its ZADD of delayed messages, if any, in one go, once the replies to all but the last
     * chunk before it are in: at most two chunks in flight, so that no command of a big batch waits behind thousands
     * of others (in a cold JVM the client took longer than the command timeout to write 50,000 at once, and the last
     * XADDs timed out). Returns null, the next chunk's ZADD.
     */
    private CommandArgs<String, byte[]> sendChunk(List<RedisCommand<String, byte[], ?>> chunk, CommandArgs<String, byte[]> later,
                                                  List<CompletableFuture<?>> replies) {
        for (int i = replies.size() - chunk.size() - PUBLISH_CHUNK - 1; i >= 0; i--) {
            if (replies.get(i).isDone()) {
                break;   // and so are those before it: replies come in order
            }
            Scripts.join(replies.get(i));
        }
        if (later != null) {
            AsyncCommand<String, byte[], Long> zadd = new AsyncCommand<>(new Command<>(CommandType.ZADD,
                    new IntegerOutput<>(RedisConnections.CODEC), later));
            chunk.add(zadd);
            replies.add(zadd);
        }
        if (!chunk.isEmpty()) {
            shared.dispatch(chunk);
        }
        return null;
    }

    private static Map<String, byte[]> entryFields(OutboundMessage m) {
        Map<String, byte[]> fields = new LinkedHashMap<>(4);
        fields.put("id", utf8(m.id()));
        fields.put("body", m.body());
        fields.put("prio", utf8(Integer.toString(m.priority())));
        return fields;
    }

    /** A 16-character unique token (so equal messages stay distinct members), the priority digit, len(id), ':', id, body. */
    private static byte[] delayedMember(OutboundMessage m) {
        byte[] id = utf8(m.id());
        byte[] head = utf8(String.format("%016x%d%d:", ThreadLocalRandom.current().nextLong(), m.priority(), id.length));
        byte[] member = new byte[head.length + id.length + m.body().length];
        System.arraycopy(head, 0, member, 0, head.length);
        System.arraycopy(id, 0, member, head.length, id.length);
        System.arraycopy(m.body(), 0, member, head.length + id.length, m.body().length);
        return member;
    }

    // ---------------------------------------------------------------- poll

    @Override
    public List<Delivery> poll(List<String> queues, int max, Duration timeout) throws InterruptedException {
        if (max < 1) {
            throw new IllegalArgumentException("max must be at least 1, was " + max);
        }
        if (queues.isEmpty()) {
            throw new IllegalArgumentException("poll needs at least one queue");
        }
        queues.forEach(Keys::checkQueueName);
        if (Thread.interrupted()) {
            throw new InterruptedException();
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        // a different queue goes first on each call, so that with max = 1 no queue is always last
        int turn = rotation.getAndIncrement();
        List<Keys.Shard> order = shardsInTurn(rotate(queues, turn), turn);
        List<List<Keys.Shard>> slots = bySlot(order);
        Set<String> queueSet = Set.copyOf(queues);
        StatefulConnection<String, byte[]> connection = borrow();
        boolean giveBack = true;
        try {
            while (true) {
                checkOpen();
                PollOutcome outcome;
                // a plain read needs a count of at least one for each stream
                ScriptRun resting = restingScript(queueSet, slots.size() == 1 && max >= order.size() * settings.priorityLevels());
                if (resting != null) {
                    outcome = new PollOutcome(List.of(), resting.nextDueMillis());
                } else {
                    try {
                        outcome = slots.size() == 1 ? runPollScript(connection, order, max) : runPollScripts(connection, slots, max);
                    } catch (RedisConnectionException | RedisCommandTimeoutException e) {
                        waitOutConnectionTrouble(e, deadline);
                        return List.of();
                    }
                    lastScript.put(queueSet, new ScriptRun(System.nanoTime(), outcome.nextDueMillis, false, null)
                            .afterRead(outcome.deliveries, outcome.deliveries.size() < max));
                    if (!outcome.deliveries.isEmpty()) {
                        return outcome.deliveries;
                    }
                }
                if (Thread.interrupted()) {
                    throw new InterruptedException();
                }
                long leftMs = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
                if (leftMs < 1) {
                    return List.of();
                }
                long blockMs = Math.min(leftMs, MAX_BLOCK_MS);
                blockMs = Math.min(blockMs, Math.max(1, settings.commandTimeout().toMillis() / 2));
                blockMs = Math.min(blockMs, Math.max(1, TimeUnit.NANOSECONDS.toMillis(nextReclaimNanos.get() - System.nanoTime())));
                if (outcome.nextDueMillis >= 0) {
                    blockMs = Math.min(blockMs, Math.max(1, outcome.nextDueMillis - clock.millis()));
                }
                try {
                    List<Delivery> got;
                    if (resting != null && !resting.drained()) {
                        String busy = resting.busyStream();
                        List<Delivery> plain = plainRead(connection, order, max, busy);
                        long fromBusy = plain.stream().filter(d -> ((Receipt) d.receipt()).stream().equals(busy)).count();
                        lastScript.computeIfPresent(queueSet, (k, last) -> last.afterRead(plain, fromBusy < plainCount(order, max, busy, busy)));
                        if (!plain.isEmpty()) {
                            return plain;
                        }
                        continue;   // to the blocking read
                    }
                    if (slots.size() == 1) {
                        BlockingRead read = blockingRead(connection, order, max, blockMs);
                        try {
                            got = read.await(blockMs + settings.commandTimeout().toMillis());
                        } catch (InterruptedException e) {
                            // whatever the read still brings is requeued; the connection is given back only then
                            giveBack = false;
                            read.giveBackWhenDone(connection);
                            throw e;
                        }
                    } else {
                        got = blockingReads(slots, max, blockMs);
                        if (!got.isEmpty() && got.size() < max) {
                            // woken by one slot's entries: the other slots' come in the same poll, so a queue whose
                            // stream is in another slot does not wait behind a flood in this one
                            List<Delivery> more = runPollScripts(connection, slots, max - got.size()).deliveries;
                            if (!more.isEmpty()) {
                                got = new ArrayList<>(got);
                                got.addAll(more);
                            }
                        }
                    }
                    if (slots.size() == 1 && !got.isEmpty()) {
                        List<Delivery> read = got;
                        int asked = blockingCount(order, max);
                        lastScript.computeIfPresent(queueSet, (k, last) -> last.afterRead(read, read.size() < asked));
                    }
                    if (got.size() > max) {
                        // several streams had entries when the read came (each may give up to its count): the
                        // surplus goes back rather than past the caller's limit
                        got.subList(max, got.size()).forEach(this::giveBackUnseen);
                        return List.copyOf(got.subList(0, max));
                    }
                    if (!got.isEmpty()) {
                        return got;
                    }
                } catch (RedisConnectionException | RedisCommandTimeoutException e) {
                    waitOutConnectionTrouble(e, deadline);
                    return List.of();
                } catch (RedisException e) {
                    if (closed) {
                        throw closedError();
                    }
                    if (e.getMessage() != null && e.getMessage().contains("NOGROUP")) {
                        // Redis lost the groups (restarted without persistence, or someone deleted keys): the script
                        // or the blocking read makes them again
                        order.forEach(s -> grouped.remove(s.base()));
                        lastScript.remove(queueSet);
                        continue;
                    }
                    throw e;
                }
            }
        } finally {
            if (giveBack) {
                giveBack(connection);
            }
        }
    }

    /** The shards of the queues in order; a partitioned queue's partitions start at a rotating one, as queues do. */
    private List<Keys.Shard> shardsInTurn(List<String> queues, int turn) {
        List<Keys.Shard> out = new ArrayList<>(queues.size() * settings.partitions());
        for (String q : queues) {
            List<Keys.Shard> shards = keys.shards(q);
            out.addAll(shards.size() == 1 ? shards : rotate(shards, turn));
        }
        return out;
    }

    /** The shards grouped by slot, in order of first appearance; one group on one Redis, where there are no slots. */
    private List<List<Keys.Shard>> bySlot(List<Keys.Shard> shards) {
        if (!keys.cluster() || shards.size() == 1) {
            return List.of(shards);
        }
        Map<Integer, List<Keys.Shard>> groups = new LinkedHashMap<>();
        for (Keys.Shard s : shards) {
            groups.computeIfAbsent(Keys.slot(s.delayed()), k -> new ArrayList<>()).add(s);
        }
        return List.copyOf(groups.values());
    }

    private record PollOutcome(List<Delivery> deliveries, long nextDueMillis) {
    }

    /**
     * The last poll script of these queues, if it is recent and nothing it left for later is due yet, and the last
     * poll found nothing or found entries of one stream only: then the blocking read, or plain XREADGROUPs, do what
     * the script would. Only a last poll that found nothing counts when {@code plainReads} is false (a poll of several
     * slots, or one whose {@code max} is less than its streams).
     */
    private ScriptRun restingScript(Set<String> queueSet, boolean plainReads) {
        ScriptRun last = lastScript.get(queueSet);
        if (last == null || !(last.drained() || (plainReads && last.busyStream() != null))) {
            return null;
        }
        long now = System.nanoTime();
        boolean stale = now - last.atNanos() >= TimeUnit.MILLISECONDS.toNanos(SCRIPT_REST_MS)
                || now - nextReclaimNanos.get() >= 0
                || (last.nextDueMillis() >= 0 && clock.millis() >= last.nextDueMillis());
        return stale ? null : last;
    }

    /** Whether this poll reclaims expired leases (and, less often, sweeps dead consumers): {reclaim, sweep}. */
    private boolean[] maintenanceDue() {
        long nowNanos = System.nanoTime();
        long due = nextReclaimNanos.get();
        boolean reclaim = nowNanos - due >= 0 && nextReclaimNanos.compareAndSet(due, nowNanos + reclaimIntervalNanos);
        long sweepDue = nextSweepNanos.get();
        boolean sweep = reclaim && nowNanos - sweepDue >= 0
                && nextSweepNanos.compareAndSet(sweepDue, nowNanos + SWEEP_AFTER_TIMEOUTS * settings.visibilityTimeout().toNanos());
        return new boolean[]{reclaim, sweep};
    }

    private PollOutcome runPollScript(StatefulConnection<String, byte[]> connection, List<Keys.Shard> shards, int max) {
        boolean[] due = maintenanceDue();
        CompletableFuture<List<Object>> reply = sendPollScript(connection, shards, max, due[0], due[1]);
        if (recordKeyPrefix == null) {
            return decodePollReply(Scripts.join(reply), shards, null);
        }
        // the MGET leaves on the event loop as the script's reply comes in: see "Records read ahead"
        ScriptReply withRecords = Scripts.join(reply.thenApply(r -> new ScriptReply(r, readRecords(connection, idsOfScriptReply(r)))));
        return decodePollReply(withRecords.reply(), shards, withRecords.records());
    }

    private record ScriptReply(List<Object> reply, RecordsRead records) {
    }

    /**
     * The poll script on each slot's shards, all sent before any reply is awaited. {@code max} is shared out in
     * turn, the first slot first; a slot whose share is nothing is left out unless leases are to be reclaimed (its
     * delayed messages move on a later poll, when its turn brings it a share).
     */
    private PollOutcome runPollScripts(StatefulConnection<String, byte[]> connection, List<List<Keys.Shard>> slots, int max) {
        boolean[] due = maintenanceDue();
        // a slot reclaims only as far as its share goes, so the reclaiming passes hand the first share to each slot in
        // turn: the polls' own rotation can keep step with the reclaim interval and leave one slot's leases unclaimed
        int first = due[0] ? Math.floorMod(reclaimRotation.getAndIncrement(), slots.size()) : 0;
        List<CompletableFuture<List<Object>>> replies = new ArrayList<>(slots.size());
        for (int i = 0; i < slots.size(); i++) {
            int place = Math.floorMod(i - first, slots.size());
            int share = max / slots.size() + (place < max % slots.size() ? 1 : 0);
            replies.add(share > 0 || due[0] ? sendPollScript(connection, slots.get(i), share, due[0], due[1]) : null);
        }
        List<Delivery> deliveries = new ArrayList<>();
        long nextDue = -1;
        RuntimeException failure = null;
        for (int i = 0; i < slots.size(); i++) {
            if (replies.get(i) == null) {
                continue;
            }
            try {
                PollOutcome one = decodePollReply(Scripts.join(replies.get(i)), slots.get(i), null);
                deliveries.addAll(one.deliveries);
                if (one.nextDueMillis >= 0 && (nextDue < 0 || one.nextDueMillis < nextDue)) {
                    nextDue = one.nextDueMillis;
                }
            } catch (RuntimeException e) {
                // the other slots' deliveries are this consumer's now: hand them out, fail only with none
                failure = failure == null ? e : failure;
            }
        }
        if (deliveries.isEmpty() && failure != null) {
            throw failure;
        }
        return new PollOutcome(deliveries, nextDue);
    }

    private CompletableFuture<List<Object>> sendPollScript(StatefulConnection<String, byte[]> connection, List<Keys.Shard> shards,
                                                           int max, boolean reclaim, boolean sweep) {
        List<String> scriptKeys = new ArrayList<>(shards.size() * (settings.priorityLevels() + 2));
        for (Keys.Shard shard : shards) {
            scriptKeys.addAll(keys.queueKeys(shard));
        }
        int quota = Math.max(1, (max + shards.size() - 1) / shards.size());
        return Scripts.POLL.run(RedisConnections.commands(connection), scriptKeys.toArray(String[]::new),
                utf8(Keys.GROUP), utf8(consumer), num(max), num(clock.millis()), num(settings.priorityLevels()),
                utf8(reclaim ? "1" : "0"), num(settings.visibilityTimeout().toMillis()), num(settings.maxDeliveries()),
                num(quota), num(MOVE_LIMIT),
                num(sweep ? SWEEP_AFTER_TIMEOUTS * settings.visibilityTimeout().toMillis() : 0));
    }

    private PollOutcome decodePollReply(List<Object> reply, List<Keys.Shard> shards, RecordsRead records) {
        shards.forEach(s -> grouped.add(s.base()));
        if (reply == null || reply.size() < 2) {
            throw new IllegalStateException("unexpected reply from poll.lua: " + reply);
        }
        long nextDue = reply.get(0) instanceof Long l ? l : -1;
        List<Delivery> deliveries = new ArrayList<>();
        if (reply.get(1) instanceof List<?> entries) {
            for (Object entry : entries) {
                Delivery d = decodeScriptEntry(entry, shards, records);
                if (d != null) {
                    deliveries.add(d);
                }
            }
        }
        return new PollOutcome(deliveries, nextDue);
    }

    /** {queue index, level offset, entry id, id, body, prio, delivery count}; anything else is logged and left to be reclaimed. */
    private Delivery decodeScriptEntry(Object entry, List<Keys.Shard> shards, RecordsRead records) {
        if (entry instanceof List<?> f && f.size() == 7 && f.get(0) instanceof Long q && f.get(1) instanceof Long k
                && f.get(2) instanceof byte[] eid && f.get(3) instanceof byte[] id && f.get(4) instanceof byte[] body
                && f.get(5) instanceof byte[] prio && f.get(6) instanceof Long count
                && q >= 0 && q < shards.size() && k >= 0 && k < settings.priorityLevels()) {
            Keys.Shard shard = shards.get(q.intValue());
            String stream = shard.stream(settings.priorityLevels() - 1 - k.intValue());
            touched.add(stream);
            int deliveries = (int) Math.max(1, Math.min(Integer.MAX_VALUE, count));
            return new Delivery(shard.queue(), text(id), body, priority(prio), deliveries, new Receipt(stream, text(eid), records),
                    deliveries > settings.maxDeliveries());
        }
        log.error("Ignoring an entry from poll.lua that is not {{queue, level, entry id, id, body, prio, count}}: {}", entry);
        return null;
    }

    /** A blocking XREADGROUP in flight, and how to turn its reply into deliveries. */
    private final class BlockingRead {
        final CompletableFuture<List<StreamMessage<String, byte[]>>> reply;
        /** The reply, and the MGET of its records sent on the event loop as it came in (see "Records read ahead"). */
        final CompletableFuture<EntriesRead> withRecords;
        final Map<String, String> queueOfStream;

        BlockingRead(CompletableFuture<List<StreamMessage<String, byte[]>>> reply, StatefulConnection<String, byte[]> connection,
                     Map<String, String> queueOfStream) {
            this.reply = reply;
            this.withRecords = reply == null ? null : recordKeyPrefix == null ? reply.thenApply(m -> new EntriesRead(m, null))
                    : reply.thenApply(m -> new EntriesRead(m, readRecords(connection, idsOfEntries(m))));
            this.queueOfStream = queueOfStream;
        }

        List<Delivery> await(long waitMs) throws InterruptedException {
            try {
                EntriesRead read = withRecords.get(waitMs, TimeUnit.MILLISECONDS);
                return decode(read.messages(), read.records());
            } catch (ExecutionException e) {
                Throwable cause = Scripts.unwrap(e.getCause());
                throw cause instanceof RedisException re ? re : new RedisException(cause);
            } catch (TimeoutException e) {
                reply.cancel(false);
                throw new RedisCommandTimeoutException("no reply to a blocking XREADGROUP within " + waitMs + " ms");
            }
        }

        /** Nobody waits for this read any more: what it brings goes back unseen, then its connection is given back. */
        void giveBackWhenDone(StatefulConnection<String, byte[]> connection) {
            // not on the event loop that completes the reply: giving back waits for Redis, whose replies that loop reads
            reply.whenCompleteAsync((r, failure) -> {
                try {
                    decode(r == null ? List.of() : r, null).forEach(RedisBroker.this::giveBackUnseen);
                } finally {
                    giveBack(connection);
                }
            });
        }

        List<Delivery> decode(List<StreamMessage<String, byte[]>> messages, RecordsRead records) {
            List<Delivery> deliveries = new ArrayList<>(messages.size());
            for (StreamMessage<String, byte[]> m : messages) {
                String queue = queueOfStream.get(m.getStream());
                Map<String, byte[]> fields = m.getBody();
                if (queue == null) {
                    log.error("A blocking read returned entry {} of stream {} that it did not ask for", m.getId(), m.getStream());
                    continue;
                }
                touched.add(m.getStream());
                byte[] id = fields == null ? null : fields.get("id");
                byte[] body = fields == null ? null : fields.get("body");
                if (id == null || body == null) {
                    deadLetter(m.getStream(), m.getId(), "malformed stream entry: no id or body field", 1);
                    continue;
                }
                int prior = (int) parseLong(fields.get("prior"), 0);
                if (prior > settings.maxDeliveries()) {
                    // its exhausted delivery came back too: as poll.lua does, dead-letter it as it is
                    deadLetter(m.getStream(), m.getId(), exhaustedAgain(settings.maxDeliveries()), prior);
                    continue;
                }
                int count = Math.max(1, prior + 1);
                deliveries.add(new Delivery(queue, text(id), body, priority(fields.get("prio")), count,
                        new Receipt(m.getStream(), m.getId(), records), count > settings.maxDeliveries()));
            }
            return deliveries;
        }
    }

    /** A stream read's entries, and the MGET of their records that followed it, or null. */
    private record EntriesRead(List<StreamMessage<String, byte[]>> messages, RecordsRead records) {
    }

    /**
     * Reads new entries without the script, while the last poll found entries of {@code busy} only: one XREADGROUP per
     * stream, all sent before any reply is awaited (one round trip), the busy stream asked for all of {@code max} but
     * one for each other stream, the others for one each. So the poll never brings more than {@code max} (a surplus
     * would go back to its stream's tail, out of order), and an entry arriving in another stream, a higher priority
     * level say, is read at once; the poll after that runs the script, which shares {@code max} out by priority.
     * Returns the deliveries highest level first, queue by queue.
     */
    private List<Delivery> plainRead(StatefulConnection<String, byte[]> connection, List<Keys.Shard> shards, int max, String busy) {
        RedisClusterAsyncCommands<String, byte[]> commands = RedisConnections.commands(connection);
        Map<String, String> queueOfStream = new HashMap<>();
        List<CompletableFuture<List<StreamMessage<String, byte[]>>>> replies = new ArrayList<>();
        Consumer<String> me = Consumer.from(Keys.GROUP, consumer);
        for (Keys.Shard shard : shards) {
            for (int level = settings.priorityLevels() - 1; level >= 0; level--) {
                String stream = shard.stream(level);
                queueOfStream.put(stream, shard.queue());
                replies.add(commands.xreadgroup(me, XReadArgs.Builder.count(plainCount(shards, max, busy, stream)),
                        StreamOffset.lastConsumed(stream)).toCompletableFuture());
            }
        }
        List<StreamMessage<String, byte[]>> messages = new ArrayList<>();
        RuntimeException failure = null;
        for (CompletableFuture<List<StreamMessage<String, byte[]>>> reply : replies) {
            try {
                messages.addAll(Scripts.join(reply));
            } catch (RuntimeException e) {
                // what the other reads brought is this consumer's now: hand it out, fail only with nothing
                failure = failure == null ? e : failure;
            }
        }
        if (messages.isEmpty() && failure != null) {
            throw failure;
        }
        return new BlockingRead(null, connection, queueOfStream).decode(messages, readRecords(connection, idsOfEntries(messages)));
    }

    /** How many entries a plain read asks of {@code stream}: all of {@code max} but one for each other stream if busy. */
    private int plainCount(List<Keys.Shard> shards, int max, String busy, String stream) {
        return stream.equals(busy) ? max - (shards.size() * settings.priorityLevels() - 1) : 1;
    }

    /** How many entries a blocking read asks of each stream. */
    private int blockingCount(List<Keys.Shard> shards, int max) {
        return Math.max(1, max / (shards.size() * settings.priorityLevels()));
    }

    @SuppressWarnings("unchecked")
    private BlockingRead blockingRead(StatefulConnection<String, byte[]> connection, List<Keys.Shard> shards, int max, long blockMs) {
        RedisClusterAsyncCommands<String, byte[]> commands = RedisConnections.commands(connection);
        for (Keys.Shard s : shards) {
            if (!grouped.contains(s.base())) {
                // one script per shard: on a cluster the shards of one read share a slot, but ENSURE_GROUPS is rare
                List<String> streams = new ArrayList<>();
                for (int level = 0; level < settings.priorityLevels(); level++) {
                    streams.add(s.stream(level));
                }
                Scripts.join(Scripts.ENSURE_GROUPS.run(commands, streams.toArray(String[]::new), utf8(Keys.GROUP)));
                grouped.add(s.base());
            }
        }
        Map<String, String> queueOfStream = new HashMap<>();
        List<StreamOffset<String>> offsets = new ArrayList<>();
        for (Keys.Shard shard : shards) {
            for (int level = settings.priorityLevels() - 1; level >= 0; level--) {
                String stream = shard.stream(level);
                queueOfStream.put(stream, shard.queue());
                offsets.add(StreamOffset.lastConsumed(stream));
            }
        }
        CompletableFuture<List<StreamMessage<String, byte[]>>> reply = commands
                .xreadgroup(Consumer.from(Keys.GROUP, consumer),
                        XReadArgs.Builder.block(blockMs).count(blockingCount(shards, max)),
                        offsets.toArray(StreamOffset[]::new))
                .toCompletableFuture();
        return new BlockingRead(reply, connection, queueOfStream);
    }

    /**
     * One blocking read per slot, each on a connection of its own (a blocking command holds its connection to that
     * master): returns what the reads that answered first brought. A read still waiting is parked with its
     * connection, and the next poll of that slot waits on it instead of sending another, so an idle consumer of
     * three partitions holds three blocking reads, not three more with every message; what a parked read brings
     * is handed out by that next poll (it is this consumer's already, and {@link #close} releases it if none comes).
     */
    private List<Delivery> blockingReads(List<List<Keys.Shard>> slots, int max, long blockMs) throws InterruptedException {
        List<ParkedRead> reads = new ArrayList<>(slots.size());
        List<Delivery> got = new ArrayList<>();
        RedisException failure = null;
        try {
            for (List<Keys.Shard> shards : slots) {
                String key = shards.stream().map(Keys.Shard::base).collect(java.util.stream.Collectors.joining(" "));
                ParkedRead read = parked.computeIfAbsent(key, k -> new ConcurrentLinkedDeque<>()).pollFirst();
                if (read == null) {
                    StatefulConnection<String, byte[]> c = borrow();
                    try {
                        read = new ParkedRead(key, c, blockingRead(c, shards, Math.max(1, max / slots.size()), blockMs));
                    } catch (RuntimeException e) {
                        giveBack(c);
                        throw e;
                    }
                }
                reads.add(read);
            }
            long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(blockMs + settings.commandTimeout().toMillis());
            while (got.isEmpty() && !reads.isEmpty()) {
                try {
                    CompletableFuture.anyOf(reads.stream().map(r -> r.read.reply).toArray(CompletableFuture[]::new))
                            .get(Math.max(1, end - System.nanoTime()), TimeUnit.NANOSECONDS);
                } catch (ExecutionException e) {
                    // one failed: collected below, with the others that are done
                } catch (TimeoutException e) {
                    throw new RedisCommandTimeoutException("no reply to " + reads.size() + " blocking XREADGROUP(s) within "
                            + (blockMs + settings.commandTimeout().toMillis()) + " ms");
                }
                for (int i = reads.size() - 1; i >= 0; i--) {
                    ParkedRead read = reads.get(i);
                    if (!read.read.reply.isDone()) {
                        continue;
                    }
                    reads.remove(i);
                    giveBack(read.connection);
                    try {
                        got.addAll(read.read.decode(read.read.reply.join(), null));
                    } catch (java.util.concurrent.CompletionException | java.util.concurrent.CancellationException e) {
                        Throwable cause = Scripts.unwrap(e);
                        failure = cause instanceof RedisException re ? re : new RedisException(cause);
                    }
                }
            }
        } finally {
            for (ParkedRead read : reads) {
                parked.computeIfAbsent(read.key, k -> new ConcurrentLinkedDeque<>()).addLast(read);
            }
        }
        if (got.isEmpty() && failure != null) {
            throw failure;
        }
        return got;
    }

    /** A blocking read of one slot's shards that no poll waits on now, with the connection it holds. */
    private record ParkedRead(String key, StatefulConnection<String, byte[]> connection, BlockingRead read) {
    }

    /** Logs (at most every 10 s) and waits a little, so a worker loop polling a Redis that is down does not spin. */
    private void waitOutConnectionTrouble(RedisException e, long deadline) throws InterruptedException {
        long now = System.nanoTime();
        long last = lastConnectionWarning.get();
        if (now - last > TimeUnit.SECONDS.toNanos(10) && lastConnectionWarning.compareAndSet(last, now)) {
            log.warn("Redis is unreachable ({}); polling goes on and resumes when it is back", e.toString());
        }
        long leftMs = TimeUnit.NANOSECONDS.toMillis(deadline - now);
        Thread.sleep(Math.max(100, Math.min(leftMs, 1000)));
    }

    private StatefulConnection<String, byte[]> borrow() {
        StatefulConnection<String, byte[]> c = idle.pollFirst();
        if (c != null) {
            return c;
        }
        c = connections.connect();
        all.add(c);
        if (closed) {
            c.closeAsync();
            throw closedError();
        }
        return c;
    }

    private void giveBack(StatefulConnection<String, byte[]> c) {
        if (!closed) {
            idle.addFirst(c);
        }
        // else close() closes it with all the others
    }

    private static <T> List<T> rotate(List<T> queues, int by) {
        int n = queues.size();
        if (n == 1) {
            return List.copyOf(queues);
        }
        int start = Math.floorMod(by, n);
        List<T> order = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            order.add(queues.get((start + i) % n));
        }
        return order;
    }

    // ---------------------------------------------------------------- settle

    @Override
    public void ack(Delivery delivery) {
        Receipt r = receipt(delivery);
        long acked = Scripts.<Long>join(Scripts.ACK.run(redis, new String[]{r.stream()}, utf8(Keys.GROUP), utf8(r.entryId())));
        if (acked == 0) {
            // it was acked already, or its lease ran out and another consumer acked it first
            log.debug("{} was no longer pending when acknowledged", delivery);
        }
    }

    /**
     * XACK and XDEL per stream, all sent before any reply is awaited: one round trip for the batch, and no script (the
     * two need no atomicity: an entry acked but not yet deleted is never read again, and both are no-ops the second
     * time, as after Lettuce replays them on a reconnect).
     */
    @Override
    public void ackAll(List<Delivery> deliveries) {
        List<RedisCommand<String, byte[], ?>> commands = ackCommands(entriesByStream(deliveries));
        shared.dispatch(commands);
        for (RedisCommand<String, byte[], ?> command : commands) {
            Scripts.join((AsyncCommand<String, byte[], ?>) command);
        }
    }

    @Override
    public void requeue(Delivery delivery) {
        Receipt r = receipt(delivery);
        long done = Scripts.<Long>join(Scripts.REQUEUE.run(redis, new String[]{r.stream()}, utf8(Keys.GROUP),
                utf8(r.entryId()), num(delivery.deliveryCount())));
        if (done == 0) {
            throw notHeld(delivery);
        }
    }

    /**
     * Returns a message that a poll read but never handed to its caller (the poll was interrupted, or the read
     * brought more than asked for). Nobody saw it, so this delivery does not count toward max-deliveries.
     */
    private void giveBackUnseen(Delivery delivery) {
        try {
            Receipt r = receipt(delivery);
            Scripts.<Long>join(Scripts.REQUEUE.run(redis, new String[]{r.stream()}, utf8(Keys.GROUP),
                    utf8(r.entryId()), num(delivery.deliveryCount() - 1)));
        } catch (RuntimeException e) {
            log.warn("Could not return {}, read by a poll but not handed out; it is redelivered after the visibility"
                    + " timeout", delivery, e);
        }
    }

    @Override
    public void reject(Delivery delivery, String reason) {
        Receipt r = receipt(delivery);
        if (deadLetter(r.stream(), r.entryId(), reason == null ? "rejected" : reason, delivery.deliveryCount()) == 0) {
            throw notHeld(delivery);
        }
    }

    /** Dead-letters an entry into the dead-letter stream of its own shard (the same slot on a cluster). */
    private long deadLetter(String stream, String entryId, String reason, int deliveries) {
        return Scripts.<Long>join(Scripts.REJECT.run(redis, new String[]{stream, Keys.deadBeside(stream)}, utf8(Keys.GROUP),
                utf8(entryId), utf8(reason), num(clock.millis()), num(deliveries)));
    }

    /** The reason of a message whose exhausted delivery came back too (poll.lua words it the same). */
    static String exhaustedAgain(int maxDeliveries) {
        return "delivered " + maxDeliveries + " times without an acknowledgement (max-deliveries=" + maxDeliveries
                + "), then once more to be reported, and given back again: its consumers gave it back, died or ran past"
                + " the visibility timeout without extending their lease";
    }

    /** False once the entry is no longer pending for this consumer; whoever asked decides whether that is news. */
    @Override
    public boolean extendLease(Delivery delivery) {
        Receipt r = receipt(delivery);
        long kept = Scripts.<Long>join(Scripts.EXTEND.run(redis, new String[]{r.stream()}, utf8(Keys.GROUP), utf8(consumer),
                utf8(r.entryId())));
        return kept != 0;
    }

    @Override
    public Optional<Duration> visibilityTimeout() {
        return Optional.of(settings.visibilityTimeout());
    }

    /**
     * Whether this broker's streams are on the one Redis (not a cluster) that {@code other} connects to, in the same
     * database, with no {@code wait-replicas} on either side: then one script there can store records and acknowledge
     * this broker's deliveries together ({@link RedisResultBackend#storeAllUnlessFinalAndAck}).
     */
    boolean sharesServerWith(RedisSettings other) {
        return !settings.cluster() && !other.cluster() && settings.waitReplicas() == 0 && other.waitReplicas() == 0
                && settings.database() == other.database()
                && settings.redisUri().getHost().equals(other.redisUri().getHost())
                && settings.redisUri().getPort() == other.redisUri().getPort();
    }

    /** The entry ids of {@code deliveries} by stream, in order: what an acknowledgement of them sends (XACK, XDEL). */
    Map<String, List<String>> entriesByStream(List<Delivery> deliveries) {
        Map<String, List<String>> byStream = new LinkedHashMap<>();
        for (Delivery d : deliveries) {
            Receipt r = receipt(d);
            byStream.computeIfAbsent(r.stream(), k -> new ArrayList<>()).add(r.entryId());
        }
        return byStream;
    }

    /** XACK then XDEL of each stream's entries, to be sent together (see {@link #ackAll}). */
    static List<RedisCommand<String, byte[], ?>> ackCommands(Map<String, List<String>> byStream) {
        List<RedisCommand<String, byte[], ?>> commands = new ArrayList<>(2 * byStream.size());
        byStream.forEach((stream, ids) -> {
            CommandArgs<String, byte[]> ack = new CommandArgs<>(RedisConnections.CODEC).addKey(stream).add(Keys.GROUP);
            CommandArgs<String, byte[]> delete = new CommandArgs<>(RedisConnections.CODEC).addKey(stream);
            for (String id : ids) {
                ack.add(id);
                delete.add(id);
            }
            commands.add(new AsyncCommand<>(new Command<>(CommandType.XACK, new IntegerOutput<>(RedisConnections.CODEC), ack)));
            commands.add(new AsyncCommand<>(new Command<>(CommandType.XDEL, new IntegerOutput<>(RedisConnections.CODEC), delete)));
        });
        return commands;
    }

    private Receipt receipt(Delivery delivery) {
        checkOpen();
        if (delivery.receipt() instanceof Receipt r && keys.shardOfStream(delivery.queue(), r.stream()) != null) {
            return r;
        }
        throw new IllegalArgumentException(delivery + " did not come from a Redis broker with prefix " + settings.prefix());
    }

    private static IllegalStateException notHeld(Delivery delivery) {
        return new IllegalStateException(delivery + " is not held by a consumer any more: it was acknowledged, requeued or"
                + " rejected already, or its lease ran out and it went to another consumer");
    }

    // ---------------------------------------------------------------- inspect

    @Override
    public long depth(String queue) {
        Keys.checkQueueName(queue);
        checkOpen();
        List<CompletableFuture<Long>> replies = new ArrayList<>();
        for (Keys.Shard shard : keys.shards(queue)) {
            replies.add(Scripts.DEPTH.run(redis, keys.queueKeys(shard).toArray(String[]::new), utf8(Keys.GROUP),
                    num(clock.millis()), num(settings.priorityLevels())));
        }
        return sum(replies);
    }

    @Override
    public long purge(String queue) {
        Keys.checkQueueName(queue);
        checkOpen();
        List<CompletableFuture<Long>> replies = new ArrayList<>();
        for (Keys.Shard shard : keys.shards(queue)) {
            replies.add(Scripts.PURGE.run(redis, keys.queueKeys(shard).toArray(String[]::new), utf8(Keys.GROUP)));
        }
        return sum(replies);
    }

    private static long sum(List<CompletableFuture<Long>> replies) {
        long n = 0;
        for (CompletableFuture<Long> reply : replies) {
            n += Scripts.<Long>join(reply);
        }
        return n;
    }

    @Override
    public List<DeadLetter> deadLetters(String queue, int max) {
        Keys.checkQueueName(queue);
        checkOpen();
        if (max < 1) {
            return List.of();
        }
        List<StreamMessage<String, byte[]>> entries = new ArrayList<>();
        for (Keys.Shard shard : keys.shards(queue)) {
            entries.addAll(Scripts.join(
                    redis.xrange(shard.dead(), io.lettuce.core.Range.create("-", "+"), io.lettuce.core.Limit.from(max))));
        }
        if (keys.shards(queue).size() > 1) {
            // the oldest first across partitions, as one stream would list them
            entries.sort(java.util.Comparator.comparingLong((StreamMessage<String, byte[]> e) -> entryMillis(e.getId())));
            entries = entries.subList(0, Math.min(max, entries.size()));
        }
        List<DeadLetter> letters = new ArrayList<>(entries.size());
        for (StreamMessage<String, byte[]> e : entries) {
            Map<String, byte[]> f = e.getBody() == null ? Map.of() : e.getBody();
            byte[] body = f.get("body");
            letters.add(new DeadLetter(queue, f.get("id") == null ? "" : text(f.get("id")), body == null ? new byte[0] : body,
                    f.get("reason") == null ? "(no reason recorded)" : text(f.get("reason")),
                    Instant.ofEpochMilli(parseLong(f.get("at"), entryMillis(e.getId())))));
        }
        return letters;
    }

    @Override
    public int requeueDeadLetter(String queue, String messageId) {
        Keys.checkQueueName(queue);
        checkOpen();
        List<CompletableFuture<Long>> replies = new ArrayList<>();
        for (Keys.Shard shard : keys.shards(queue)) {
            replies.add(Scripts.DEAD_LETTER_TAKE.run(redis, new String[]{shard.dead(), shard.stream(0)}, utf8(messageId)));
        }
        return (int) sum(replies);
    }

    @Override
    public int dropDeadLetter(String queue, String messageId) {
        Keys.checkQueueName(queue);
        checkOpen();
        List<CompletableFuture<Long>> replies = new ArrayList<>();
        for (Keys.Shard shard : keys.shards(queue)) {
            replies.add(Scripts.DEAD_LETTER_TAKE.run(redis, new String[]{shard.dead()}, utf8(messageId)));
        }
        return (int) sum(replies);
    }

    /** The time part of a stream entry id ({@code millis-seq}). */
    private static long entryMillis(String entryId) {
        int dash = entryId.indexOf('-');
        try {
            return Long.parseLong(dash < 0 ? entryId : entryId.substring(0, dash));
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    /** The name this broker has in the consumer groups (XINFO CONSUMERS). */
    public String consumerName() {
        return consumer;
    }

    // ---------------------------------------------------------------- close

    /**
     * Requeues what this consumer still holds, so others get it at once rather than after the visibility
     * timeout, then closes the connections.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            if (!touched.isEmpty()) {
                // one script per slot on a cluster; on one Redis, one for all
                Map<Integer, List<String>> bySlot = new LinkedHashMap<>();
                for (String stream : touched) {
                    bySlot.computeIfAbsent(keys.cluster() ? Keys.slot(stream) : 0, k -> new ArrayList<>()).add(stream);
                }
                List<CompletableFuture<Long>> replies = new ArrayList<>();
                for (List<String> streams : bySlot.values()) {
                    replies.add(Scripts.RELEASE.run(redis, streams.toArray(String[]::new), utf8(Keys.GROUP), utf8(consumer)));
                }
                long n = sum(replies);
                if (n > 0) {
                    log.info("Returned {} unacknowledged message(s) to their queues on close", n);
                }
            }
        } catch (RuntimeException e) {
            log.warn("Could not return unacknowledged messages on close; they are redelivered after the visibility timeout", e);
        } finally {
            // wait for the closes, or the client's shutdown closes the same connections again
            CompletableFuture<?>[] closing = all.stream().map(StatefulConnection::closeAsync).toArray(CompletableFuture[]::new);
            try {
                CompletableFuture.allOf(closing).get(2, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (ExecutionException | TimeoutException e) {
                log.debug("Closing poll connections did not finish cleanly", e);
            }
            shared.close();
            connections.close();
        }
    }

    private void checkOpen() {
        if (closed) {
            throw closedError();
        }
    }

    private static IllegalStateException closedError() {
        return new IllegalStateException("the Redis broker is closed");
    }

    // ---------------------------------------------------------------- decoding

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] num(long n) {
        return utf8(Long.toString(n));
    }

    static String text(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }

    private static long parseLong(byte[] b, long fallback) {
        if (b == null) {
            return fallback;
        }
        try {
            return Long.parseLong(text(b).trim());
        } catch (NumberFormatException e) {
            return fallback;
        }
    }

    /** A priority as stored, clamped to 0-9 (an entry written by hand may say anything). */
    private static int priority(byte[] b) {
        return (int) Math.max(0, Math.min(OutboundMessage.MAX_PRIORITY, parseLong(b, 0)));
    }
}
