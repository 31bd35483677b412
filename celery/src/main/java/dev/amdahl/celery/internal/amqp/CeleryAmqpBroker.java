package dev.amdahl.celery.internal.amqp;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import com.rabbitmq.client.Envelope;
import com.rabbitmq.client.GetResponse;
import com.rabbitmq.client.LongString;
import dev.amdahl.MessageLimits;
import dev.amdahl.celery.internal.protocol.KombuEnvelope;
import dev.amdahl.celery.internal.protocol.WireMessage;
import dev.amdahl.spi.Broker;
import dev.amdahl.spi.DeadLetter;
import dev.amdahl.spi.Delivery;
import dev.amdahl.spi.OutboundMessage;
import dev.amdahl.spi.ProviderContext;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.Date;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Celery 5.2's layout on RabbitMQ behind Amdahl's {@link Broker}, so Java and Python workers consume one queue and
 * Java and Python clients fill it.
 *
 * <h2>Topology (Celery's, unchanged)</h2>
 * A queue {@code q} is declared as Celery declares a queue it routes to: the durable direct exchange {@code q}, the
 * durable classic queue {@code q} without arguments, bound with the routing key {@code q} ({@code celery} for
 * Celery's default). So a Python declare of the same queue agrees with ours. Publishing goes to the default exchange
 * with the queue's name as routing key, as Celery does for a direct exchange: the protocol 2 headers as the AMQP
 * headers table, {@code correlation_id}, {@code reply_to}, {@code priority}, {@code content_type application/json},
 * {@code content_encoding utf-8}, {@code delivery_mode 2}, the body the raw JSON {@code [args, kwargs, embed]}. A
 * publish returns once RabbitMQ confirmed it.
 *
 * <h2>Invariants</h2>
 * <ul>
 *   <li>Consuming acknowledges manually, and only when the runtime settles the delivery (after its outcome is stored);
 *       a process that dies before leaves the message with RabbitMQ, which gives it back.</li>
 *   <li>Counting: a quorum queue counts deliveries ({@code x-delivery-count}); a classic queue (Celery's) only flags a
 *       message it gave back ({@code redelivered}). So the count travels in {@value #DELIVERIES} (deliveries before
 *       this one): {@link #requeue} publishes a copy with it raised and acks the original, and a classic delivery that
 *       arrives flagged is republished raised and acked instead of handed out. Past {@code max-deliveries} the message
 *       is handed out once, exhausted, and its rejection dead-letters it. A crash between the copy's confirm and the ack
 *       leaves two copies: at least once, never none.</li>
 *   <li>Dead letters go to the durable queue {@code amdahl.celery.dead.<q>} (ours, never declared by Celery), with the
 *       reason in {@value #REASON}, at most 10 000, kept 30 days.</li>
 *   <li>ETAs: Celery sends an ETA'd message at once and its worker holds it unacknowledged until due; so does this
 *       broker (in memory, at most {@value #MAX_HELD}, given back on close). RabbitMQ's {@code consumer_timeout} (30 minutes by default) closes the
 *       channel of a consumer holding one longer, as it does Celery's.</li>
 * </ul>
 * Deliveries are taken with {@code basic.get}, one queue after another; a poll with nothing to take waits between
 * rounds (10 ms growing to 100 ms).
 */
public final class CeleryAmqpBroker implements Broker {

    private static final Logger log = LoggerFactory.getLogger(CeleryAmqpBroker.class);
    static final String DELIVERIES = "x-amdahl-deliveries";
    static final String REASON = "x-amdahl-reason";
    static final String DEAD_PREFIX = "amdahl.celery.dead.";
    private static final int DEAD_CAP = 10_000;
    private static final long DEAD_TTL_MS = Duration.ofDays(30).toMillis();
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    /** At most this many ETA'd messages held unacknowledged; past it the rest wait in RabbitMQ, as a prefetch would. */
    static final int MAX_HELD = 1_000;

    private final CeleryAmqpSettings settings;
    private final Clock clock;
    private final Connection connection;
    /**
     * Publishing with confirms, and declaring; guarded by {@link #publishLock}. A channel RabbitMQ closed for an error
     * (a refused declare) is not recovered by the client, so it is opened again when next used.
     */
    private Channel publishing;
    private final Object publishLock = new Object();
    /** basic.get and the acks of what it took (a tag belongs to its channel); guarded by {@link #consumeLock}. */
    private volatile Channel consuming;
    private final Object consumeLock = new Object();
    private final Set<String> declared = ConcurrentHashMap.newKeySet();
    /** Celery 5.5's delay levels, declared once per broker; guarded by {@link #publishLock}. */
    private boolean delayLevelsDeclared;
    /** Messages taken before their ETA, soonest first; guarded by itself. */
    private final PriorityQueue<Held> held = new PriorityQueue<>(Comparator.comparing(Held::due));
    private final AtomicInteger rotation = new AtomicInteger();
    /**
     * What was handed out and nobody settled yet. A receipt leaves it once, so a second settle does nothing (a second
     * ack of one tag would close the channel); losing the channel clears it, as RabbitMQ then gave everything back.
     */
    private final Set<Receipt> unsettled = ConcurrentHashMap.newKeySet();
    private volatile boolean closed;
    /**
     * Where a published task's records are to go over {@code rpc://}, by its id: set when the application's result
     * backend is {@link CeleryRpcBackend}; a message that names its own {@code reply_to} keeps it.
     */
    private volatile Function<String, String> replyTo = id -> null;

    /** A delivery of this broker: its channel's tag, and what a copy of it needs. */
    record Receipt(Channel channel, long tag, String queue, AMQP.BasicProperties properties, byte[] body, int count) {
    }

    private record Held(Instant due, Delivery delivery) {
    }

    private CeleryAmqpBroker(CeleryAmqpSettings settings, Clock clock) {
        this.settings = settings;
        this.clock = clock;
        this.connection = connect(settings, "amdahl celery broker");
    }

    /** A connection to {@code settings}' RabbitMQ that recovers on its own, named {@code name} in RabbitMQ's lists. */
    public static Connection connect(CeleryAmqpSettings settings, String name) {
        ConnectionFactory factory = new ConnectionFactory();
        factory.setHost(settings.host());
        factory.setPort(settings.port());
        factory.setVirtualHost(settings.virtualHost());
        factory.setUsername(settings.user());
        factory.setPassword(settings.password());
        factory.setAutomaticRecoveryEnabled(true);
        factory.setNetworkRecoveryInterval(1_000);
        factory.setRequestedHeartbeat(30);
        int timeoutMs = (int) Math.min(Integer.MAX_VALUE, settings.timeout().toMillis());
        factory.setConnectionTimeout(timeoutMs);
        factory.setHandshakeTimeout(timeoutMs);
        factory.setChannelRpcTimeout(timeoutMs);
        try {
            if (settings.tls()) {
                factory.useSslProtocol(javax.net.ssl.SSLContext.getDefault());
                factory.enableHostnameVerification();
            }
            return factory.newConnection(name);
        } catch (IOException | TimeoutException | java.security.GeneralSecurityException e) {
            throw new IllegalStateException("cannot connect to RabbitMQ at " + settings.address() + " as '" + settings.user()
                    + "' (" + e + "): check that it runs, and the user, password and virtual host in the URL", e);
        }
    }

    /** Opens the broker at an {@code amqp://} URL (see {@link CeleryAmqpSettings}). */
    public static CeleryAmqpBroker open(URI uri, ProviderContext context) {
        return new CeleryAmqpBroker(CeleryAmqpSettings.parse(uri), context.clock());
    }

    public CeleryAmqpSettings settings() {
        return settings;
    }

    /** Gives every message published without a {@code reply_to} the address {@code replyTo} names for its id. */
    void replyTo(Function<String, String> replyTo) {
        this.replyTo = replyTo;
    }

    // ---------------------------------------------------------------- channels

    /** The publishing channel, opened again if RabbitMQ closed it; call under {@link #publishLock}. */
    private Channel publishing() throws IOException {
        if (publishing == null || !publishing.isOpen()) {
            publishing = connection.createChannel();
            publishing.confirmSelect();
        }
        return publishing;
    }

    /** The consuming channel, opened again if RabbitMQ closed it; call under {@link #consumeLock}. */
    private Channel consuming() throws IOException {
        if (consuming == null || !consuming.isOpen()) {
            // what the old one delivered is back with RabbitMQ: its receipts settle nothing (see ack)
            Channel fresh = connection.createChannel();
            // a lost channel (or connection, which recovers) gave its deliveries back: they are no longer held
            fresh.addShutdownListener(cause -> unsettled.removeIf(r -> r.channel() == fresh));
            consuming = fresh;
        }
        return consuming;
    }

    // ---------------------------------------------------------------- topology

    /** Celery's declaration of {@code queue}, and our dead-letter queue beside it. */
    private void declare(String queue) {
        if (declared.contains(queue)) {
            return;
        }
        synchronized (publishLock) {
            try {
                Channel ch = publishing();
                ch.exchangeDeclare(queue, settings.topic() ? "topic" : "direct", true, false, null);
                ch.queueDeclare(queue, true, false, false, settings.quorum() ? Map.of("x-queue-type", "quorum") : null);
                ch.queueBind(queue, queue, queue);
                if (settings.nativeDelayedDelivery()) {
                    if (!delayLevelsDeclared) {
                        DelayedDelivery.declare(ch);
                        delayLevelsDeclared = true;
                    }
                    DelayedDelivery.bindQueue(ch, queue);
                }
                ch.queueDeclare(DEAD_PREFIX + queue, true, false, false,
                        Map.of("x-max-length", DEAD_CAP, "x-message-ttl", DEAD_TTL_MS));
            } catch (IOException e) {
                throw new IllegalStateException("RabbitMQ refused to declare the Celery queue '" + queue + "' (" + cause(e)
                        + "): if it exists with other arguments (x-max-priority, another x-queue-type), declare it as"
                        + " Celery 5.2 does by default (durable, no arguments; or x-queue-type quorum with ?queue-type=quorum;"
                        + " a direct exchange, or topic with ?exchange-type=topic) or delete it", e);
            }
        }
        declared.add(queue);
    }

    // ---------------------------------------------------------------- publishing

    @Override
    public void publish(String queue, OutboundMessage message) {
        publishAll(queue, List.of(message));
    }

    @Override
    public void publishAll(String queue, List<OutboundMessage> messages) {
        declare(queue);
        List<byte[]> bodies = new ArrayList<>(messages.size());
        List<AMQP.BasicProperties> props = new ArrayList<>(messages.size());
        for (OutboundMessage m : messages) {
            WireMessage w;
            try {
                w = KombuEnvelope.of(MessageLimits.ofDefaults()).read(m.body());
            } catch (RuntimeException e) {
                throw new IllegalArgumentException("message " + m.id() + " is not a Celery message (" + e.getMessage()
                        + "): Celery's AMQP layout carries Celery messages; build the application with wireProtocol(\"celery\")", e);
            }
            props.add(properties(w, m.priority(), replyTo.apply(m.id())));
            bodies.add(w.body());
        }
        synchronized (publishLock) {
            try {
                Channel ch = publishing();
                for (int i = 0; i < bodies.size(); i++) {
                    String delayed = delayedKey(queue, messages.get(i));
                    if (delayed != null) {
                        ch.basicPublish(DelayedDelivery.FIRST_EXCHANGE, delayed, props.get(i), bodies.get(i));
                    } else {
                        ch.basicPublish("", queue, props.get(i), bodies.get(i));
                    }
                }
                ch.waitForConfirmsOrDie(settings.timeout().toMillis());
            } catch (IOException | TimeoutException e) {
                throw new IllegalStateException("RabbitMQ did not confirm " + messages.size() + " message(s) to '" + queue
                        + "' (" + cause(e) + "): they may or may not be queued; submit them again to be sure", e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while RabbitMQ confirmed the publish to '" + queue + "'", e);
            }
        }
    }

    /** The delay levels' routing key for a message due later, when they carry it; else {@code null}. */
    private String delayedKey(String queue, OutboundMessage m) {
        if (!settings.nativeDelayedDelivery() || m.notBefore() == null) {
            return null;
        }
        return DelayedDelivery.routingKey(Duration.between(clock.instant(), m.notBefore()), queue);
    }

    /**
     * The AMQP properties kombu's producer sets for a Celery message; {@code replyTo} is its {@code reply_to} unless
     * the message names one.
     */
    static AMQP.BasicProperties properties(WireMessage w, int priority, String replyTo) {
        JsonNode p = w.properties();
        return new AMQP.BasicProperties.Builder()
                .headers(table(w.headers()))
                .correlationId(p.path("correlation_id").isTextual() ? p.get("correlation_id").textValue() : null)
                .replyTo(p.path("reply_to").isTextual() && !p.get("reply_to").textValue().isEmpty()
                        ? p.get("reply_to").textValue() : replyTo)
                .priority(priority)
                .contentType(w.contentType() == null ? "application/json" : w.contentType())
                .contentEncoding(w.contentEncoding() == null ? "utf-8" : w.contentEncoding())
                .deliveryMode(2)
                .build();
    }

    /** kombu's headers as the AMQP headers table it sends. */
    public static Map<String, Object> table(ObjectNode headers) {
        Map<String, Object> t = new LinkedHashMap<>();
        headers.fields().forEachRemaining(e -> t.put(e.getKey(), value(e.getValue())));
        return t;
    }

    private static Object value(JsonNode v) {
        if (v == null || v.isNull()) {
            return null;
        }
        if (v.isTextual()) {
            return v.textValue();
        }
        if (v.isBoolean()) {
            return v.booleanValue();
        }
        if (v.isInt() || v.isShort()) {
            return v.intValue();
        }
        if (v.isIntegralNumber()) {
            return v.canConvertToLong() ? (Object) v.longValue() : new BigDecimal(v.bigIntegerValue());
        }
        if (v.isNumber()) {
            return v.doubleValue();
        }
        if (v.isArray()) {
            List<Object> l = new ArrayList<>(v.size());
            v.forEach(x -> l.add(value(x)));
            return l;
        }
        Map<String, Object> m = new LinkedHashMap<>();
        v.fields().forEachRemaining(e -> m.put(e.getKey(), value(e.getValue())));
        return m;
    }

    // ---------------------------------------------------------------- taking

    @Override
    public List<Delivery> poll(List<String> queues, int max, Duration timeout) throws InterruptedException {
        if (max < 1) {
            throw new IllegalArgumentException("max must be positive, was " + max);
        }
        if (queues.isEmpty()) {
            return List.of();
        }
        queues.forEach(this::declare);
        long deadline = System.nanoTime() + timeout.toNanos();
        long pause = 10;
        List<Delivery> out = new ArrayList<>();
        while (!closed) {
            handOutDue(queues, max, out);
            int start = Math.floorMod(rotation.getAndIncrement(), queues.size());
            for (int i = 0; i < queues.size() && out.size() < max; i++) {
                String q = queues.get((start + i) % queues.size());
                while (out.size() < max && heldCount() < MAX_HELD && take(q, out)) {
                    // keep taking from q while it has messages
                }
            }
            long left = deadline - System.nanoTime();
            if (!out.isEmpty() || left <= 0) {
                break;
            }
            Thread.sleep(Math.max(1, Math.min(pause, left / 1_000_000)));
            pause = Math.min(100, pause * 2);
        }
        return out;
    }

    /** One basic.get from {@code queue}; false when it was empty. */
    private boolean take(String queue, List<Delivery> out) {
        GetResponse got;
        Channel from;
        synchronized (consumeLock) {
            try {
                from = consuming();
                got = from.basicGet(queue, false);
            } catch (IOException e) {
                throw new UncheckedIOException("basic.get from '" + queue + "' failed: " + cause(e), e);
            }
        }
        if (got == null) {
            return false;
        }
        AMQP.BasicProperties p = got.getProps();
        Map<String, Object> headers = p.getHeaders() == null ? Map.of() : p.getHeaders();
        int before = number(headers.get(DELIVERIES));
        Object quorum = headers.get("x-delivery-count");
        boolean uncounted = quorum == null && got.getEnvelope().isRedeliver();
        // deliveries before this one: ours in the header (copies), plus the returns RabbitMQ counted or flagged since
        int count = before + (quorum != null ? number(quorum) : uncounted ? 1 : 0) + 1;
        if (count > settings.maxDeliveries() + 1) {
            // even its exhausted delivery went unsettled (its consumer died with it): it ends here
            republish(DEAD_PREFIX + queue, p, got.getBody(), count - 1, "delivered " + (count - 1) + " times, more than"
                    + " max-deliveries " + settings.maxDeliveries() + "; nobody settled its last delivery");
            ack(from, got.getEnvelope().getDeliveryTag());
            return true;
        }
        if (uncounted) {
            // a classic queue gave it back uncounted (its consumer died): count that delivery, then take the copy
            republish(queue, p, got.getBody(), before + 1, null);
            ack(from, got.getEnvelope().getDeliveryTag());
            return true;
        }
        Receipt r = new Receipt(from, got.getEnvelope().getDeliveryTag(), queue, p, got.getBody(), count);
        String id = id(p);
        Delivery d = new Delivery(queue, id, envelope(got), p.getPriority() == null ? 0
                : Math.max(0, Math.min(OutboundMessage.MAX_PRIORITY, p.getPriority())), count, r,
                count > settings.maxDeliveries());
        unsettled.add(r);
        Instant eta = eta(headers.get("eta"));
        if (eta != null && eta.isAfter(clock.instant())) {
            synchronized (held) {
                held.add(new Held(eta, d));
            }
            return true;
        }
        out.add(d);
        return true;
    }

    private int heldCount() {
        synchronized (held) {
            return held.size();
        }
    }

    /** The task id to report: Celery's correlation id, else the {@code id} header. */
    private static String id(AMQP.BasicProperties p) {
        Object header = p.getHeaders() == null ? null : p.getHeaders().get("id");
        return p.getCorrelationId() != null ? p.getCorrelationId()
                : header != null ? header.toString() : "amqp-" + UUID.randomUUID();
    }

    private void handOutDue(List<String> queues, int max, List<Delivery> out) {
        Instant now = clock.instant();
        synchronized (held) {
            List<Held> later = new ArrayList<>();
            Held h;
            while (out.size() < max && (h = held.peek()) != null && !h.due().isAfter(now)) {
                held.poll();
                if (queues.contains(h.delivery().queue())) {
                    out.add(h.delivery());
                } else {
                    later.add(h);
                }
            }
            held.addAll(later);
        }
    }

    /** The delivery as the kombu envelope the protocol's decoder reads, the AMQP properties in kombu's names. */
    private static byte[] envelope(GetResponse got) {
        return envelope(got.getEnvelope(), got.getProps(), got.getBody());
    }

    public static byte[] envelope(Envelope delivery, AMQP.BasicProperties p, byte[] body) {
        ObjectNode headers = NODES.objectNode();
        if (p.getHeaders() != null) {
            p.getHeaders().forEach((k, v) -> {
                if (!k.equals(DELIVERIES) && !k.equals("x-delivery-count")) {
                    headers.set(k, json(v));
                }
            });
        }
        ObjectNode props = NODES.objectNode();
        if (p.getCorrelationId() != null) {
            props.put("correlation_id", p.getCorrelationId());
        }
        if (p.getReplyTo() != null) {
            props.put("reply_to", p.getReplyTo());
        }
        if (p.getPriority() != null) {
            props.put("priority", p.getPriority());
        }
        if (p.getDeliveryMode() != null) {
            props.put("delivery_mode", p.getDeliveryMode());
        }
        if (p.getExpiration() != null) {
            props.put("expiration", p.getExpiration());
        }
        ObjectNode info = props.putObject("delivery_info");
        info.put("exchange", delivery.getExchange());
        info.put("routing_key", delivery.getRoutingKey());
        info.put("redelivered", delivery.isRedeliver());
        props.put("delivery_tag", Long.toString(delivery.getDeliveryTag()));
        return KombuEnvelope.write(new WireMessage(headers, props, p.getContentType(), p.getContentEncoding(), body));
    }

    /** An AMQP field value as JSON; the decoder checks each field's type afterwards. */
    private static JsonNode json(Object v) {
        if (v == null) {
            return NODES.nullNode();
        }
        if (v instanceof LongString s) {
            return NODES.textNode(new String(s.getBytes(), StandardCharsets.UTF_8));
        }
        if (v instanceof String s) {
            return NODES.textNode(s);
        }
        if (v instanceof Boolean b) {
            return NODES.booleanNode(b);
        }
        if (v instanceof Integer || v instanceof Short || v instanceof Byte) {
            return NODES.numberNode(((Number) v).intValue());
        }
        if (v instanceof Long l) {
            return NODES.numberNode(l);
        }
        if (v instanceof Float || v instanceof Double) {
            return NODES.numberNode(((Number) v).doubleValue());
        }
        if (v instanceof BigDecimal b) {
            return NODES.numberNode(b);
        }
        if (v instanceof Date d) {
            return NODES.textNode(d.toInstant().toString());
        }
        if (v instanceof byte[] b) {
            return NODES.textNode(Base64.getEncoder().encodeToString(b));
        }
        if (v instanceof List<?> l) {
            ArrayNode a = NODES.arrayNode();
            l.forEach(x -> a.add(json(x)));
            return a;
        }
        if (v instanceof Map<?, ?> m) {
            ObjectNode o = NODES.objectNode();
            m.forEach((k, x) -> o.set(String.valueOf(k), json(x)));
            return o;
        }
        return NODES.textNode(v.toString());
    }

    private static int number(Object v) {
        if (v instanceof Number n) {
            return (int) Math.max(0, Math.min(1_000_000, n.longValue()));
        }
        return 0;
    }

    private static Instant eta(Object v) {
        String text = v instanceof LongString s ? s.toString() : v instanceof String s ? s : null;
        if (text == null) {
            return null;
        }
        try {
            return OffsetDateTime.parse(text).toInstant();
        } catch (DateTimeParseException e) {
            return null;   // the codec refuses it with the reason; hold nothing for it
        }
    }

    // ---------------------------------------------------------------- settling

    private static Receipt receipt(Delivery d) {
        if (!(d.receipt() instanceof Receipt r)) {
            throw new IllegalArgumentException("not a delivery of this broker: " + d);
        }
        return r;
    }

    @Override
    public void ack(Delivery d) {
        Receipt r = receipt(d);
        if (unsettled.remove(r)) {
            ack(r.channel(), r.tag());
        }
    }

    /** No lease to extend (RabbitMQ keeps a delivery until its channel goes); false once it was settled or lost. */
    @Override
    public boolean extendLease(Delivery d) {
        Receipt r = receipt(d);
        return unsettled.contains(r) && r.channel() == consuming && r.channel().isOpen();
    }

    /** Acks {@code tag} if {@code channel} is still the consuming one: a tag of a closed channel is nobody's. */
    private void ack(Channel channel, long tag) {
        synchronized (consumeLock) {
            if (channel != consuming || !channel.isOpen()) {
                log.warn("delivery {} came on a channel that has closed since; RabbitMQ delivers it again", tag);
                return;
            }
            try {
                channel.basicAck(tag, false);
            } catch (IOException | RuntimeException e) {
                // the channel is gone: RabbitMQ gives the message back, and it is counted when it comes again
                log.warn("ack of delivery {} failed ({}); RabbitMQ delivers it again", tag, cause(e));
            }
        }
    }

    /** A copy with the count raised, then the original acked: a classic queue would give it back uncounted. */
    @Override
    public void requeue(Delivery d) {
        Receipt r = receipt(d);
        if (unsettled.contains(r)) {
            republish(r.queue(), r.properties(), r.body(), r.count(), null);
            if (unsettled.remove(r)) {
                ack(r.channel(), r.tag());
            }
        }
    }

    @Override
    public void reject(Delivery d, String reason) {
        Receipt r = receipt(d);
        if (unsettled.contains(r)) {
            republish(DEAD_PREFIX + r.queue(), r.properties(), r.body(), r.count(), reason);
            if (unsettled.remove(r)) {
                ack(r.channel(), r.tag());
            }
        }
    }

    private void republish(String queue, AMQP.BasicProperties p, byte[] body, int deliveries, String reason) {
        Map<String, Object> headers = new LinkedHashMap<>(p.getHeaders() == null ? Map.of() : p.getHeaders());
        headers.remove("x-delivery-count");
        headers.put(DELIVERIES, deliveries);
        if (reason != null) {
            headers.put(REASON, reason);
            headers.put("x-amdahl-rejected-at", clock.millis());
        }
        republishRaw(queue, p.builder().headers(headers).deliveryMode(2).build(), body);
    }

    private void republishRaw(String queue, AMQP.BasicProperties copy, byte[] body) {
        synchronized (publishLock) {
            try {
                Channel ch = publishing();
                ch.basicPublish("", queue, copy, body);
                ch.waitForConfirmsOrDie(settings.timeout().toMillis());
            } catch (IOException | TimeoutException e) {
                throw new IllegalStateException("RabbitMQ did not confirm the copy to '" + queue + "' (" + cause(e)
                        + "); the original stays unacknowledged and comes back", e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while RabbitMQ confirmed the copy to '" + queue + "'", e);
            }
        }
    }

    // ---------------------------------------------------------------- the rest

    @Override
    public long depth(String queue) {
        declare(queue);
        long heldHere;
        synchronized (held) {
            heldHere = held.stream().filter(h -> h.delivery().queue().equals(queue)).count();
        }
        synchronized (publishLock) {
            try {
                return publishing().queueDeclarePassive(queue).getMessageCount() + heldHere;
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read the depth of '" + queue + "': " + cause(e), e);
            }
        }
    }

    @Override
    public long purge(String queue) {
        declare(queue);
        synchronized (publishLock) {
            try {
                return publishing().queuePurge(queue).getMessageCount();
            } catch (IOException e) {
                throw new UncheckedIOException("cannot purge '" + queue + "': " + cause(e), e);
            }
        }
    }

    /** The first {@code max} dead letters (bodies as {@link #poll} hands them out), read unacknowledged on a channel of their own and given back by closing it. */
    @Override
    public List<DeadLetter> deadLetters(String queue, int max) {
        declare(queue);
        List<DeadLetter> out = new ArrayList<>();
        try (Channel peek = connection.createChannel()) {
            GetResponse got;
            while (out.size() < max && (got = peek.basicGet(DEAD_PREFIX + queue, false)) != null) {
                Map<String, Object> h = got.getProps().getHeaders() == null ? Map.of() : got.getProps().getHeaders();
                Object at = h.get("x-amdahl-rejected-at");
                out.add(new DeadLetter(queue, id(got.getProps()), envelope(got), String.valueOf(h.get(REASON)),
                        Instant.ofEpochMilli(at instanceof Number n ? n.longValue() : 0)));
            }
        } catch (IOException | TimeoutException e) {
            throw new IllegalStateException("cannot read the dead letters of '" + queue + "': " + cause(e), e);
        }
        return out;
    }

    /**
     * Puts the dead letters with {@code messageId} back on {@code queue} as new messages (their count and reason gone):
     * the dead-letter queue is read on a channel of its own, each match published (confirmed) and then acked, the rest
     * given back by closing the channel.
     */
    @Override
    public int requeueDeadLetter(String queue, String messageId) {
        return takeDead(queue, messageId, true);
    }

    @Override
    public int dropDeadLetter(String queue, String messageId) {
        return takeDead(queue, messageId, false);
    }

    private int takeDead(String queue, String messageId, boolean requeue) {
        declare(queue);
        int moved = 0;
        try (Channel take = connection.createChannel()) {
            GetResponse got;
            while ((got = take.basicGet(DEAD_PREFIX + queue, false)) != null) {
                if (!messageId.equals(id(got.getProps()))) {
                    continue;
                }
                if (requeue) {
                    Map<String, Object> headers = new LinkedHashMap<>(got.getProps().getHeaders() == null ? Map.of()
                            : got.getProps().getHeaders());
                    headers.keySet().removeIf(k -> k.startsWith("x-amdahl-"));
                    republishRaw(queue, got.getProps().builder().headers(headers).build(), got.getBody());
                }
                take.basicAck(got.getEnvelope().getDeliveryTag(), false);
                moved++;
            }
        } catch (IOException | TimeoutException e) {
            throw new IllegalStateException("cannot take the dead letters of '" + queue + "': " + cause(e), e);
        }
        return moved;
    }

    /** Deletes what this broker keeps beside Celery's layout for {@code queue}: its dead-letter queue. */
    public void deleteDeadLetters(String queue) {
        synchronized (publishLock) {
            try {
                publishing().queueDelete(DEAD_PREFIX + queue);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        synchronized (held) {
            for (Iterator<Held> it = held.iterator(); it.hasNext(); ) {
                Receipt r = receipt(it.next().delivery());
                it.remove();
                try {
                    synchronized (consumeLock) {
                        if (r.channel() == consuming && r.channel().isOpen()) {
                            r.channel().basicNack(r.tag(), false, true);
                        }
                    }
                } catch (IOException | RuntimeException e) {
                    log.warn("closing: could not give back a held message ({}); closing the connection does", cause(e));
                }
            }
        }
        try {
            connection.close((int) Math.min(Integer.MAX_VALUE, settings.timeout().toMillis()));
        } catch (IOException | RuntimeException e) {
            log.warn("closing the Celery AMQP connection: {}", cause(e));
        }
    }

    /**
     * Drops the connection without settling or giving back anything, as a process that died would: RabbitMQ
     * delivers what it held again, flagged redelivered.
     */
    public void abandon() {
        closed = true;
        connection.abort();
    }

    private static String cause(Exception e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return String.valueOf(t.getMessage() != null ? t.getMessage() : t);
    }
}
