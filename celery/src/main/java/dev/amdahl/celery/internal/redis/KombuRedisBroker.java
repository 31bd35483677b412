package dev.amdahl.celery.internal.redis;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.amdahl.spi.Broker;
import dev.amdahl.spi.DeadLetter;
import dev.amdahl.spi.Delivery;
import dev.amdahl.spi.OutboundMessage;
import dev.amdahl.spi.ProviderContext;
import io.lettuce.core.KeyValue;
import io.lettuce.core.Limit;
import io.lettuce.core.Range;
import io.lettuce.core.RedisClient;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.SetArgs;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.codec.ByteArrayCodec;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.PriorityQueue;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * kombu's Redis transport, as Celery's Python workers use it, behind Amdahl's {@link Broker}: Java and Python workers
 * take from one queue, and a message either held when it died is restored for the other.
 *
 * <h2>Layout (kombu 5.2's, unchanged)</h2>
 * <ul>
 *   <li>A queue {@code q} is the list {@code q} and its priority sub-lists {@code q\x06\x163}, {@code \x06\x166},
 *       {@code \x06\x169}: kombu's priority steps 0, 3, 6, 9, a message going to the highest step not above its
 *       {@code properties.priority}. Entries are LPUSHed and RPOPed (first in, first out), and the lists are served in
 *       ascending step, so on Redis Celery's priority 0 is the <em>highest</em>. Amdahl's priorities run the other way
 *       (9 highest), so an Amdahl priority {@code p} is written as Celery's {@code 9 - p}, and read back so.</li>
 *   <li>An entry is kombu's envelope ({@code body} base64, {@code headers}, {@code properties}); publishing sets
 *       {@code properties.delivery_tag} (a new UUID), {@code delivery_info {exchange: "", routing_key: queue}} and
 *       {@code priority}, as kombu's virtual channel does.</li>
 *   <li>Acknowledgement emulation: a taken message is in the hash {@code unacked} (tag to {@code [entry, exchange,
 *       routing_key]}) and the sorted set {@code unacked_index} (tag to the time it was taken, Unix seconds). Whoever
 *       holds the lock {@code unacked_mutex} (redis-py's lock: 300 s for Python, {@value #MUTEX_MILLIS} ms for Java) restores the entries older than the visibility
 *       timeout to the queue its exchange and routing key name, at the front (RPUSH), marked {@code redelivered}: a Java
 *       broker does it every third of the timeout (at most every 10 s), a Python worker every tenth poll.</li>
 * </ul>
 *
 * <h2>What Amdahl adds beside it</h2>
 * <ul>
 *   <li>Delivery counts: kombu counts none. {@code amdahl.celery.deliveries.<tag>} counts the deliveries to Java
 *       consumers (a message taken by a Python worker does not count); past {@code max-deliveries} the message is handed
 *       out once more, exhausted, then dead-lettered. The count is also the delivery's ownership: a consumer whose lease
 *       ran out, and whose message was restored and taken again under the same tag, can neither settle nor extend it.
 *       It expires a week after the last delivery (or later with a long visibility timeout), and goes with the ack.</li>
 *   <li>Dead letters: {@code amdahl.celery.dead.<queue>}, a list of the last 10 000, kept 30 days after the last one.</li>
 *   <li>ETAs: Celery sends a message with an ETA at once, and the worker that takes it holds it until then (its lease
 *       kept). So does this broker: a message whose {@code eta} header is in the future is held in memory, still in
 *       {@code unacked}, its lease renewed, and handed out when due; closing gives it back.</li>
 * </ul>
 * A message taken by a blocking BRPOP is registered in {@code unacked} by the next round trip: a process that dies in
 * between loses it, as kombu's Python consumer would.
 */
public final class KombuRedisBroker implements Broker {

    private static final Logger log = LoggerFactory.getLogger(KombuRedisBroker.class);
    static final String SEP = "\u0006\u0016";
    static final int[] PRIORITY_STEPS = {0, 3, 6, 9};
    static final String UNACKED = "unacked";
    static final String UNACKED_INDEX = "unacked_index";
    static final String UNACKED_MUTEX = "unacked_mutex";
    static final String COUNT_PREFIX = "amdahl.celery.deliveries.";
    static final String DEAD_PREFIX = "amdahl.celery.dead.";
    private static final int DEAD_CAP = 10_000;
    private static final long DEAD_TTL_SECONDS = Duration.ofDays(30).toSeconds();
    /**
     * How long a Java worker's hold on {@code unacked_mutex} lasts at most. kombu's holders take it for 300 s; a round
     * here (at most {@link #RESTORE_BATCH} restores) takes milliseconds, and a worker killed inside one then stalls every
     * restore, Python's included, for only this long. Past it another may restore too: a message restored twice runs
     * twice, as at least once allows.
     */
    static final long MUTEX_MILLIS = 10_000;
    private static final int RESTORE_BATCH = 100;
    private static final ObjectMapper JSON = new ObjectMapper();

    private final KombuRedisSettings settings;
    private final Clock clock;
    private final RedisClient client;
    private final StatefulRedisConnection<byte[], byte[]> connection;
    private final RedisCommands<byte[], byte[]> redis;
    /** Connections for blocking BRPOPs, one per poll in flight: a blocking command would stall the shared one. */
    private final ConcurrentLinkedQueue<StatefulRedisConnection<byte[], byte[]>> blocking = new ConcurrentLinkedQueue<>();
    /** What this broker handed out and nobody settled yet: given back when it closes. Tag to receipt. */
    private final Map<String, Receipt> outstanding = new ConcurrentHashMap<>();
    /** Messages taken before their ETA, soonest first; guarded by itself. */
    private final PriorityQueue<Held> held = new PriorityQueue<>(Comparator.comparing(Held::due));
    private final ScheduledExecutorService keeper;
    private final AtomicInteger rotation = new AtomicInteger();
    private final long countTtlSeconds;
    private volatile boolean closed;

    /** Where a delivery came from and which of its deliveries it is. */
    record Receipt(String tag, long count, String queue, byte[] entry) {
    }

    private record Held(Instant due, String queue, String tag, byte[] entry, String id, int priority) {
    }

    private KombuRedisBroker(KombuRedisSettings settings, Clock clock) {
        this.settings = settings;
        this.clock = clock;
        this.client = RedisClient.create(settings.redisUri());
        this.connection = client.connect(ByteArrayCodec.INSTANCE);
        this.redis = connection.sync();
        long vt = Math.max(1, settings.visibilityTimeout().toSeconds());
        this.countTtlSeconds = Math.max(Duration.ofDays(7).toSeconds(), vt * (settings.maxDeliveries() + 2L));
        long every = Math.max(100, Math.min(10_000, settings.visibilityTimeout().toMillis() / 3));
        this.keeper = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "amdahl-kombu-restore");
            t.setDaemon(true);
            return t;
        });
        keeper.scheduleWithFixedDelay(this::keep, every, every, TimeUnit.MILLISECONDS);
    }

    /** Opens the transport at a {@code redis://} URL (see {@link KombuRedisSettings}). */
    public static KombuRedisBroker open(URI uri, ProviderContext context) {
        return new KombuRedisBroker(KombuRedisSettings.parse(uri), context.clock());
    }

    public KombuRedisSettings settings() {
        return settings;
    }

    // ---------------------------------------------------------------- publishing

    @Override
    public void publish(String queue, OutboundMessage message) {
        publishAll(queue, List.of(message));
    }

    @Override
    public void publishAll(String queue, List<OutboundMessage> messages) {
        Map<String, List<byte[]>> byList = new LinkedHashMap<>();
        for (OutboundMessage m : messages) {
            int celeryPriority = OutboundMessage.MAX_PRIORITY - m.priority();
            byList.computeIfAbsent(listKey(queue, celeryPriority), k -> new ArrayList<>()).add(entry(queue, m, celeryPriority));
        }
        byList.forEach((list, entries) -> redis.lpush(bytes(list), entries.toArray(new byte[0][])));
    }

    /** The queue entry: the envelope the protocol wrote, with what kombu's channel adds on publishing. */
    private static byte[] entry(String queue, OutboundMessage m, int celeryPriority) {
        JsonNode tree;
        try {
            tree = JSON.readTree(m.body());
        } catch (java.io.IOException e) {
            tree = null;
        }
        if (tree == null || !tree.isObject() || !tree.path("body").isTextual()) {
            throw new IllegalArgumentException("message " + m.id() + " is not a kombu envelope: kombu's Redis layout carries"
                    + " Celery messages; build the application with wireProtocol(\"celery\")");
        }
        ObjectNode e = (ObjectNode) tree;
        ObjectNode props = e.path("properties").isObject() ? (ObjectNode) e.get("properties") : e.putObject("properties");
        props.put("delivery_tag", UUID.randomUUID().toString());
        props.put("priority", celeryPriority);
        ObjectNode info = props.putObject("delivery_info");
        info.put("exchange", "");
        info.put("routing_key", queue);
        if (!props.has("body_encoding")) {
            props.put("body_encoding", "base64");
        }
        try {
            return JSON.writeValueAsBytes(e);
        } catch (java.io.IOException ex) {
            throw new IllegalStateException("cannot write the entry of " + m.id(), ex);
        }
    }

    static String listKey(String queue, int celeryPriority) {
        int step = step(celeryPriority);
        return step == 0 ? queue : queue + SEP + step;
    }

    /** kombu's {@code priority(n)}: the highest step not above {@code n}. */
    static int step(int celeryPriority) {
        int step = PRIORITY_STEPS[0];
        for (int s : PRIORITY_STEPS) {
            if (s <= celeryPriority) {
                step = s;
            }
        }
        return step;
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
        List<Delivery> out = new ArrayList<>();
        handOutDue(queues, max, out);
        List<String> lists = lists(queues);
        if (out.size() < max) {
            take(lists, max - out.size(), null, null, out);
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        while (out.isEmpty() && !closed) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                break;
            }
            if (Thread.interrupted()) {
                throw new InterruptedException();
            }
            Instant nextDue = nextDue(queues);
            long waitNanos = nextDue == null ? left : Math.min(left, Math.max(1_000_000,
                    Duration.between(clock.instant(), nextDue).toNanos()));
            // BRPOP waits in whole hundredths at least; cap a wait so that an interrupt or close is seen within a second
            double seconds = Math.max(0.01, Math.min(1.0, waitNanos / 1e9));
            KeyValue<byte[], byte[]> got = brpop(lists, seconds);
            if (got != null && got.hasValue()) {
                take(lists, max, new String(got.getKey(), StandardCharsets.UTF_8), got.getValue(), out);
            }
            handOutDue(queues, max - out.size(), out);
        }
        return out;
    }

    private KeyValue<byte[], byte[]> brpop(List<String> lists, double seconds) {
        StatefulRedisConnection<byte[], byte[]> c = blocking.poll();
        if (c == null) {
            c = client.connect(ByteArrayCodec.INSTANCE);
            c.setTimeout(settings.redisUri().getTimeout().plusSeconds(2));
        }
        try {
            KeyValue<byte[], byte[]> got = c.sync().brpop(seconds, keys(lists));
            blocking.add(c);
            return got;
        } catch (RuntimeException e) {
            c.closeAsync();
            throw e;
        }
    }

    /** The lists of {@code queues} in the order kombu serves them: every queue's step 0, then step 3..., queues rotated. */
    private List<String> lists(List<String> queues) {
        int n = queues.size();
        int start = Math.floorMod(rotation.getAndIncrement(), n);
        List<String> out = new ArrayList<>(n * PRIORITY_STEPS.length);
        for (int step : PRIORITY_STEPS) {
            for (int i = 0; i < n; i++) {
                out.add(listKey(queues.get((start + i) % n), step));
            }
        }
        return out;
    }

    private void take(List<String> lists, int max, String takenList, byte[] takenEntry, List<Delivery> out) {
        List<byte[]> keys = new ArrayList<>(lists.size() + 2);
        keys.add(bytes(UNACKED));
        keys.add(bytes(UNACKED_INDEX));
        lists.forEach(l -> keys.add(bytes(l)));
        List<byte[]> args = new ArrayList<>(List.of(bytes(Integer.toString(max)), bytes(COUNT_PREFIX),
                bytes(Long.toString(countTtlSeconds))));
        if (takenEntry != null) {
            args.add(bytes(takenList));
            args.add(takenEntry);
        }
        List<Object> got = redis.eval(KombuScripts.TAKE, ScriptOutputType.MULTI, keys.toArray(new byte[0][]),
                args.toArray(new byte[0][]));
        for (int i = 0; i + 3 < got.size(); i += 4) {
            String list = new String((byte[]) got.get(i), StandardCharsets.UTF_8);
            byte[] entry = (byte[]) got.get(i + 1);
            String tag = new String((byte[]) got.get(i + 2), StandardCharsets.UTF_8);
            long count = (Long) got.get(i + 3);
            taken(queueOf(list), entry, tag, count, out);
        }
    }

    private void taken(String queue, byte[] entry, String tag, long count, List<Delivery> out) {
        Meta meta = Meta.of(entry);
        if (tag.isEmpty()) {
            // no kombu message (no delivery tag): nothing to register it under; its consumer's codec rejects it
            out.add(new Delivery(queue, meta.id != null ? meta.id : "unregistered-" + UUID.randomUUID(), entry, 0, 1,
                    new Receipt("", 0, queue, entry)));
            return;
        }
        if (meta.eta != null && meta.eta.isAfter(clock.instant())) {
            // held until due, as Celery's worker holds it; not a delivery yet, so not counted
            redis.decr(bytes(COUNT_PREFIX + tag));
            synchronized (held) {
                held.add(new Held(meta.eta, queue, tag, entry, meta.id(tag), meta.priority));
            }
            return;
        }
        deliver(queue, entry, tag, count, meta.id(tag), meta.priority, out);
    }

    private void deliver(String queue, byte[] entry, String tag, long count, String id, int priority, List<Delivery> out) {
        Receipt r = new Receipt(tag, count, queue, entry);
        if (count > settings.maxDeliveries() + 1L) {
            // its exhausted delivery came back too (its consumer died, requeued or closed): the broker ends it
            reject(r, id, "delivered " + (count - 1) + " times without being settled; the broker allows "
                    + settings.maxDeliveries() + " deliveries (max-deliveries), so it is dead-lettered, not delivered again");
            return;
        }
        outstanding.put(tag, r);
        out.add(new Delivery(queue, id, entry, priority, (int) Math.min(Integer.MAX_VALUE, count), r,
                count > settings.maxDeliveries()));
    }

    private void handOutDue(List<String> queues, int max, List<Delivery> out) {
        List<Held> due = new ArrayList<>();
        synchronized (held) {
            Instant now = clock.instant();
            List<Held> skipped = new ArrayList<>();
            while (due.size() < max && !held.isEmpty() && !held.peek().due().isAfter(now)) {
                Held h = held.poll();
                (queues.contains(h.queue()) ? due : skipped).add(h);
            }
            held.addAll(skipped);
        }
        for (Held h : due) {
            Long count = redis.eval(KombuScripts.HAND_OUT, ScriptOutputType.INTEGER, new byte[][] {bytes(UNACKED),
                    bytes(UNACKED_INDEX), bytes(COUNT_PREFIX + h.tag())}, bytes(h.tag()), bytes(Long.toString(countTtlSeconds)));
            if (count != null && count > 0) {
                deliver(h.queue(), h.entry(), h.tag(), count, h.id(), h.priority(), out);
            }
        }
    }

    private Instant nextDue(List<String> queues) {
        synchronized (held) {
            return held.stream().filter(h -> queues.contains(h.queue())).map(Held::due).min(Comparator.naturalOrder()).orElse(null);
        }
    }

    /** The base queue of a list key: kombu's {@code rsplit(sep, 1)[0]} of a priority sub-list. */
    static String queueOf(String list) {
        int at = list.lastIndexOf(SEP);
        if (at >= 0) {
            String suffix = list.substring(at + SEP.length());
            if (!suffix.isEmpty() && suffix.chars().allMatch(Character::isDigit)) {
                return list.substring(0, at);
            }
        }
        return list;
    }

    /** What the broker reads of an entry: the id to report, the ETA to hold it by, its Amdahl priority. Never fails. */
    private record Meta(String id, Instant eta, int priority) {
        static Meta of(byte[] entry) {
            JsonNode e;
            try {
                e = JSON.readTree(entry);
            } catch (java.io.IOException | RuntimeException ex) {
                return new Meta(null, null, 0);
            }
            if (e == null || !e.isObject()) {
                return new Meta(null, null, 0);
            }
            JsonNode headers = e.path("headers");
            JsonNode props = e.path("properties");
            String id = headers.path("id").isTextual() ? headers.get("id").textValue()
                    : props.path("correlation_id").isTextual() ? props.get("correlation_id").textValue() : null;
            Instant eta = null;
            if (headers.path("eta").isTextual()) {
                try {
                    eta = OffsetDateTime.parse(headers.get("eta").textValue()).toInstant();
                } catch (DateTimeParseException ex) {
                    eta = null;   // the codec refuses it with the reason; hold nothing for it
                }
            }
            int celery = props.path("priority").canConvertToInt() ? props.get("priority").intValue() : 0;
            int priority = OutboundMessage.MAX_PRIORITY - Math.max(0, Math.min(OutboundMessage.MAX_PRIORITY, celery));
            return new Meta(id, eta, priority);
        }

        String id(String tag) {
            return id != null && !id.isEmpty() ? id : tag;
        }
    }

    // ---------------------------------------------------------------- settling

    private static Receipt receipt(Delivery d) {
        if (!(d.receipt() instanceof Receipt r)) {
            throw new IllegalArgumentException("not a delivery of this broker: " + d);
        }
        return r;
    }

    private byte[][] ownKeys(String tag) {
        return new byte[][] {bytes(UNACKED), bytes(UNACKED_INDEX), bytes(COUNT_PREFIX + tag)};
    }

    @Override
    public void ack(Delivery d) {
        Receipt r = receipt(d);
        if (r.tag().isEmpty()) {
            return;
        }
        redis.eval(KombuScripts.ACK, ScriptOutputType.INTEGER, ownKeys(r.tag()), bytes(r.tag()), bytes(Long.toString(r.count())));
        outstanding.remove(r.tag(), r);
    }

    @Override
    public void requeue(Delivery d) {
        Receipt r = receipt(d);
        if (r.tag().isEmpty()) {
            redis.lpush(bytes(r.queue()), r.entry());
            return;
        }
        byte[][] keys = {bytes(UNACKED), bytes(UNACKED_INDEX), bytes(COUNT_PREFIX + r.tag()), bytes(r.queue())};
        redis.eval(KombuScripts.REQUEUE, ScriptOutputType.INTEGER, keys, bytes(r.tag()), bytes(Long.toString(r.count())), r.entry());
        outstanding.remove(r.tag(), r);
    }

    @Override
    public void reject(Delivery d, String reason) {
        reject(receipt(d), d.messageId(), reason);
    }

    private void reject(Receipt r, String id, String reason) {
        ObjectNode letter = JSON.createObjectNode();
        letter.put("id", id);
        letter.put("reason", reason);
        letter.put("at", clock.millis());
        letter.put("entry", new String(r.entry(), StandardCharsets.UTF_8));
        byte[][] keys = {bytes(UNACKED), bytes(UNACKED_INDEX), bytes(COUNT_PREFIX + r.tag()), bytes(DEAD_PREFIX + r.queue())};
        try {
            redis.eval(KombuScripts.REJECT, ScriptOutputType.INTEGER, keys, bytes(r.tag()), bytes(Long.toString(r.count())),
                    JSON.writeValueAsBytes(letter), bytes(Integer.toString(DEAD_CAP)), bytes(Long.toString(DEAD_TTL_SECONDS)));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException("cannot write the dead letter of " + id, e);
        }
        outstanding.remove(r.tag(), r);
    }

    @Override
    public boolean extendLease(Delivery d) {
        Receipt r = receipt(d);
        if (r.tag().isEmpty()) {
            return true;
        }
        Long kept = redis.eval(KombuScripts.EXTEND, ScriptOutputType.INTEGER, ownKeys(r.tag()), bytes(r.tag()),
                bytes(Long.toString(r.count())), bytes(Double.toString(settings.visibilityTimeout().toMillis() / 1000.0)),
                bytes(Long.toString(countTtlSeconds)));
        return kept != null && kept == 1;
    }

    @Override
    public Optional<Duration> visibilityTimeout() {
        return Optional.of(settings.visibilityTimeout());
    }

    // ---------------------------------------------------------------- restoring

    /** The keeper's round: renew the leases of held messages, restore what ran out. */
    private void keep() {
        try {
            List<Held> holding;
            synchronized (held) {
                holding = new ArrayList<>(held);
            }
            for (Held h : holding) {
                redis.eval(KombuScripts.TOUCH, ScriptOutputType.INTEGER, new byte[][] {bytes(UNACKED_INDEX)}, bytes(h.tag()));
            }
            restoreVisible();
        } catch (RuntimeException e) {
            if (!closed) {
                log.warn("kombu restore: {}; trying again on the next round", e.toString());
            }
        }
    }

    /** kombu's {@code restore_visible}: under {@code unacked_mutex}, every entry older than the visibility timeout goes back. */
    void restoreVisible() {
        String token = UUID.randomUUID().toString();
        String ok = redis.set(bytes(UNACKED_MUTEX), bytes(token), SetArgs.Builder.nx().px(MUTEX_MILLIS));
        if (!"OK".equals(ok)) {
            return;   // another worker, Java or Python, restores now
        }
        try {
            List<byte[]> time = redis.time();
            double now = Long.parseLong(new String(time.get(0), StandardCharsets.US_ASCII))
                    + Long.parseLong(new String(time.get(1), StandardCharsets.US_ASCII)) / 1e6;
            double ceiling = now - settings.visibilityTimeout().toMillis() / 1000.0;
            List<byte[]> tags = redis.zrangebyscore(bytes(UNACKED_INDEX), Range.create(0, ceiling), Limit.create(0, RESTORE_BATCH));
            for (byte[] tag : tags) {
                restore(new String(tag, StandardCharsets.UTF_8), false);
            }
        } finally {
            redis.eval(KombuScripts.UNLOCK, ScriptOutputType.INTEGER, new byte[][] {bytes(UNACKED_MUTEX)}, bytes(token));
        }
    }

    /** kombu's {@code restore_by_tag}: the entry back to the queues of its exchange and routing key, marked redelivered. */
    private void restore(String tag, boolean leftmost) {
        byte[] value = redis.hget(bytes(UNACKED), bytes(tag));
        if (value == null) {
            redis.zrem(bytes(UNACKED_INDEX), bytes(tag));
            return;
        }
        JsonNode v;
        try {
            v = JSON.readTree(value);
        } catch (java.io.IOException e) {
            v = null;
        }
        if (v == null || !v.isArray() || v.size() != 3 || !v.get(0).isObject()) {
            log.error("kombu restore: unacked entry {} is not [message, exchange, routing_key]; removed, as kombu cannot"
                    + " restore it either", tag);
            redis.hdel(bytes(UNACKED), bytes(tag));
            redis.zrem(bytes(UNACKED_INDEX), bytes(tag));
            return;
        }
        ObjectNode m = (ObjectNode) v.get(0);
        if (m.path("headers").isObject()) {
            ((ObjectNode) m.get("headers")).put("redelivered", true);
        }
        if (m.path("properties").path("delivery_info").isObject()) {
            ((ObjectNode) m.get("properties").get("delivery_info")).put("redelivered", true);
        }
        byte[] entry;
        try {
            entry = JSON.writeValueAsBytes(m);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
        for (String queue : lookup(v.get(1).asText(""), v.get(2).asText(""))) {
            redis.eval(KombuScripts.RESTORE, ScriptOutputType.INTEGER, new byte[][] {bytes(UNACKED), bytes(UNACKED_INDEX),
                    bytes(queue)}, bytes(tag), value, entry, bytes(leftmost ? "1" : "0"));
        }
    }

    /** kombu's {@code _lookup}: the default exchange routes by key; another one by its bindings. */
    private List<String> lookup(String exchange, String routingKey) {
        if (exchange.isEmpty()) {
            return List.of(routingKey);
        }
        List<String> queues = new ArrayList<>();
        for (byte[] member : redis.smembers(bytes("_kombu.binding." + exchange))) {
            String[] parts = new String(member, StandardCharsets.UTF_8).split(SEP, -1);
            if (parts.length == 3 && parts[0].equals(routingKey)) {
                queues.add(parts[2]);
            }
        }
        return queues.isEmpty() ? List.of(routingKey) : queues;
    }

    // ---------------------------------------------------------------- the rest

    @Override
    public long depth(String queue) {
        long n = 0;
        for (int step : PRIORITY_STEPS) {
            n += redis.llen(bytes(listKey(queue, step)));
        }
        return n;
    }

    @Override
    public long purge(String queue) {
        long n = depth(queue);
        for (int step : PRIORITY_STEPS) {
            redis.del(bytes(listKey(queue, step)));
        }
        return n;
    }

    @Override
    public List<DeadLetter> deadLetters(String queue, int max) {
        List<DeadLetter> out = new ArrayList<>();
        for (byte[] raw : redis.lrange(bytes(DEAD_PREFIX + queue), 0, max - 1L)) {
            try {
                JsonNode l = JSON.readTree(raw);
                out.add(new DeadLetter(queue, l.path("id").asText(), l.path("entry").asText().getBytes(StandardCharsets.UTF_8),
                        l.path("reason").asText(), Instant.ofEpochMilli(l.path("at").asLong())));
            } catch (java.io.IOException e) {
                log.warn("dead letter of {} is not readable: {}", queue, e.toString());
            }
        }
        return out;
    }

    /**
     * Puts the dead letters with {@code messageId} back on {@code queue} under a new delivery tag (so their delivery
     * count starts again), in the priority list their {@code properties.priority} names; each letter is removed and
     * pushed in one script, so it moves once.
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
        byte[] deadKey = bytes(DEAD_PREFIX + queue);
        int moved = 0;
        for (byte[] raw : redis.lrange(deadKey, 0, -1)) {
            JsonNode letter;
            try {
                letter = JSON.readTree(raw);
            } catch (java.io.IOException e) {
                continue;   // not ours to interpret; deadLetters() warns about it
            }
            if (letter == null || !messageId.equals(letter.path("id").asText(null))) {
                continue;
            }
            byte[] entry = new byte[0];
            byte[][] keys = {deadKey};
            if (requeue) {
                byte[] old = letter.path("entry").asText("").getBytes(StandardCharsets.UTF_8);
                entry = retagged(old);
                keys = new byte[][] {deadKey, bytes(listKey(queue, 9 - Meta.of(old).priority))};
            }
            Long n = redis.eval(KombuScripts.TAKE_DEAD, ScriptOutputType.INTEGER, keys, raw, entry);
            moved += n == null ? 0 : n.intValue();
        }
        return moved;
    }

    /** The entry with a new delivery tag and no redelivered marks: a new message to kombu, counted from one. */
    private static byte[] retagged(byte[] entry) {
        try {
            JsonNode tree = JSON.readTree(entry);
            if (tree == null || !tree.isObject() || !tree.path("properties").isObject()) {
                return entry;   // no kombu message: requeued as it was, its consumer's codec rejects it again
            }
            ObjectNode props = (ObjectNode) tree.get("properties");
            props.put("delivery_tag", UUID.randomUUID().toString());
            if (props.path("delivery_info").isObject()) {
                ((ObjectNode) props.get("delivery_info")).remove("redelivered");
            }
            if (tree.path("headers").isObject()) {
                ((ObjectNode) tree.get("headers")).remove("redelivered");
            }
            return JSON.writeValueAsBytes(tree);
        } catch (java.io.IOException e) {
            return entry;
        }
    }

    /** Deletes what this broker keeps beside kombu's layout for {@code queue}: its dead letters. */
    public void deleteDeadLetters(String queue) {
        redis.del(bytes(DEAD_PREFIX + queue));
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        // not shutdownNow: an interrupted round would leave unacked_mutex held, and restoring stopped for 5 minutes
        keeper.shutdown();
        try {
            if (!keeper.awaitTermination(10, TimeUnit.SECONDS)) {
                keeper.shutdownNow();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try {
            // kombu's restore_at_shutdown: what this consumer held goes back to the front of its queue
            List<Held> holding;
            synchronized (held) {
                holding = new ArrayList<>(held);
                held.clear();
            }
            for (Held h : holding) {
                restore(h.tag(), false);
            }
            for (Receipt r : outstanding.values()) {
                restore(r.tag(), false);
            }
            outstanding.clear();
        } catch (RuntimeException e) {
            log.warn("closing the kombu broker: could not give back what it held ({}); it is restored after the visibility"
                    + " timeout", e.toString());
        } finally {
            StatefulRedisConnection<byte[], byte[]> c;
            while ((c = blocking.poll()) != null) {
                c.close();
            }
            connection.close();
            client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        }
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static byte[][] keys(List<String> lists) {
        byte[][] out = new byte[lists.size()][];
        for (int i = 0; i < out.length; i++) {
            out[i] = bytes(lists.get(i));
        }
        return out;
    }
}
