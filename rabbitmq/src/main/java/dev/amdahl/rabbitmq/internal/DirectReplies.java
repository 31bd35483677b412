package dev.amdahl.rabbitmq.internal;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where this process's brokers and rpc result backends meet, by the RabbitMQ they connect to.
 *
 * <p>Client side: RabbitMQ takes a publish with {@code reply_to=amq.rabbitmq.reply-to} only on the channel that
 * consumes {@code amq.rabbitmq.reply-to} (else it closes the channel), and it is the broker that publishes the tasks.
 * So an open rpc backend lends its reply channel here ({@link #open}), and a {@link RabbitBroker} of the same
 * RabbitMQ, virtual host and user publishes the tasks it submits on it ({@link #replyChannel}). Either may be opened
 * first: the broker looks at each publish. All rpc backends of one RabbitMQ in a process share one reply channel and
 * one store of what came back, so two applications in one JVM (a client and a worker) never take each other's replies.
 *
 * <p>Worker side: RabbitMQ turns {@code amq.rabbitmq.reply-to} into the address of the submitting channel, which the
 * worker's broker reads from each delivery ({@link #delivered}); the worker's rpc backend sends the task's records
 * there ({@link #replyAddress}), and the broker publishes the task's retries and the workflow steps after it with the
 * same address, so the client hears of them too. The addresses are bounded in number and expire, and a task's is
 * dropped once its final record was sent ({@link #answered}).
 *
 * <p>A delivery is untrusted: only a direct reply-to address ({@code amq.rabbitmq.reply-to.…}) is taken, so a message
 * cannot make a worker write records into a queue of its choosing.
 */
final class DirectReplies {

    private static final Logger log = LoggerFactory.getLogger(DirectReplies.class);

    /** What a client publishes to have the replies come to its channel. */
    static final String REPLY_TO = "amq.rabbitmq.reply-to";
    private static final String ADDRESS_PREFIX = REPLY_TO + ".";
    static final int MAX_ADDRESSES = 100_000;
    static final long ADDRESS_TTL_NANOS = 24L * 3600 * 1_000_000_000L;
    /** Task ids found in one message's body (the steps of its workflow) that are given its address. */
    static final int MAX_IDS_PER_MESSAGE = 10_000;
    private static final int UUID_LENGTH = 36;

    /** Where both a broker and a backend connect: what makes a reply channel usable for a broker's publishes. */
    record Endpoint(String host, int port, String virtualHost, String user) {
        static Endpoint of(RabbitSettings s) {
            return new Endpoint(s.host().toLowerCase(java.util.Locale.ROOT), s.port(), s.virtualHost(), s.user());
        }
    }

    static final int MAX_CHORDS = 1_000;
    static final long CHORD_TTL_NANOS = 3600L * 1_000_000_000L;
    private static final byte[] CHORD_FIELD = "\"chord\"".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    private static final com.fasterxml.jackson.databind.ObjectMapper JSON = new com.fasterxml.jackson.databind.ObjectMapper();

    private static final Map<Endpoint, ReplyEndpoint> OPEN = new ConcurrentHashMap<>();
    /** Guarded by itself; oldest first. */
    private static final LinkedHashMap<String, Chord> CHORDS = new LinkedHashMap<>();

    /**
     * A chord whose member this process delivered: where its caller waits, and the tasks after it (its callbacks and
     * what follows them), which the rpc backend fails since it cannot count the members (see
     * {@link RpcResultBackend#increment}).
     */
    record Chord(Endpoint endpoint, String address, List<String> after, long expiresAt) {
    }
    /** Guarded by itself; oldest first, so the eldest is the one to expire or evict. */
    private static final LinkedHashMap<String, Address> ADDRESSES = new LinkedHashMap<>();
    /** Whether {@link #ADDRESSES} was ever given one: read without its lock on every delivery. */
    private static volatile boolean addressesKept;

    private record Address(Endpoint endpoint, String address, long expiresAt) {
    }

    private DirectReplies() {
    }

    // ------------------------------------------------------------------ client side

    /** The shared reply endpoint of {@code settings}' RabbitMQ, opened by {@code opener} if none is; counted. */
    static ReplyEndpoint open(RabbitSettings settings, Function<RabbitSettings, ReplyEndpoint> opener) {
        Endpoint key = Endpoint.of(settings);
        synchronized (OPEN) {
            ReplyEndpoint e = OPEN.get(key);
            if (e == null || !e.retain()) {
                e = opener.apply(settings);
                OPEN.put(key, e);
            }
            return e;
        }
    }

    /** One user fewer of {@code endpoint}; the last closes it. */
    static void release(ReplyEndpoint endpoint) {
        boolean last;
        synchronized (OPEN) {
            last = endpoint.releaseOne();
            if (last) {
                OPEN.remove(endpoint.key(), endpoint);
            }
        }
        if (last) {
            endpoint.shutDown();
        }
    }

    /** The reply channel an rpc backend of this process keeps open on {@code endpoint}, or {@code null}. */
    static ReplyEndpoint replyChannel(Endpoint endpoint) {
        return OPEN.isEmpty() ? null : OPEN.get(endpoint);
    }

    // ------------------------------------------------------------------ worker side

    /**
     * A delivery of task {@code messageId} asked for replies at {@code replyTo}: its records go there, and so do those
     * of the task ids its body names (the later steps of its workflow), unless they have an address already.
     */
    static void delivered(Endpoint endpoint, String messageId, String replyTo, byte[] body) {
        if (replyTo == null) {
            // its caller does not use rpc: an address another message's body gave this id is not its caller's. In a
            // process that never saw an address (no rpc anywhere) every delivery comes here: no lock for them
            if (!addressesKept) {
                return;
            }
            synchronized (ADDRESSES) {
                if (!ADDRESSES.isEmpty() && messageId != null) {
                    ADDRESSES.remove(messageId);
                }
            }
            return;
        }
        if (!isReplyAddress(replyTo)) {
            log.debug("task {} asks for replies at '{}', which is not a direct reply-to address; not replying there",
                    messageId, replyTo);
            return;
        }
        List<String> named = taskIdsIn(body);
        long expires = System.nanoTime() + ADDRESS_TTL_NANOS;
        addressesKept = true;
        synchronized (ADDRESSES) {
            if (messageId != null && !messageId.isEmpty() && messageId.length() <= 255) {
                ADDRESSES.remove(messageId);
                ADDRESSES.put(messageId, new Address(endpoint, replyTo, expires));
            }
            for (String id : named) {
                ADDRESSES.putIfAbsent(id, new Address(endpoint, replyTo, expires));
            }
            trim(System.nanoTime());
        }
        if (contains(body, CHORD_FIELD)) {
            rememberChord(endpoint, replyTo, body);
        }
    }

    /**
     * The chord {@code chordId} of a member this process delivered, forgotten now so that its tasks are failed once
     * per process; {@code null} when none is known.
     */
    static Chord takeChord(Endpoint endpoint, String chordId) {
        synchronized (CHORDS) {
            Chord c = CHORDS.remove(chordId);
            return c != null && c.endpoint().equals(endpoint) && c.expiresAt() - System.nanoTime() >= 0 ? c : null;
        }
    }

    /**
     * Reads the member's message as far as its chord: {@code workflow.chord} with an {@code id} and {@code callbacks},
     * wherever it is nested (a signed message wraps the message). Anything that does not read so is left alone: the
     * chord then ends in the worker only (its message dead-lettered with the reason), not at its caller.
     */
    private static void rememberChord(Endpoint endpoint, String replyTo, byte[] body) {
        try {
            com.fasterxml.jackson.databind.JsonNode chord = JSON.readTree(body).findValue("chord");
            if (chord == null || !chord.path("id").isTextual() || !chord.path("callbacks").isArray()) {
                return;
            }
            List<String> after = new ArrayList<>();
            collectTaskIds(chord.get("callbacks"), after);
            if (after.isEmpty()) {
                return;
            }
            long now = System.nanoTime();
            synchronized (CHORDS) {
                CHORDS.putIfAbsent(chord.get("id").asText(), new Chord(endpoint, replyTo, after, now + CHORD_TTL_NANOS));
                Iterator<Chord> it = CHORDS.values().iterator();
                while (it.hasNext()) {
                    Chord c = it.next();
                    if (CHORDS.size() <= MAX_CHORDS && c.expiresAt() - now >= 0) {
                        break;
                    }
                    it.remove();
                }
            }
        } catch (java.io.IOException | RuntimeException e) {
            log.debug("a chord member's message does not read as one: {}", e.toString());
        }
    }

    /** The ids of the tasks in a tree of signatures (objects with a textual {@code id} and {@code task}). */
    private static void collectTaskIds(com.fasterxml.jackson.databind.JsonNode node, List<String> into) {
        if (into.size() >= MAX_IDS_PER_MESSAGE) {
            return;
        }
        if (node.isObject() && node.path("id").isTextual() && node.path("task").isTextual()) {
            into.add(node.get("id").asText());
        }
        for (com.fasterxml.jackson.databind.JsonNode child : node) {
            if (child.isContainerNode()) {
                collectTaskIds(child, into);
            }
        }
    }

    private static boolean contains(byte[] body, byte[] what) {
        outer:
        for (int i = 0; i + what.length <= body.length; i++) {
            for (int k = 0; k < what.length; k++) {
                if (body[i + k] != what[k]) {
                    continue outer;
                }
            }
            return true;
        }
        return false;
    }

    /** Where the records of {@code taskId} go, or {@code null} when no delivery on {@code endpoint} said. */
    static String replyAddress(Endpoint endpoint, String taskId) {
        synchronized (ADDRESSES) {
            if (ADDRESSES.isEmpty()) {
                return null;
            }
            Address a = ADDRESSES.get(taskId);
            if (a == null) {
                return null;
            }
            if (!a.endpoint().equals(endpoint)) {
                warnElsewhere(taskId, a.endpoint(), endpoint);
                return null;
            }
            if (a.expiresAt() - System.nanoTime() < 0) {
                ADDRESSES.remove(taskId);
                return null;
            }
            return a.address();
        }
    }

    private static final Object WARN_LOCK = new Object();
    private static long lastElsewhereWarning;

    /** A worker whose rpc backend names another RabbitMQ than its broker: its callers hear nothing. Once a minute. */
    private static void warnElsewhere(String taskId, Endpoint delivered, Endpoint backend) {
        long now = System.nanoTime();
        synchronized (WARN_LOCK) {
            if (lastElsewhereWarning != 0 && now - lastElsewhereWarning < 60_000_000_000L) {
                return;
            }
            lastElsewhereWarning = now;
        }
        log.warn("task {} came from {}:{} vhost '{}' (user {}) and asks for its results there, but this rpc result backend"
                + " connects to {}:{} vhost '{}' (user {}), so they are not sent: give the worker the broker's own address"
                + " as its backend (rpc:// with the rest of the amqp:// URL)", taskId, delivered.host(), delivered.port(),
                delivered.virtualHost(), delivered.user(), backend.host(), backend.port(), backend.virtualHost(),
                backend.user());
    }

    /** The final record of {@code taskId} was sent: nothing more goes to its address. */
    static void answered(String taskId) {
        synchronized (ADDRESSES) {
            ADDRESSES.remove(taskId);
        }
    }

    /** Under the lock: drops what expired and, past the bound, the oldest. */
    private static void trim(long now) {
        Iterator<Address> it = ADDRESSES.values().iterator();
        while (it.hasNext()) {
            Address a = it.next();
            if (ADDRESSES.size() <= MAX_ADDRESSES && a.expiresAt() - now >= 0) {
                break;
            }
            it.remove();
        }
    }

    static boolean isReplyAddress(String s) {
        if (!s.startsWith(ADDRESS_PREFIX) || s.length() > 255 || s.length() == ADDRESS_PREFIX.length()) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c <= ' ' || c > '~') {
                return false;
            }
        }
        return true;
    }

    /**
     * The task ids (UUIDs, as Amdahl makes them) that {@code body} names, in order, without repeats, at most
     * {@value #MAX_IDS_PER_MESSAGE}: a workflow's message carries the ids of the steps after it, whatever else
     * it carries, so this reads no format.
     */
    static List<String> taskIdsIn(byte[] body) {
        List<String> ids = new ArrayList<>();
        java.util.Set<String> seen = new java.util.HashSet<>();
        for (int i = 0; i + UUID_LENGTH <= body.length && ids.size() < MAX_IDS_PER_MESSAGE; i++) {
            if (body[i + 8] == '-' && body[i + 13] == '-' && body[i + 18] == '-' && body[i + 23] == '-'
                    && (i == 0 || !hex(body[i - 1])) && (i + UUID_LENGTH == body.length || !hex(body[i + UUID_LENGTH]))
                    && uuidAt(body, i)) {
                String id = new String(body, i, UUID_LENGTH, java.nio.charset.StandardCharsets.US_ASCII);
                if (seen.add(id)) {
                    ids.add(id);
                }
                i += UUID_LENGTH - 1;
            }
        }
        return ids;
    }

    private static boolean uuidAt(byte[] b, int at) {
        for (int k = 0; k < UUID_LENGTH; k++) {
            if (k == 8 || k == 13 || k == 18 || k == 23) {
                continue;
            }
            if (!hex(b[at + k])) {
                return false;
            }
        }
        return true;
    }

    private static boolean hex(byte c) {
        return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F';
    }

    /** For tests: how many addresses are kept. */
    static int addressCount() {
        synchronized (ADDRESSES) {
            return ADDRESSES.size();
        }
    }
}
