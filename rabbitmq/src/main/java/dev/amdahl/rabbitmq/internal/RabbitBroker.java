package dev.amdahl.rabbitmq.internal;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.AlreadyClosedException;
import com.rabbitmq.client.BlockedListener;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.DefaultConsumer;
import com.rabbitmq.client.Envelope;
import com.rabbitmq.client.GetResponse;
import com.rabbitmq.client.LongString;
import com.rabbitmq.client.ShutdownSignalException;
import dev.amdahl.rabbitmq.internal.ConfirmingPublisher.Outgoing;
import dev.amdahl.rabbitmq.internal.RabbitSettings.QueueType;
import dev.amdahl.spi.Broker;
import dev.amdahl.spi.DeadLetter;
import dev.amdahl.spi.Delivery;
import dev.amdahl.spi.OutboundMessage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Date;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link Broker} on RabbitMQ over AMQP 0-9-1.
 *
 * <h2>Topology</h2>
 * Each queue is a durable RabbitMQ queue of the same name (classic with {@code x-max-priority} 9, or quorum with a
 * {@code x-delivery-limit}); messages are persistent. Its dead letters go to the durable queue
 * {@code amdahl.dead.<queue>}, capped in length and age. Delayed messages wait in the TTL levels of
 * {@link DelayLevels}, never in a client's memory.
 *
 * <h2>Invariants</h2>
 * <ul>
 *   <li>A publish returns only once the broker confirmed it ({@link ConfirmingPublisher}).</li>
 *   <li>Delivery counting. A quorum queue counts returns itself ({@code x-delivery-count}). A classic queue does not:
 *       it only flags a message it gave back ({@code redelivered}), once or ten times alike. So on a classic queue the
 *       count travels in the message's {@value #DELIVERIES} header (deliveries before this one), and every way back
 *       raises it: {@link #requeue} and {@link #close} publish a copy with the count raised and then ack the original;
 *       a message RabbitMQ gave back by itself (its consumer's connection died) arrives flagged, and the poll that
 *       finds it publishes the raised copy and acks it instead of handing it out. A message already delivered past
 *       {@code max-deliveries} is dead-lettered instead. A crash between the copy's confirm and the ack leaves two
 *       copies: at least once, never none.</li>
 *   <li>A receipt belongs to one connection: {@link #generation} moves when the connection is lost, after which RabbitMQ
 *       has given back everything it had delivered on it. Settling a receipt of an older generation therefore does
 *       nothing (the message is back in its queue, counted), and its lease is reported lost.</li>
 *   <li>What a poll read beyond what it hands out stays in this client's buffer, unacknowledged, for the next poll;
 *       {@link #close} gives it back uncounted. The buffer is bounded by {@code basic.qos}: see {@link #subscribe}.</li>
 * </ul>
 */
public final class RabbitBroker implements Broker {

    private static final Logger log = LoggerFactory.getLogger(RabbitBroker.class);

    /** On classic queues: how often the message was delivered before (absent: never). */
    static final String DELIVERIES = "x-amdahl-deliveries";
    static final String REASON = "x-amdahl-reason";
    static final String REJECTED_FROM = "x-amdahl-queue";
    static final String REJECTED_AT = "x-amdahl-rejected-at";
    private static final String DEAD_PREFIX = "amdahl.dead.";
    private static final int DEAD_LETTER_CAP = 100_000;
    private static final long DEAD_LETTER_TTL_MS = Duration.ofDays(7).toMillis();
    /** So that {@code amdahl.dead.<queue>} and a delay routing key still fit in AMQP's 255-byte short strings. */
    private static final int MAX_QUEUE_NAME_BYTES = 255 - DelayLevels.LEVELS * 2;

    private final RabbitSettings settings;
    private final Clock clock;
    private final Connection connection;
    private final ConfirmingPublisher publisher;
    /** Where an rpc backend of this process would connect to share this broker's RabbitMQ. */
    private final DirectReplies.Endpoint endpoint;
    private final Set<String> declared = ConcurrentHashMap.newKeySet();
    private volatile boolean delayLevelsDeclared;
    private final Object adminLock = new Object();
    private Channel admin;

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition arrived = lock.newCondition();
    /** Set under {@link #lock}; read without it to settle (a channel takes acks from any thread). */
    private volatile Channel consuming;
    /** Guarded by {@link #lock}: the current consumer of each queue. */
    private final Map<String, Subscription> subscriptions = new LinkedHashMap<>();
    /** Guarded by {@link #lock}: what each queue's consumers received and no poll took yet, in arrival order. */
    private final Map<String, ArrayDeque<Received>> buffers = new HashMap<>();
    /** Guarded by {@link #lock}: the {@code basic.qos} of the consumers on {@link #consuming}. */
    private int prefetch;
    /** Guarded by {@link #lock}: where the next poll starts, so no queue is always last. */
    private int nextQueue;
    private volatile int generation;
    private final Set<Receipt> held = ConcurrentHashMap.newKeySet();
    private final AtomicBoolean closed = new AtomicBoolean();

    /** Opens one connection; queues are declared when first used. */
    public RabbitBroker(RabbitSettings settings, Clock clock) {
        this.settings = settings;
        this.clock = clock;
        this.connection = RabbitConnections.open(settings, "amdahl broker " + ManagementFactory.getRuntimeMXBean().getName());
        this.publisher = new ConfirmingPublisher(connection, settings.timeout(), settings.confirmBatch());
        this.endpoint = DirectReplies.Endpoint.of(settings);
        connection.addShutdownListener(cause -> {
            if (!cause.isInitiatedByApplication()) {
                lost("the connection to " + settings.address() + " was lost (" + cause.getMessage() + ")");
            }
        });
        connection.addBlockedListener(new BlockedListener() {
            @Override
            public void handleBlocked(String reason) {
                log.warn("RabbitMQ at {} blocks publishing ({}): publishes wait until its memory or disk alarm clears",
                        settings.address(), reason);
            }

            @Override
            public void handleUnblocked() {
                log.info("RabbitMQ at {} accepts publishes again", settings.address());
            }
        });
    }

    /** A delivery's handle: which connection it came on, its tag there, and the count it carried. */
    private static final class Receipt {
        final String queue;
        final long tag;
        final int generation;
        final int deliveryCount;
        final AMQP.BasicProperties properties;
        final byte[] body;

        Receipt(String queue, long tag, int generation, int deliveryCount, AMQP.BasicProperties properties, byte[] body) {
            this.queue = queue;
            this.tag = tag;
            this.generation = generation;
            this.deliveryCount = deliveryCount;
            this.properties = properties;
            this.body = body;
        }
    }

    /** What a consumer received and no poll has taken yet. */
    private record Received(String queue, Envelope envelope, AMQP.BasicProperties properties, byte[] body, int generation) {
    }

    /** One queue's consumer: what it receives goes to the queue's buffer, whichever consumer of it is current. */
    private final class Subscription extends DefaultConsumer {
        final String queue;
        /** As {@code basic.consume} returned it: {@link #getConsumerTag()} is set only once consume-ok is dispatched. */
        String tag;
        volatile boolean cancelled;

        Subscription(Channel channel, String queue) {
            super(channel);
            this.queue = queue;
        }

        @Override
        public void handleDelivery(String consumerTag, Envelope envelope, AMQP.BasicProperties properties, byte[] body) {
            lock.lock();
            try {
                buffers.computeIfAbsent(queue, q -> new ArrayDeque<>()).add(new Received(queue, envelope, properties, body,
                        generation));
                arrived.signalAll();
            } finally {
                lock.unlock();
            }
        }

        @Override
        public void handleCancel(String consumerTag) {
            // the queue was deleted, or its node went away: the next poll declares it again and subscribes anew
            cancelled = true;
            log.warn("RabbitMQ cancelled the consumer of queue '{}' (the queue was deleted, or its node failed over);"
                    + " subscribing again", queue);
            lock.lock();
            try {
                arrived.signalAll();
            } finally {
                lock.unlock();
            }
        }
    }

    // ---------------------------------------------------------------- publishing

    @Override
    public void publish(String queue, OutboundMessage message) {
        publishAll(queue, List.of(message));
    }

    @Override
    public void publishAll(String queue, List<OutboundMessage> messages) {
        checkOpen();
        ensureQueue(queue);
        Instant now = clock.instant();
        // an rpc backend of this process lends its reply channel: what this process submits asks for replies there;
        // a retry or a workflow step of a task that asked for replies keeps asking at the same address
        ReplyEndpoint replies = DirectReplies.replyChannel(endpoint);
        List<Outgoing> out = new ArrayList<>(messages.size());
        List<Outgoing> askingReplies = replies == null ? out : new ArrayList<>(messages.size());
        for (OutboundMessage m : messages) {
            String replyTo = DirectReplies.replyAddress(endpoint, m.id());
            AMQP.BasicProperties props = properties(m.id(), m.priority(),
                    replyTo == null && replies != null ? DirectReplies.REPLY_TO : replyTo);
            List<Outgoing> to = replyTo == null ? askingReplies : out;
            if (m.notBefore() != null && m.notBefore().isAfter(now)) {
                long seconds = DelayLevels.seconds(Duration.between(now, m.notBefore()));
                ensureDelayLevels(queue);
                to.add(new Outgoing(DelayLevels.entryExchange(), DelayLevels.routingKey(seconds, queue), props, m.body()));
            } else {
                to.add(new Outgoing("", queue, props, m.body()));
            }
        }
        if (!out.isEmpty()) {
            publishRouted(queue, publisher::publishAll, out);
        }
        if (askingReplies != out && !askingReplies.isEmpty()) {
            publishRouted(queue, replies::publishAskingReplies, askingReplies);
        }
    }

    private void publishRouted(String queue, java.util.function.UnaryOperator<List<Outgoing>> through, List<Outgoing> out) {
        List<Outgoing> unroutable = through.apply(out);
        if (!unroutable.isEmpty()) {
            // the queue was deleted since this client declared it: declare it again, and publish what it missed
            log.warn("queue '{}' was gone in RabbitMQ (deleted?): declared it again and published its {} message(s) again",
                    queue, unroutable.size());
            declared.remove(queue);
            ensureQueue(queue);
            if (!through.apply(unroutable).isEmpty()) {
                throw new IllegalStateException("RabbitMQ could not route messages to queue '" + queue + "' although it"
                        + " was just declared: is something deleting it?");
            }
        }
    }

    /** A new message's properties: persistent, never delivered before (so no count header yet). */
    private static AMQP.BasicProperties properties(String id, int priority, String replyTo) {
        return new AMQP.BasicProperties.Builder().deliveryMode(2).priority(priority).messageId(id).replyTo(replyTo).build();
    }

    // ---------------------------------------------------------------- topology

    private void ensureQueue(String queue) {
        if (declared.contains(queue)) {
            return;
        }
        if (queue.isEmpty() || queue.startsWith("amq.") || queue.getBytes(StandardCharsets.UTF_8).length > MAX_QUEUE_NAME_BYTES
                || queue.indexOf('*') >= 0 || queue.indexOf('#') >= 0) {
            throw new IllegalArgumentException("'" + queue + "' cannot be a RabbitMQ queue of Amdahl: a name is 1 to "
                    + MAX_QUEUE_NAME_BYTES + " bytes, does not start with 'amq.' (reserved) and has no '*' or '#'");
        }
        Map<String, Object> args = new HashMap<>();
        args.put("x-dead-letter-exchange", "");
        args.put("x-dead-letter-routing-key", DEAD_PREFIX + queue);
        if (settings.queueType() == QueueType.QUORUM) {
            args.put("x-queue-type", "quorum");
            args.put("x-delivery-limit", settings.maxDeliveries());
        } else {
            args.put("x-max-priority", OutboundMessage.MAX_PRIORITY);
        }
        declare(queue, admin -> {
            admin.queueDeclare(DEAD_PREFIX + queue, true, false, false, Map.of(
                    "x-max-length", DEAD_LETTER_CAP,
                    "x-overflow", "drop-head",
                    "x-message-ttl", DEAD_LETTER_TTL_MS));
            admin.queueDeclare(queue, true, false, false, args);
            admin.exchangeDeclare(DelayLevels.READY_EXCHANGE, "topic", true);
            DelayLevels.bindDestination(admin, queue);
        });
        declared.add(queue);
    }

    private void ensureDelayLevels(String queue) {
        if (!delayLevelsDeclared) {
            declare(queue, DelayLevels::declare);
            delayLevelsDeclared = true;
        }
    }

    private interface AdminWork<T> {
        T run(Channel admin) throws IOException;
    }

    private interface AdminStep {
        void run(Channel admin) throws IOException;
    }

    private void declare(String queue, AdminStep step) {
        admin(admin -> {
            step.run(admin);
            return null;
        }, e -> {
            String reason = shutdownReason(e);
            if (reason != null && reason.contains("PRECONDITION_FAILED")) {
                return new IllegalStateException("queue '" + queue + "' exists in RabbitMQ with other arguments than this"
                        + " client declares (" + reason + "): every client of a queue must use the same queue-type and"
                        + " max-deliveries; to change them, drain and delete the queue (rabbitmqctl delete_queue " + queue
                        + ") and start again", e);
            }
            return null;
        });
    }

    /** Runs {@code work} on the administration channel, which a channel error closes: then it is opened again. */
    private <T> T admin(AdminWork<T> work, java.util.function.Function<IOException, RuntimeException> explain) {
        synchronized (adminLock) {
            try {
                if (admin == null || !admin.isOpen()) {
                    admin = connection.createChannel();
                }
                return work.run(admin);
            } catch (IOException e) {
                RuntimeException explained = explain.apply(e);
                if (explained != null) {
                    throw explained;
                }
                throw new UncheckedIOException("RabbitMQ at " + settings.address() + " refused an operation: "
                        + (shutdownReason(e) != null ? shutdownReason(e) : e.getMessage()), e);
            } catch (AlreadyClosedException e) {
                throw new IllegalStateException("the connection to RabbitMQ at " + settings.address() + " is down ("
                        + e.getMessage() + "); it reconnects on its own", e);
            }
        }
    }

    private static String shutdownReason(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof ShutdownSignalException s) {
                return s.getReason() instanceof AMQP.Channel.Close c ? c.getReplyCode() + " " + c.getReplyText()
                        : s.getMessage();
            }
        }
        return null;
    }

    private static boolean notFound(IOException e) {
        String reason = shutdownReason(e);
        return reason != null && reason.startsWith("404");
    }

    // ---------------------------------------------------------------- consuming

    @Override
    public List<Delivery> poll(List<String> queues, int max, Duration timeout) throws InterruptedException {
        if (max < 1) {
            throw new IllegalArgumentException("max must be at least 1, was " + max);
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        List<Delivery> out = new ArrayList<>();
        while (!closed.get()) {
            List<Received> taken = take(queues, max - out.size(), deadline);
            for (Received r : taken) {
                Delivery d = accept(r);
                if (d != null) {
                    out.add(d);
                }
            }
            if (!out.isEmpty() || System.nanoTime() >= deadline) {
                break;
            }
        }
        return out;
    }

    /**
     * Up to {@code max} of what the queues' consumers received, a turn each so a busy queue does not starve a
     * quiet one; waits until {@code deadline} for the first. Subscribes to queues not yet consumed.
     */
    private List<Received> take(List<String> queues, int max, long deadline) throws InterruptedException {
        lock.lockInterruptibly();
        try {
            subscribe(queues, max);
            List<Received> taken = new ArrayList<>();
            while (taken.isEmpty()) {
                boolean any = true;
                while (any && taken.size() < max) {
                    any = false;
                    for (int i = 0; i < queues.size() && taken.size() < max; i++) {
                        ArrayDeque<Received> buffer = buffers.get(queues.get((nextQueue + i) % queues.size()));
                        Received r = buffer == null ? null : buffer.poll();
                        if (r != null) {
                            taken.add(r);
                            any = true;
                        }
                    }
                }
                nextQueue = (nextQueue + 1) % Math.max(1, queues.size());
                if (!taken.isEmpty() || closed.get()) {
                    break;
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    break;
                }
                arrived.awaitNanos(left);
                if (subscriptions.values().stream().anyMatch(s -> s.cancelled)) {
                    subscribe(queues, max);
                }
            }
            return taken;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Under {@link #lock}: a consumer on each of {@code queues} that has none (or whose consumer was cancelled), each
     * allowed to hold what this client may hold at once: what it holds now plus what the poll asks for, times
     * {@code prefetch-multiplier}. A worker's first poll asks for its whole prefetch, so its consumers are set up once;
     * a consumer that asks for more than it did makes the consumers start again with the larger {@code basic.qos}
     * (a consumer's qos is fixed when it starts), which gives nothing back: what the old ones delivered stays held.
     */
    private void subscribe(List<String> queues, int max) {
        try {
            if (consuming == null || !consuming.isOpen() && connection.isOpen()) {
                // none yet, or the broker closed it for a channel error (a lost connection is recovered instead)
                Channel ch = connection.createChannel();
                ch.addShutdownListener(cause -> {
                    if (!cause.isInitiatedByApplication() && !cause.isHardError()) {
                        lost("RabbitMQ closed the consuming channel (" + cause.getMessage() + ")");
                    }
                });
                consuming = ch;
                prefetch = 0;
                subscriptions.clear();
                buffers.clear();
            }
            int wanted = (held.size() + max) * settings.prefetchMultiplier();
            boolean grow = wanted > prefetch;
            if (grow) {
                prefetch = wanted;
                consuming.basicQos(prefetch);
            }
            for (String q : queues) {
                Subscription s = subscriptions.get(q);
                if (s != null && !s.cancelled && !grow) {
                    continue;
                }
                if (s != null && s.cancelled) {
                    declared.remove(q);  // deleted, perhaps: declare it again
                }
                ensureQueue(q);
                Subscription fresh = new Subscription(consuming, q);
                fresh.tag = consuming.basicConsume(q, false, fresh);
                subscriptions.put(q, fresh);
                if (s != null && !s.cancelled) {
                    cancelReplaced(s);
                }
            }
        } catch (IOException | AlreadyClosedException e) {
            throw new IllegalStateException("cannot consume from RabbitMQ at " + settings.address() + " (" + e.getMessage()
                    + "); it reconnects on its own", e);
        }
    }

    /**
     * Cancels a subscription a fresh one replaced. One the client no longer knows (the channel recovered after the node
     * restarted, and its consumers with it under new tags) is gone already, which is all the cancel was for: the
     * client says so with an IOException that leaves the channel usable, so that one is not a failure to consume.
     */
    private void cancelReplaced(Subscription old) throws IOException {
        try {
            consuming.basicCancel(old.tag);
        } catch (IOException e) {
            if (e.getMessage() == null || !e.getMessage().startsWith("Unknown consumerTag")) {
                throw e;
            }
            log.debug("RabbitMQ at {}: the replaced consumer {} of queue {} was gone already", settings.address(), old.tag,
                    old.queue);
        }
    }

    /**
     * Turns what a consumer received into a delivery to hand out, or settles it here: a classic queue's message that
     * RabbitMQ gave back is counted (a raised copy, or a dead letter past the maximum) and not handed out.
     */
    private Delivery accept(Received r) {
        AMQP.BasicProperties props = r.properties();
        int prior;
        if (settings.queueType() == QueueType.QUORUM) {
            prior = header(props, "x-delivery-count");
        } else {
            prior = header(props, DELIVERIES);
            if (r.envelope().isRedeliver()) {
                settleGivenBack(r.queue(), r.envelope().getDeliveryTag(), r.generation(), props, r.body(), prior + 1);
                return null;
            }
        }
        int count = prior + 1;
        Receipt receipt = new Receipt(r.queue(), r.envelope().getDeliveryTag(), r.generation(), count, props, r.body());
        held.add(receipt);
        String id = props.getMessageId() == null ? "" : props.getMessageId();
        DirectReplies.delivered(endpoint, id, props.getReplyTo(), r.body());
        int priority = props.getPriority() == null ? 0 : Math.max(0, Math.min(OutboundMessage.MAX_PRIORITY, props.getPriority()));
        return new Delivery(r.queue(), id, r.body(), priority, count, receipt, count > settings.maxDeliveries());
    }

    /** The whole-number header {@code name}; 0 when absent or not a sensible count (an untrusted header never loops). */
    private static int header(AMQP.BasicProperties props, String name) {
        Map<String, Object> headers = props.getHeaders();
        Object value = headers == null ? null : headers.get(name);
        if (value instanceof Number n && n.longValue() >= 0 && n.longValue() < 1_000_000_000L) {
            return n.intValue();
        }
        return 0;
    }

    /**
     * A classic queue's message came back {@code deliveries} times in all: published again with that count (then the
     * original acked), or dead-lettered when that is past the maximum.
     */
    private void settleGivenBack(String queue, long tag, int gen, AMQP.BasicProperties props, byte[] body, int deliveries) {
        if (gen != generation) {
            return;
        }
        if (deliveries > settings.maxDeliveries()) {
            deadLetter(queue, props, body, "delivered " + deliveries + " times without an acknowledgement, more than"
                    + " max-deliveries=" + settings.maxDeliveries() + ": every consumer died or gave it back");
        } else {
            publisher.publish(new Outgoing("", queue, withDeliveries(props, deliveries), body));
        }
        ackTag(tag);
    }

    private static AMQP.BasicProperties withDeliveries(AMQP.BasicProperties props, int deliveries) {
        Map<String, Object> headers = new HashMap<>();
        if (props.getHeaders() != null) {
            headers.putAll(props.getHeaders());
        }
        headers.put(DELIVERIES, deliveries);
        return props.builder().headers(headers).build();
    }

    private void deadLetter(String queue, AMQP.BasicProperties props, byte[] body, String reason) {
        Map<String, Object> headers = new HashMap<>();
        if (props.getHeaders() != null) {
            headers.putAll(props.getHeaders());
        }
        headers.put(REASON, reason);
        headers.put(REJECTED_FROM, queue);
        headers.put(REJECTED_AT, clock.millis());
        AMQP.BasicProperties dead = props.builder().headers(headers).deliveryMode(2).expiration(null).build();
        publisher.publish(new Outgoing("", DEAD_PREFIX + queue, dead, body));
    }

    private void ackTag(long tag) {
        Channel ch = consuming;
        try {
            if (ch != null) {
                ch.basicAck(tag, false);
            }
        } catch (IOException | AlreadyClosedException e) {
            // the connection went: RabbitMQ gives the message back, and it is counted when it comes
            log.debug("acknowledging on a closed channel: {}", e.toString());
        }
    }

    private Receipt settling(Delivery delivery) {
        if (!(delivery.receipt() instanceof Receipt r) || !held.remove(r)) {
            throw new IllegalStateException(delivery + " was settled already, or is not a delivery of this broker");
        }
        return r;
    }

    @Override
    public void ack(Delivery delivery) {
        Receipt r = settling(delivery);
        if (r.generation == generation) {
            ackTag(r.tag);
        }
    }

    @Override
    public void requeue(Delivery delivery) {
        giveBack(settling(delivery));
    }

    /** A delivery goes back to its queue, counted. */
    private void giveBack(Receipt r) {
        if (r.generation != generation) {
            return;
        }
        if (settings.queueType() == QueueType.QUORUM) {
            try {
                consuming.basicNack(r.tag, false, true);
            } catch (IOException | AlreadyClosedException e) {
                log.debug("giving back on a closed channel: {}", e.toString());
            }
        } else {
            settleGivenBack(r.queue, r.tag, r.generation, r.properties, r.body, r.deliveryCount);
        }
    }

    @Override
    public void reject(Delivery delivery, String reason) {
        Receipt r = settling(delivery);
        if (r.generation != generation) {
            return;
        }
        deadLetter(r.queue, r.properties, r.body, reason);
        ackTag(r.tag);
    }

    @Override
    public boolean extendLease(Delivery delivery) {
        return delivery.receipt() instanceof Receipt r && held.contains(r) && r.generation == generation
                && connection.isOpen() && !closed.get();
    }

    /** Everything delivered on the lost connection is RabbitMQ's again: receipts and buffers of it are void. */
    private void lost(String why) {
        lock.lock();
        try {
            generation++;
            buffers.clear();
            held.clear();
            arrived.signalAll();
        } finally {
            lock.unlock();
        }
        if (!closed.get()) {
            log.warn("{}: the messages this client held go back to their queues, counted; reconnecting", why);
        }
    }

    // ---------------------------------------------------------------- inspection

    @Override
    public long depth(String queue) {
        try {
            return admin(admin -> (long) admin.queueDeclarePassive(queue).getMessageCount(),
                    e -> notFound(e) ? new QueueMissing() : null);
        } catch (QueueMissing e) {
            return 0;
        }
    }

    /** A queue that does not exist: no messages. */
    private static final class QueueMissing extends RuntimeException {
        private static final long serialVersionUID = 1L;

        QueueMissing() {
            super(null, null, false, false);
        }
    }

    @Override
    public long purge(String queue) {
        try {
            return admin(admin -> (long) admin.queuePurge(queue).getMessageCount(), e -> notFound(e) ? new QueueMissing() : null);
        } catch (QueueMissing e) {
            return 0;
        }
    }

    @Override
    public List<DeadLetter> deadLetters(String queue, int max) {
        List<DeadLetter> out = new ArrayList<>();
        Channel peek;
        try {
            peek = connection.createChannel();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the dead letters of '" + queue + "' from RabbitMQ", e);
        }
        try {
            while (out.size() < max) {
                GetResponse got = peek.basicGet(DEAD_PREFIX + queue, false);
                if (got == null) {
                    break;
                }
                out.add(deadLetterOf(queue, got.getProps(), got.getBody()));
            }
        } catch (IOException e) {
            if (!notFound(e)) {
                throw new UncheckedIOException("cannot read the dead letters of '" + queue + "' from RabbitMQ", e);
            }
        } finally {
            // closing the channel gives back what it read: a peek, not a removal
            try {
                if (peek.isOpen()) {
                    peek.close();
                }
            } catch (IOException | TimeoutException | AlreadyClosedException e) {
                log.debug("closing the dead-letter peek channel: {}", e.toString());
            }
        }
        return out;
    }

    @Override
    public int requeueDeadLetter(String queue, String messageId) {
        return takeDeadLetters(queue, messageId, true);
    }

    @Override
    public int dropDeadLetter(String queue, String messageId) {
        return takeDeadLetters(queue, messageId, false);
    }

    /**
     * Reads the whole dead-letter queue on a channel of its own, unacknowledged, so that no other caller can take the
     * same dead letter meanwhile; those with {@code messageId} are published again (confirmed, when {@code requeue}) and
     * then acknowledged, and closing the channel gives the others back to the dead-letter queue.
     */
    private int takeDeadLetters(String queue, String messageId, boolean requeue) {
        String what = (requeue ? "requeue" : "drop") + " the dead letter " + messageId + " of '" + queue + "'";
        Channel take;
        try {
            take = connection.createChannel();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot " + what + " in RabbitMQ", e);
        }
        int taken = 0;
        try {
            GetResponse got;
            while ((got = take.basicGet(DEAD_PREFIX + queue, false)) != null) {
                if (messageId.equals(got.getProps().getMessageId())) {
                    if (requeue) {
                        publish(queue, OutboundMessage.of(messageId, got.getBody()));
                    }
                    take.basicAck(got.getEnvelope().getDeliveryTag(), false);
                    taken++;
                }
            }
        } catch (IOException e) {
            if (!notFound(e)) {
                throw new UncheckedIOException("cannot " + what + " in RabbitMQ", e);
            }
        } finally {
            try {
                if (take.isOpen()) {
                    take.close();
                }
            } catch (IOException | TimeoutException | AlreadyClosedException e) {
                log.debug("closing the dead-letter channel: {}", e.toString());
            }
        }
        return taken;
    }

    private DeadLetter deadLetterOf(String queue, AMQP.BasicProperties props, byte[] body) {
        Map<String, Object> headers = props.getHeaders() == null ? Map.of() : props.getHeaders();
        String id = props.getMessageId() == null ? "" : props.getMessageId();
        Object reason = headers.get(REASON);
        Object at = headers.get(REJECTED_AT);
        Instant when = at instanceof Number n ? Instant.ofEpochMilli(n.longValue()) : null;
        String why;
        if (reason instanceof LongString || reason instanceof String) {
            why = reason.toString();
        } else {
            Map<String, Object> death = firstDeath(headers);
            String kind = death == null ? "unknown" : String.valueOf(death.get("reason"));
            why = switch (kind) {
                case "delivery_limit" -> "delivered more than max-deliveries=" + settings.maxDeliveries()
                        + " times without an acknowledgement (the quorum queue's delivery limit)";
                case "rejected" -> "rejected by a consumer";
                case "expired" -> "expired in the queue";
                case "maxlen" -> "dropped from a full queue";
                default -> "dead-lettered by RabbitMQ (" + kind + ")";
            };
            if (when == null && death != null && death.get("time") instanceof Date d) {
                when = d.toInstant();
            }
        }
        return new DeadLetter(queue, id, body, why, when != null ? when : clock.instant());
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> firstDeath(Map<String, Object> headers) {
        if (headers.get("x-death") instanceof List<?> deaths && !deaths.isEmpty() && deaths.get(0) instanceof Map<?, ?> m) {
            return (Map<String, Object>) m;
        }
        return null;
    }

    @Override
    public Optional<Duration> visibilityTimeout() {
        return Optional.empty();
    }

    // ---------------------------------------------------------------- closing

    private void checkOpen() {
        if (closed.get()) {
            throw new IllegalStateException("this RabbitMQ broker client is closed");
        }
    }

    /**
     * Stops consuming and gives back what this client holds: what it handed out, counted (its consumer had it), and
     * what it read but never handed out, uncounted on classic queues (a quorum queue counts every return).
     */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        List<Received> unread = new ArrayList<>();
        lock.lock();
        try {
            for (Subscription s : subscriptions.values()) {
                try {
                    if (consuming != null && consuming.isOpen()) {
                        consuming.basicCancel(s.tag);
                    }
                } catch (IOException | AlreadyClosedException e) {
                    log.debug("cancelling a consumer: {}", e.toString());
                }
            }
            for (ArrayDeque<Received> b : buffers.values()) {
                unread.addAll(b);
            }
            buffers.clear();
            arrived.signalAll();
        } finally {
            lock.unlock();
        }
        try {
            if (connection.isOpen()) {
                for (Received r : unread) {
                    if (settings.queueType() == QueueType.QUORUM) {
                        consuming.basicNack(r.envelope().getDeliveryTag(), false, true);
                    } else if (r.envelope().isRedeliver()) {
                        settleGivenBack(r.queue(), r.envelope().getDeliveryTag(), r.generation(), r.properties(), r.body(),
                                header(r.properties(), DELIVERIES) + 1);
                    } else {
                        settleGivenBack(r.queue(), r.envelope().getDeliveryTag(), r.generation(), r.properties(), r.body(),
                                header(r.properties(), DELIVERIES));
                    }
                }
                for (Receipt r : List.copyOf(held)) {
                    if (held.remove(r)) {
                        giveBack(r);
                    }
                }
            }
        } catch (IOException | RuntimeException e) {
            log.warn("closing the RabbitMQ broker client: giving back what it held failed ({}); RabbitMQ gives it back"
                    + " when the connection closes, counted", e.toString());
        } finally {
            publisher.close();
            try {
                connection.close((int) settings.timeout().toMillis());
            } catch (IOException | AlreadyClosedException e) {
                connection.abort();
            }
        }
    }

    /**
     * Drops the connection without giving anything back, as a process that died would: RabbitMQ gives the messages
     * back by itself. For tests of what other consumers see then.
     */
    public void abandon() {
        closed.set(true);
        connection.abort();
    }

    @Override
    public String toString() {
        return "RabbitBroker[" + settings.address() + ", " + settings.queueType().name().toLowerCase(java.util.Locale.ROOT) + "]";
    }
}
