package dev.amdahl.redis.internal;

import dev.amdahl.spi.Broker;
import dev.amdahl.spi.DeadLetter;
import dev.amdahl.spi.Delivery;
import dev.amdahl.spi.OutboundMessage;
import io.lettuce.core.Consumer;
import io.lettuce.core.RedisCommandTimeoutException;
import io.lettuce.core.RedisConnectionException;
import io.lettuce.core.RedisException;
import io.lettuce.core.StreamMessage;
import io.lettuce.core.XReadArgs.StreamOffset;
import io.lettuce.core.XReadArgs;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
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
 * the script found nothing, polls of the same queues go straight to the blocking read unless a delayed
 * message or a reclaim is due: a worker woken for one message at a time then makes one Redis call per
 * message instead of two (a delayed message published meanwhile waits as it would during a blocking read).
 * {@code ack} XACKs and XDELs the entry.
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
 * <h2>Threads</h2>
 * Non-blocking commands share one connection (Lettuce pipelines concurrent callers on it). Each concurrent
 * {@code poll} borrows a connection from {@code idle}; {@code all} holds every connection ever opened so
 * that {@link #close} can close them.
 */
public final class RedisBroker implements Broker {

    private static final Logger log = LoggerFactory.getLogger(RedisBroker.class);

    /** The most messages one publish script carries; bigger batches are split (and sent without waiting in between). */
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
    private final StatefulRedisConnection<String, byte[]> shared;
    private final RedisAsyncCommands<String, byte[]> redis;
    private final String consumer;
    private final ConcurrentLinkedDeque<StatefulRedisConnection<String, byte[]>> idle = new ConcurrentLinkedDeque<>();
    private final Set<StatefulRedisConnection<String, byte[]>> all = ConcurrentHashMap.newKeySet();
    /** Streams this consumer read from: on close, what it still holds there is requeued. */
    private final Set<String> touched = ConcurrentHashMap.newKeySet();
    /** Queues whose consumer groups exist, so a blocking read may name their streams. */
    private final Set<String> grouped = ConcurrentHashMap.newKeySet();
    private final AtomicInteger rotation = new AtomicInteger();
    private final AtomicLong nextReclaimNanos = new AtomicLong(System.nanoTime());
    private final AtomicLong nextSweepNanos = new AtomicLong(System.nanoTime());
    private final AtomicLong lastConnectionWarning = new AtomicLong(System.nanoTime() - TimeUnit.MINUTES.toNanos(1));
    private final long reclaimIntervalNanos;
    private volatile boolean closed;
    /** When the poll script last found nothing, and the due time it reported, by the set of queues polled. */
    private final Map<Set<String>, EmptyScript> lastEmptyScript = new ConcurrentHashMap<>();

    private record EmptyScript(long atNanos, long nextDueMillis) {
    }

    public RedisBroker(RedisSettings settings, Clock clock) {
        this.settings = settings;
        this.keys = new Keys(settings.prefix(), settings.priorityLevels(), settings.database());
        this.clock = clock;
        this.connections = new RedisConnections(settings);
        try {
            this.shared = connections.connect();
        } catch (RedisException e) {
            connections.close();
            throw e;
        }
        this.redis = shared.async();
        this.consumer = newConsumerName();
        long quarter = settings.visibilityTimeout().toNanos() / 4;
        this.reclaimIntervalNanos = Math.max(TimeUnit.MILLISECONDS.toNanos(25), Math.min(quarter, TimeUnit.SECONDS.toNanos(5)));
    }

    /** host-pid-random: readable in XINFO CONSUMERS, unique per broker instance. */
    private static String newConsumerName() {
        String runtime = ManagementFactory.getRuntimeMXBean().getName();
        return runtime + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    /** The handle of a delivered entry. */
    record Receipt(String stream, String entryId) {
    }

    // ---------------------------------------------------------------- publish

    @Override
    public void publish(String queue, OutboundMessage message) {
        Keys.checkQueueName(queue);
        checkOpen();
        long now = clock.millis();
        if (message.notBefore() != null && message.notBefore().toEpochMilli() > now) {
            Scripts.join(redis.zadd(keys.delayed(queue), (double) message.notBefore().toEpochMilli(), delayedMember(message)));
        } else {
            Scripts.join(redis.xadd(keys.stream(queue, settings.levelOf(message.priority())),
                    Map.of("id", utf8(message.id()), "body", message.body(), "prio", utf8(Integer.toString(message.priority())))));
        }
    }

    /**
     * Sends the messages in chunks of {@value #PUBLISH_CHUNK} per script call, all chunks in flight at once,
     * then waits for every reply: 10,000 messages are ten commands and about one round trip.
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
        List<String> queueKeys = keys.queueKeys(queue);
        queueKeys.remove(1); // publish.lua takes the delayed set and the streams, not the dead letters
        String[] scriptKeys = queueKeys.toArray(String[]::new);
        long now = clock.millis();
        List<CompletableFuture<Long>> replies = new ArrayList<>();
        for (int from = 0; from < messages.size(); from += PUBLISH_CHUNK) {
            List<OutboundMessage> chunk = messages.subList(from, Math.min(messages.size(), from + PUBLISH_CHUNK));
            byte[][] args = new byte[1 + 4 * chunk.size()][];
            args[0] = utf8(Integer.toString(settings.priorityLevels()));
            int i = 1;
            for (OutboundMessage m : chunk) {
                if (m.notBefore() != null && m.notBefore().toEpochMilli() > now) {
                    args[i++] = NOW_OR_LATER[1];
                    args[i++] = utf8(Long.toString(m.notBefore().toEpochMilli()));
                    args[i++] = delayedMember(m);
                    args[i++] = new byte[0];
                } else {
                    args[i++] = NOW_OR_LATER[0];
                    args[i++] = utf8(m.id());
                    args[i++] = utf8(Integer.toString(m.priority()));
                    args[i++] = m.body();
                }
            }
            replies.add(Scripts.PUBLISH.run(redis, scriptKeys, args));
        }
        for (CompletableFuture<Long> reply : replies) {
            Scripts.join(reply);
        }
    }

    private static final byte[][] NOW_OR_LATER = {utf8("n"), utf8("d")};

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
        List<String> order = rotate(queues, rotation.getAndIncrement());
        Set<String> queueSet = Set.copyOf(queues);
        StatefulRedisConnection<String, byte[]> connection = borrow();
        boolean giveBack = true;
        try {
            while (true) {
                checkOpen();
                PollOutcome outcome;
                EmptyScript resting = restingScript(queueSet);
                if (resting != null) {
                    outcome = new PollOutcome(List.of(), resting.nextDueMillis());
                } else {
                    try {
                        outcome = runPollScript(connection, order, max);
                    } catch (RedisConnectionException | RedisCommandTimeoutException e) {
                        waitOutConnectionTrouble(e, deadline);
                        return List.of();
                    }
                    if (!outcome.deliveries.isEmpty()) {
                        lastEmptyScript.remove(queueSet);
                        return outcome.deliveries;
                    }
                    lastEmptyScript.put(queueSet, new EmptyScript(System.nanoTime(), outcome.nextDueMillis));
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
                BlockingRead read = blockingRead(connection, order, max, blockMs);
                try {
                    List<Delivery> got = read.await(blockMs + settings.commandTimeout().toMillis());
                    if (got.size() > max) {
                        // several streams had entries when the read came (each may give up to its count): the
                        // surplus goes back rather than past the caller's limit
                        got.subList(max, got.size()).forEach(this::giveBackUnseen);
                        return List.copyOf(got.subList(0, max));
                    }
                    if (!got.isEmpty()) {
                        return got;
                    }
                } catch (InterruptedException e) {
                    // whatever the read still brings is requeued; the connection is given back only then
                    giveBack = false;
                    read.reply.whenComplete((r, failure) -> {
                        try {
                            read.decode(r == null ? List.of() : r).forEach(this::giveBackUnseen);
                        } finally {
                            giveBack(connection);
                        }
                    });
                    throw e;
                } catch (RedisConnectionException | RedisCommandTimeoutException e) {
                    waitOutConnectionTrouble(e, deadline);
                    return List.of();
                } catch (RedisException e) {
                    if (closed) {
                        throw closedError();
                    }
                    if (e.getMessage() != null && e.getMessage().contains("NOGROUP")) {
                        // Redis lost the groups (restarted without persistence, or someone deleted keys)
                        grouped.removeAll(order);
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

    private record PollOutcome(List<Delivery> deliveries, long nextDueMillis) {
    }

    /** The last empty poll script of these queues, if it is recent and nothing it left for later is due yet. */
    private EmptyScript restingScript(Set<String> queueSet) {
        EmptyScript last = lastEmptyScript.get(queueSet);
        if (last == null) {
            return null;
        }
        long now = System.nanoTime();
        boolean stale = now - last.atNanos() >= TimeUnit.MILLISECONDS.toNanos(SCRIPT_REST_MS)
                || now - nextReclaimNanos.get() >= 0
                || (last.nextDueMillis() >= 0 && clock.millis() >= last.nextDueMillis());
        return stale ? null : last;
    }

    private PollOutcome runPollScript(StatefulRedisConnection<String, byte[]> connection, List<String> queues, int max) {
        List<String> scriptKeys = new ArrayList<>(queues.size() * (settings.priorityLevels() + 2));
        for (String queue : queues) {
            scriptKeys.addAll(keys.queueKeys(queue));
        }
        long nowNanos = System.nanoTime();
        long due = nextReclaimNanos.get();
        boolean reclaim = nowNanos - due >= 0 && nextReclaimNanos.compareAndSet(due, nowNanos + reclaimIntervalNanos);
        long sweepDue = nextSweepNanos.get();
        boolean sweep = reclaim && nowNanos - sweepDue >= 0
                && nextSweepNanos.compareAndSet(sweepDue, nowNanos + SWEEP_AFTER_TIMEOUTS * settings.visibilityTimeout().toNanos());
        int quota = Math.max(1, (max + queues.size() - 1) / queues.size());
        List<Object> reply = Scripts.join(Scripts.POLL.run(connection.async(), scriptKeys.toArray(String[]::new),
                utf8(Keys.GROUP), utf8(consumer), num(max), num(clock.millis()), num(settings.priorityLevels()),
                utf8(reclaim ? "1" : "0"), num(settings.visibilityTimeout().toMillis()), num(settings.maxDeliveries()),
                num(quota), num(MOVE_LIMIT),
                num(sweep ? SWEEP_AFTER_TIMEOUTS * settings.visibilityTimeout().toMillis() : 0)));
        grouped.addAll(queues);
        if (reply == null || reply.size() < 2) {
            throw new IllegalStateException("unexpected reply from poll.lua: " + reply);
        }
        long nextDue = reply.get(0) instanceof Long l ? l : -1;
        List<Delivery> deliveries = new ArrayList<>();
        if (reply.get(1) instanceof List<?> entries) {
            for (Object entry : entries) {
                Delivery d = decodeScriptEntry(entry, queues);
                if (d != null) {
                    deliveries.add(d);
                }
            }
        }
        return new PollOutcome(deliveries, nextDue);
    }

    /** {queue index, level offset, entry id, id, body, prio, delivery count}; anything else is logged and left to be reclaimed. */
    private Delivery decodeScriptEntry(Object entry, List<String> queues) {
        if (entry instanceof List<?> f && f.size() == 7 && f.get(0) instanceof Long q && f.get(1) instanceof Long k
                && f.get(2) instanceof byte[] eid && f.get(3) instanceof byte[] id && f.get(4) instanceof byte[] body
                && f.get(5) instanceof byte[] prio && f.get(6) instanceof Long count
                && q >= 0 && q < queues.size() && k >= 0 && k < settings.priorityLevels()) {
            String queue = queues.get(q.intValue());
            String stream = keys.stream(queue, settings.priorityLevels() - 1 - k.intValue());
            touched.add(stream);
            int deliveries = (int) Math.max(1, Math.min(Integer.MAX_VALUE, count));
            return new Delivery(queue, text(id), body, priority(prio), deliveries, new Receipt(stream, text(eid)),
                    deliveries > settings.maxDeliveries());
        }
        log.error("Ignoring an entry from poll.lua that is not {{queue, level, entry id, id, body, prio, count}}: {}", entry);
        return null;
    }

    /** A blocking XREADGROUP in flight, and how to turn its reply into deliveries. */
    private final class BlockingRead {
        final CompletableFuture<List<StreamMessage<String, byte[]>>> reply;
        final Map<String, String> queueOfStream;

        BlockingRead(CompletableFuture<List<StreamMessage<String, byte[]>>> reply, Map<String, String> queueOfStream) {
            this.reply = reply;
            this.queueOfStream = queueOfStream;
        }

        List<Delivery> await(long waitMs) throws InterruptedException {
            try {
                return decode(reply.get(waitMs, TimeUnit.MILLISECONDS));
            } catch (ExecutionException e) {
                Throwable cause = Scripts.unwrap(e.getCause());
                throw cause instanceof RedisException re ? re : new RedisException(cause);
            } catch (TimeoutException e) {
                reply.cancel(false);
                throw new RedisCommandTimeoutException("no reply to a blocking XREADGROUP within " + waitMs + " ms");
            }
        }

        List<Delivery> decode(List<StreamMessage<String, byte[]>> messages) {
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
                    deadLetter(queue, m.getStream(), m.getId(), "malformed stream entry: no id or body field", 1);
                    continue;
                }
                int prior = (int) parseLong(fields.get("prior"), 0);
                if (prior > settings.maxDeliveries()) {
                    // its exhausted delivery came back too: as poll.lua does, dead-letter it as it is
                    deadLetter(queue, m.getStream(), m.getId(), exhaustedAgain(settings.maxDeliveries()), prior);
                    continue;
                }
                int count = Math.max(1, prior + 1);
                deliveries.add(new Delivery(queue, text(id), body, priority(fields.get("prio")), count,
                        new Receipt(m.getStream(), m.getId()), count > settings.maxDeliveries()));
            }
            return deliveries;
        }
    }

    @SuppressWarnings("unchecked")
    private BlockingRead blockingRead(StatefulRedisConnection<String, byte[]> connection, List<String> queues, int max, long blockMs) {
        List<String> missing = queues.stream().filter(q -> !grouped.contains(q)).toList();
        if (!missing.isEmpty()) {
            List<String> streams = new ArrayList<>();
            for (String q : missing) {
                for (int level = 0; level < settings.priorityLevels(); level++) {
                    streams.add(keys.stream(q, level));
                }
            }
            Scripts.join(Scripts.ENSURE_GROUPS.run(connection.async(), streams.toArray(String[]::new), utf8(Keys.GROUP)));
            grouped.addAll(missing);
        }
        Map<String, String> queueOfStream = new HashMap<>();
        List<StreamOffset<String>> offsets = new ArrayList<>();
        for (String queue : queues) {
            for (int level = settings.priorityLevels() - 1; level >= 0; level--) {
                String stream = keys.stream(queue, level);
                queueOfStream.put(stream, queue);
                offsets.add(StreamOffset.lastConsumed(stream));
            }
        }
        CompletableFuture<List<StreamMessage<String, byte[]>>> reply = connection.async()
                .xreadgroup(Consumer.from(Keys.GROUP, consumer),
                        XReadArgs.Builder.block(blockMs).count(Math.max(1, max / offsets.size())),
                        offsets.toArray(StreamOffset[]::new))
                .toCompletableFuture();
        return new BlockingRead(reply, queueOfStream);
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

    private StatefulRedisConnection<String, byte[]> borrow() {
        StatefulRedisConnection<String, byte[]> c = idle.pollFirst();
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

    private void giveBack(StatefulRedisConnection<String, byte[]> c) {
        if (!closed) {
            idle.addFirst(c);
        }
        // else close() closes it with all the others
    }

    private static List<String> rotate(List<String> queues, int by) {
        int n = queues.size();
        if (n == 1) {
            return List.copyOf(queues);
        }
        int start = Math.floorMod(by, n);
        List<String> order = new ArrayList<>(n);
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

    @Override
    public void ackAll(List<Delivery> deliveries) {
        // one script call per stream, all sent before any reply is awaited: one round trip for the batch
        Map<String, List<byte[]>> byStream = new LinkedHashMap<>();
        for (Delivery d : deliveries) {
            Receipt r = receipt(d);
            byStream.computeIfAbsent(r.stream(), k -> {
                List<byte[]> args = new ArrayList<>();
                args.add(utf8(Keys.GROUP));
                return args;
            }).add(utf8(r.entryId()));
        }
        List<CompletableFuture<Long>> replies = new ArrayList<>(byStream.size());
        byStream.forEach((stream, args) -> replies.add(Scripts.ACK.run(redis, new String[]{stream}, args.toArray(byte[][]::new))));
        for (CompletableFuture<Long> reply : replies) {
            Scripts.<Long>join(reply);
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
        if (deadLetter(delivery.queue(), r.stream(), r.entryId(), reason == null ? "rejected" : reason, delivery.deliveryCount()) == 0) {
            throw notHeld(delivery);
        }
    }

    private long deadLetter(String queue, String stream, String entryId, String reason, int deliveries) {
        return Scripts.<Long>join(Scripts.REJECT.run(redis, new String[]{stream, keys.dead(queue)}, utf8(Keys.GROUP),
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

    private Receipt receipt(Delivery delivery) {
        checkOpen();
        if (delivery.receipt() instanceof Receipt r && r.stream().startsWith(settings.prefix() + ":q:" + delivery.queue() + ":")) {
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
        return Scripts.<Long>join(Scripts.DEPTH.run(redis, keys.queueKeys(queue).toArray(String[]::new), utf8(Keys.GROUP),
                num(clock.millis()), num(settings.priorityLevels())));
    }

    @Override
    public long purge(String queue) {
        Keys.checkQueueName(queue);
        checkOpen();
        return Scripts.<Long>join(Scripts.PURGE.run(redis, keys.queueKeys(queue).toArray(String[]::new), utf8(Keys.GROUP)));
    }

    @Override
    public List<DeadLetter> deadLetters(String queue, int max) {
        Keys.checkQueueName(queue);
        checkOpen();
        if (max < 1) {
            return List.of();
        }
        List<StreamMessage<String, byte[]>> entries = Scripts.join(
                redis.xrange(keys.dead(queue), io.lettuce.core.Range.create("-", "+"), io.lettuce.core.Limit.from(max)));
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
                long n = Scripts.<Long>join(Scripts.RELEASE.run(redis, touched.toArray(String[]::new), utf8(Keys.GROUP), utf8(consumer)));
                if (n > 0) {
                    log.info("Returned {} unacknowledged message(s) to their queues on close", n);
                }
            }
        } catch (RuntimeException e) {
            log.warn("Could not return unacknowledged messages on close; they are redelivered after the visibility timeout", e);
        } finally {
            // wait for the closes, or the client's shutdown closes the same connections again
            CompletableFuture<?>[] closing = all.stream().map(StatefulRedisConnection::closeAsync).toArray(CompletableFuture[]::new);
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
