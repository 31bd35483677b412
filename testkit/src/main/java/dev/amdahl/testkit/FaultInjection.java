package dev.amdahl.testkit;

import dev.amdahl.spi.Broker;
import dev.amdahl.spi.BrokerProvider;
import dev.amdahl.spi.Delivery;
import dev.amdahl.spi.OutboundMessage;
import dev.amdahl.spi.ProviderContext;
import dev.amdahl.spi.ResultBackend;
import dev.amdahl.spi.ResultBackendProvider;
import dev.amdahl.spi.TaskRecord;
import java.io.UncheckedIOException;
import java.net.SocketException;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Queue;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.TestExecutionExceptionHandler;

/**
 * Seeded faults between your application and its broker and result backend, for testing that your tasks stay
 * correct when messages are delivered more than once: it drops, duplicates, delays and reorders deliveries, fails
 * stores as a connection reset would, and crashes a worker's handling of a message at a chosen point. Wrap any
 * {@link Broker} and {@link ResultBackend}; the framework itself is unchanged.
 *
 * <pre>{@code
 * @RegisterExtension                        // a failing test reports the seed and every fault it injected
 * final FaultInjection faults = FaultInjection.builder()
 *         .drop(0.05)
 *         .duplicate(0.05)
 *         .crash(FaultInjection.CrashPoint.AFTER_RUN_BEFORE_STORE, 0.1)
 *         .failStores(0.05)
 *         .build();                         // a random seed, or -Damdahl.faults.seed=... to replay one
 *
 * Amdahl app = Amdahl.builder()
 *         .broker(faults.broker("redis://127.0.0.1:6379?visibility-timeout=1s"))   // or faults.broker(aBroker)
 *         .resultBackend(faults.resultBackend("redis://127.0.0.1:6379"))
 *         .build();
 * }</pre>
 *
 * <h2>The faults</h2>
 * <ul>
 *   <li><b>Drop</b>: a delivery vanishes as if its consumer died the moment it took it. The wrapper never hands
 *       it to the worker and never settles it, so the broker delivers it again once its visibility timeout runs
 *       out: give the wrapped broker a short one, or set {@link Builder#redeliverAfter} (the embedded broker's is
 *       a minute).</li>
 *   <li><b>Duplicate</b>: a published message is published a second time, as a producer does that retries a
 *       publish whose confirmation it lost. Both copies are delivered and settled on their own.</li>
 *   <li><b>Delay</b>: a published message is held back by up to a maximum (its {@link OutboundMessage#notBefore()}
 *       moves later, on this object's clock), so it overtakes or is overtaken by others.</li>
 *   <li><b>Reorder</b>: chosen messages of a batch, published or polled, move to its end in a seeded order.</li>
 *   <li><b>Store failure</b>: a store throws {@link UncheckedIOException} ("Connection reset") and stores
 *       nothing.</li>
 *   <li><b>Crash</b> at a {@link CrashPoint}: the worker's handling of that one message dies there. Whatever the
 *       worker does with that delivery from then on (store its outcome, extend its lease, acknowledge it) never
 *       reaches the broker or the backend, so the broker delivers the message again after its visibility timeout,
 *       as it would to a replacement worker. The rest of the worker carries on.</li>
 * </ul>
 *
 * <h2>Same seed, same schedule</h2>
 * Every decision is a function of the seed, the message's number (messages published through {@link #broker} are
 * numbered 1, 2, 3... in the order they are first published; others by a hash of their id) and which attempt it is
 * (the message's first, second... delivery through this object, its first, second... store), never of the time.
 * {@link #plan(int)} prints what the seed does to the first messages; {@link #events()} lists what was injected.
 * Which faults hit which message is the same on every run with the seed; how the worker's threads interleave
 * around them is not, so submit one task at a time with a worker of concurrency 1 where the order matters too.
 *
 * <p>Only the first {@link Builder#maxFaultsPerMessage} deliveries, publishes and stores of a message can be
 * faulted, so every message gets through in the end: keep the broker's maximum deliveries above that plus what
 * the framework's own give-backs need.
 *
 * <p>As a JUnit 5 extension ({@code @RegisterExtension}) it adds its {@link #report()} (the seed, the command line
 * property to replay it, and the faults injected) to the exception of a failing test.
 *
 * <p>Thread safe. It remembers every message id it has seen, so it is meant for tests, not long runs.
 */
public final class FaultInjection implements TestExecutionExceptionHandler {

    /** The system property that sets the seed of a builder that is given none. */
    public static final String SEED_PROPERTY = "amdahl.faults.seed";

    /** Where a crash stops a worker's handling of a message. */
    public enum CrashPoint {
        /** After it took the message, before it ran the task: the same as a drop, as far as anyone can tell. */
        BEFORE_RUN,
        /** After the task ran, before its outcome was stored: the task runs again on redelivery. */
        AFTER_RUN_BEFORE_STORE,
        /** After the outcome was stored, before the message was acknowledged: the redelivery finds the outcome. */
        AFTER_STORE_BEFORE_ACK
    }

    /** The kinds of fault, as {@link #events()} names them. */
    public enum Fault {
        DROP, DUPLICATE, DELAY, REORDER, STORE_FAILURE, CRASH_BEFORE_RUN, CRASH_AFTER_RUN_BEFORE_STORE,
        CRASH_AFTER_STORE_BEFORE_ACK;

        static Fault of(CrashPoint point) {
            return switch (point) {
                case BEFORE_RUN -> CRASH_BEFORE_RUN;
                case AFTER_RUN_BEFORE_STORE -> CRASH_AFTER_RUN_BEFORE_STORE;
                case AFTER_STORE_BEFORE_ACK -> CRASH_AFTER_STORE_BEFORE_ACK;
            };
        }
    }

    /**
     * A fault that was injected.
     *
     * @param fault     what
     * @param message   the message's number (see "Same seed, same schedule")
     * @param messageId its id (the task id, for task messages)
     * @param attempt   which publish, delivery or store of the message it hit, from 1 (the deliveries of a
     *                  duplicate's copies count together)
     * @param detail    more, where there is more to say (how long a delay was)
     */
    public record Event(Fault fault, long message, String messageId, int attempt, String detail) {
        @Override
        public String toString() {
            return "#" + message + " " + fault + " (attempt " + attempt + (detail.isEmpty() ? "" : ", " + detail) + ") "
                    + messageId;
        }
    }

    // salts keep the decisions of different kinds independent of each other
    private static final long PUBLISH_DUPLICATE = 1, PUBLISH_DELAY = 2, DELAY_LENGTH = 3, PUBLISH_REORDER = 4,
            DELIVERY = 5, DELIVERY_REORDER = 6, STORE = 7;

    private final long seed;
    private final double drop;
    private final double duplicate;
    private final double delay;
    private final Duration maxDelay;
    private final double reorder;
    private final double failStores;
    private final Map<CrashPoint, Double> crashes;
    private final int maxFaultsPerMessage;
    private final Clock clock;
    private final Duration redeliverAfter;

    /*
     * Crash state, shared by every wrapper of this object (the broker's view sees deliveries and settlements, the
     * backend's the stores): a delivery due to crash is in crashAtStore or crashAtAck until its crash point comes
     * (then it moves to dead) or the worker gives it back first (then it leaves, uncrashed). A dead delivery stays
     * dead: whatever the worker does with it later is swallowed, which is what makes the broker redeliver it.
     * Decisions never read these maps; they are functions of (seed, message number, attempt) alone.
     */
    private final AtomicLong numbered = new AtomicLong();
    private final Map<String, Long> numbers = new ConcurrentHashMap<>();
    private final Map<String, Integer> publishes = new ConcurrentHashMap<>();
    private final Map<String, Integer> deliveries = new ConcurrentHashMap<>();
    private final Map<String, Integer> stores = new ConcurrentHashMap<>();
    private final List<Event> events = Collections.synchronizedList(new ArrayList<>());
    /** Deliveries whose handling crashes when their final record is stored, by task id. */
    private final Map<String, Delivery> crashAtStore = new ConcurrentHashMap<>();
    /** The wrapper each delivery came through, for those that may crash: it gives them back (redeliverAfter). */
    private final Map<Delivery, FaultyBroker> owners = Collections.synchronizedMap(new IdentityHashMap<>());
    /** Lost deliveries the wrappers give back themselves, when redeliverAfter is set; in the order they were lost. */
    private final Queue<Lost> lost = new ConcurrentLinkedQueue<>();

    private record Lost(Delivery delivery, FaultyBroker via, Instant due) {
    }
    /** Deliveries whose handling crashes when they are acknowledged. */
    private final Set<Delivery> crashAtAck = Collections.synchronizedSet(Collections.newSetFromMap(new IdentityHashMap<>()));
    /** Deliveries whose handling crashed: nothing done with them reaches the broker. Identity, as the worker keeps them. */
    private final Set<Delivery> dead = Collections.synchronizedSet(Collections.newSetFromMap(new IdentityHashMap<>()));

    private FaultInjection(Builder b) {
        this.seed = b.seed != null ? b.seed : defaultSeed();
        this.drop = b.drop;
        this.duplicate = b.duplicate;
        this.delay = b.delay;
        this.maxDelay = b.maxDelay;
        this.reorder = b.reorder;
        this.failStores = b.failStores;
        this.crashes = Collections.unmodifiableMap(new EnumMap<>(b.crashes));
        this.maxFaultsPerMessage = b.maxFaultsPerMessage;
        this.clock = b.clock;
        this.redeliverAfter = b.redeliverAfter;
    }

    private static long defaultSeed() {
        String property = System.getProperty(SEED_PROPERTY);
        if (property == null || property.isBlank()) {
            return ThreadLocalRandom.current().nextLong();
        }
        try {
            return Long.parseLong(property.strip());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("the system property " + SEED_PROPERTY + " must be a whole number"
                    + " (a seed a report printed), was '" + property + "'", e);
        }
    }

    /** A builder with no faults, a seed from {@value #SEED_PROPERTY} or a random one, and the system clock. */
    public static Builder builder() {
        return new Builder();
    }

    /** {@code broker} with this object's faults between it and whoever uses the returned broker. */
    public Broker broker(Broker broker) {
        return new FaultyBroker(broker, this);
    }

    /** {@code backend} with this object's store failures and crashes between it and whoever uses the returned one. */
    public ResultBackend resultBackend(ResultBackend backend) {
        return new FaultyResultBackend(backend, this);
    }

    /**
     * The broker of {@code url} ({@code memory://}, {@code redis://...}: a module on the class path provides its
     * scheme, as for {@code Amdahl.builder().broker(url)}), opened on this object's clock, with these faults.
     *
     * @throws IllegalArgumentException when the URL is malformed or no module provides its scheme
     */
    public Broker broker(String url) {
        URI uri = uri(url);
        for (BrokerProvider provider : ServiceLoader.load(BrokerProvider.class)) {
            if (provider.schemes().contains(uri.getScheme())) {
                return broker(provider.open(uri, new ProviderContext(clock)));
            }
        }
        throw new IllegalArgumentException("no module on the class path provides " + uri.getScheme() + ":// brokers;"
                + " add the one that does (amdahl-redis for redis://) to the test's dependencies");
    }

    /** The result backend of {@code url}, as {@link #broker(String)} opens brokers, with these faults. */
    public ResultBackend resultBackend(String url) {
        URI uri = uri(url);
        for (ResultBackendProvider provider : ServiceLoader.load(ResultBackendProvider.class)) {
            if (provider.schemes().contains(uri.getScheme())) {
                return resultBackend(provider.open(uri, new ProviderContext(clock)));
            }
        }
        throw new IllegalArgumentException("no module on the class path provides " + uri.getScheme() + ":// result"
                + " backends; add the one that does (amdahl-redis for redis://) to the test's dependencies");
    }

    private static URI uri(String url) {
        Objects.requireNonNull(url, "url");
        try {
            // "memory://" has an empty authority, which java.net.URI refuses; "memory:///" means the same
            URI uri = new URI(url.endsWith("://") ? url + "/" : url);
            if (uri.getScheme() == null) {
                throw new IllegalArgumentException("the URL has no scheme: write memory://, redis://host:port, ...");
            }
            return uri;
        } catch (URISyntaxException e) {
            // the reason, not the URL: it may hold a password
            throw new IllegalArgumentException("a broker or backend URL is malformed: " + e.getReason(), e);
        }
    }

    /** The seed: give it to {@link Builder#seed} (or {@value #SEED_PROPERTY}) to replay this schedule. */
    public long seed() {
        return seed;
    }

    /** The faults injected so far, in the order they happened. */
    public List<Event> events() {
        synchronized (events) {
            return List.copyOf(events);
        }
    }

    /** How many faults of {@code kind} were injected so far. */
    public long count(Fault kind) {
        return events().stream().filter(e -> e.fault() == kind).count();
    }

    /**
     * What this seed does to messages 1 to {@code messages}, one line each for those it touches: which publish,
     * delivery and store of each is faulted. A pure function of the seed and the settings.
     */
    public String plan(int messages) {
        StringBuilder out = new StringBuilder(settings()).append('\n');
        for (long n = 1; n <= messages; n++) {
            List<String> faults = new ArrayList<>();
            for (int attempt = 1; attempt <= maxFaultsPerMessage; attempt++) {
                if (chance(n, attempt, PUBLISH_DUPLICATE) < duplicate) {
                    faults.add("publish " + attempt + ": DUPLICATE");
                }
                if (chance(n, attempt, PUBLISH_DELAY) < delay) {
                    faults.add("publish " + attempt + ": DELAY " + delayOf(n, attempt).toMillis() + " ms");
                }
                if (chance(n, attempt, PUBLISH_REORDER) < reorder) {
                    faults.add("publish " + attempt + ": REORDER");
                }
                Fault f = deliveryFault(n, attempt);
                if (f != null) {
                    faults.add("delivery " + attempt + ": " + f);
                }
                if (chance(n, attempt, DELIVERY_REORDER) < reorder) {
                    faults.add("delivery " + attempt + ": REORDER");
                }
                if (chance(n, attempt, STORE) < failStores) {
                    faults.add("store " + attempt + ": STORE_FAILURE");
                }
            }
            if (!faults.isEmpty()) {
                out.append('#').append(n).append(": ").append(String.join(", ", faults)).append('\n');
            }
        }
        return out.toString();
    }

    /** The seed, how to replay it, the settings and every fault injected so far: what a failing test should print. */
    public String report() {
        List<Event> injected = events();
        StringBuilder out = new StringBuilder()
                .append("fault injection seed ").append(seed).append(" (replay it with -D").append(SEED_PROPERTY)
                .append('=').append(seed).append(" or FaultInjection.builder().seed(").append(seed).append("L))\n")
                .append(settings()).append('\n')
                .append(injected.size()).append(" fault(s) injected").append(injected.isEmpty() ? "" : ":").append('\n');
        injected.forEach(e -> out.append("  ").append(e).append('\n'));
        return out.toString();
    }

    private String settings() {
        StringBuilder s = new StringBuilder("drop ").append(drop).append(", duplicate ").append(duplicate)
                .append(", delay ").append(delay).append(" (up to ").append(maxDelay.toMillis()).append(" ms), reorder ")
                .append(reorder).append(", store failures ").append(failStores);
        crashes.forEach((point, p) -> s.append(", crash ").append(point).append(' ').append(p));
        return s.append("; at most ").append(maxFaultsPerMessage).append(" faulted attempt(s) per message").toString();
    }

    /** JUnit: puts the {@link #report()} on a failing test's exception, so its output names the seed. */
    @Override
    public void handleTestExecutionException(ExtensionContext context, Throwable throwable) throws Throwable {
        throwable.addSuppressed(new Report(report()));
        throw throwable;
    }

    /** Carries the report in a test's failure output; its stack trace would say nothing. */
    private static final class Report extends RuntimeException {
        Report(String report) {
            super(report, null, false, false);
        }
    }

    @Override
    public String toString() {
        return "FaultInjection[seed " + seed + ": " + settings() + "]";
    }

    // --- what the wrappers ask ---

    /** The messages to publish in place of {@code messages}: reordered, delayed, duplicated as the seed says. */
    List<OutboundMessage> onPublish(List<OutboundMessage> messages) {
        List<OutboundMessage> ordered = reorder(messages, OutboundMessage::id, PUBLISH_REORDER, publishes);
        List<OutboundMessage> out = new ArrayList<>(ordered.size());
        for (OutboundMessage m : ordered) {
            long n = number(m.id());
            int attempt = next(publishes, m.id());
            OutboundMessage sent = m;
            if (attempt <= maxFaultsPerMessage && chance(n, attempt, PUBLISH_DELAY) < delay) {
                Duration by = delayOf(n, attempt);
                Instant now = clock.instant();
                Instant from = m.notBefore() != null && m.notBefore().isAfter(now) ? m.notBefore() : now;
                sent = new OutboundMessage(m.id(), m.body(), m.priority(), from.plus(by));
                record(Fault.DELAY, n, m.id(), attempt, by.toMillis() + " ms");
            }
            out.add(sent);
            if (attempt <= maxFaultsPerMessage && chance(n, attempt, PUBLISH_DUPLICATE) < duplicate) {
                out.add(m);
                record(Fault.DUPLICATE, n, m.id(), attempt, "");
            }
        }
        return out;
    }

    /** The deliveries to hand the consumer in place of {@code polled}: without the dropped ones, reordered. */
    List<Delivery> onDeliver(List<Delivery> polled, FaultyBroker via) {
        List<Delivery> kept = new ArrayList<>(polled.size());
        for (Delivery d : reorder(polled, Delivery::messageId, DELIVERY_REORDER, deliveries)) {
            long n = number(d.messageId());
            int attempt = next(deliveries, d.messageId());
            Fault f = deliveryFault(n, attempt);
            if (f == Fault.DROP || f == Fault.CRASH_BEFORE_RUN) {
                record(f, n, d.messageId(), attempt, "broker delivery " + d.deliveryCount());
                lose(d, via);
                continue;
            }
            if (f == Fault.CRASH_AFTER_RUN_BEFORE_STORE) {
                owners.put(d, via);
                crashAtStore.put(d.messageId(), d);
            } else if (f == Fault.CRASH_AFTER_STORE_BEFORE_ACK) {
                owners.put(d, via);
                crashAtAck.add(d);
            }
            kept.add(d);
        }
        return kept;
    }

    /** Whether the handling of {@code d} has crashed; settling it with an ack crashes it if it was due to. */
    boolean swallowsAck(Delivery d) {
        if (crashAtAck.remove(d)) {
            dead.add(d);
            lose(d, owners.remove(d));
            record(Fault.CRASH_AFTER_STORE_BEFORE_ACK, number(d.messageId()), d.messageId(),
                    deliveries.getOrDefault(d.messageId(), 0), "");
            return true;
        }
        return dead.contains(d);
    }

    /** Whether the handling of {@code d} has crashed, so that nothing done with it may reach the broker. */
    boolean isDead(Delivery d) {
        return dead.contains(d);
    }

    /** The worker gives {@code d} back: a crash it was due to later will not come. */
    void givenBack(Delivery d) {
        crashAtAck.remove(d);
        crashAtStore.remove(d.messageId(), d);
        owners.remove(d);
    }

    /** A delivery nobody will settle: with redeliverAfter set, its wrapper gives it back once that has passed. */
    private void lose(Delivery d, FaultyBroker via) {
        if (redeliverAfter != null && via != null) {
            lost.add(new Lost(d, via, clock.instant().plus(redeliverAfter)));
        }
    }

    /** The lost deliveries of {@code via} due to be given back now; removed from those waiting. */
    List<Delivery> dueToGiveBack(FaultyBroker via) {
        if (lost.isEmpty()) {
            return List.of();
        }
        Instant now = clock.instant();
        List<Delivery> due = new ArrayList<>();
        lost.removeIf(l -> {
            if (l.via() == via && !l.due().isAfter(now)) {
                due.add(l.delivery());
                return true;
            }
            return false;
        });
        return due;
    }

    /** How long {@code via} may wait in a poll before its next lost delivery is due; {@code max} when none is. */
    Duration untilNextGiveBack(FaultyBroker via, Duration max) {
        Instant now = clock.instant();
        Duration wait = max;
        for (Lost l : lost) {
            if (l.via() == via) {
                Duration left = Duration.between(now, l.due());
                if (left.compareTo(wait) < 0) {
                    wait = left.isNegative() ? Duration.ZERO : left;
                }
            }
        }
        return wait;
    }

    /** The records to store in place of {@code records}; throws if the store is to fail. */
    List<TaskRecord> onStore(List<TaskRecord> records) {
        Event failure = null;
        for (TaskRecord r : records) {
            long n = number(r.taskId());
            int attempt = next(stores, r.taskId());
            if (failure == null && attempt <= maxFaultsPerMessage && chance(n, attempt, STORE) < failStores) {
                failure = new Event(Fault.STORE_FAILURE, n, r.taskId(), attempt, records.size() + " record(s) not stored");
            }
        }
        if (failure != null) {
            record(failure);
            throw new UncheckedIOException(new SocketException("Connection reset (fault injected by " + this
                    + ", into " + failure + ")"));
        }
        List<TaskRecord> out = new ArrayList<>(records.size());
        for (TaskRecord r : records) {
            Delivery crashing = r.state().isReady() ? crashAtStore.remove(r.taskId()) : null;
            if (crashing != null) {
                dead.add(crashing);
                lose(crashing, owners.remove(crashing));
                record(Fault.CRASH_AFTER_RUN_BEFORE_STORE, number(r.taskId()), r.taskId(),
                        deliveries.getOrDefault(r.taskId(), 0), r.state() + " not stored");
            } else {
                out.add(r);
            }
        }
        return out;
    }

    // --- the schedule ---

    private Fault deliveryFault(long n, int attempt) {
        if (attempt > maxFaultsPerMessage) {
            return null;
        }
        double u = chance(n, attempt, DELIVERY);
        double bound = drop;
        if (u < bound) {
            return Fault.DROP;
        }
        for (Map.Entry<CrashPoint, Double> c : crashes.entrySet()) {
            bound += c.getValue();
            if (u < bound) {
                return Fault.of(c.getKey());
            }
        }
        return null;
    }

    private Duration delayOf(long n, int attempt) {
        return Duration.ofNanos((long) (maxDelay.toNanos() * chance(n, attempt, DELAY_LENGTH)));
    }

    /**
     * The chosen items (by their reorder chance) moved to the end, in the order of that chance; the attempt is the
     * one about to be counted in {@code attempts}.
     */
    private <T> List<T> reorder(List<T> batch, java.util.function.Function<T, String> id, long salt,
                                Map<String, Integer> attempts) {
        if (reorder == 0 || batch.size() < 2) {
            return batch;
        }
        List<T> stay = new ArrayList<>();
        List<T> move = new ArrayList<>();
        Map<T, Double> chances = new IdentityHashMap<>();
        for (T item : batch) {
            String key = id.apply(item);
            int attempt = attempts.getOrDefault(key, 0) + 1;
            double u = chance(number(key), attempt, salt);
            if (attempt <= maxFaultsPerMessage && u < reorder) {
                chances.put(item, u);
                move.add(item);
            } else {
                stay.add(item);
            }
        }
        if (move.isEmpty()) {
            return batch;
        }
        move.sort(Comparator.comparingDouble(chances::get));
        for (T item : move) {
            String key = id.apply(item);
            record(Fault.REORDER, number(key), key, attempts.getOrDefault(key, 0) + 1, "moved to the end of a batch of "
                    + batch.size());
        }
        stay.addAll(move);
        return stay;
    }

    private long number(String messageId) {
        return numbers.computeIfAbsent(messageId, k -> numbered.incrementAndGet());
    }

    private static int next(Map<String, Integer> attempts, String id) {
        return attempts.merge(id, 1, Integer::sum);
    }

    /** A uniform number in [0, 1) decided by the seed, the message, the attempt and the kind of decision alone. */
    private double chance(long n, int attempt, long salt) {
        long h = mix(seed ^ mix(n * 0x9E3779B97F4A7C15L + attempt) ^ mix(salt * 0xC2B2AE3D27D4EB4FL));
        return (h >>> 11) * 0x1.0p-53;
    }

    /** The finalizer of SplitMix64: every input bit moves about half the output bits. */
    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    private void record(Fault fault, long n, String id, int attempt, String detail) {
        record(new Event(fault, n, id, attempt, detail));
    }

    private void record(Event e) {
        events.add(e);
    }

    /**
     * Settings of a {@link FaultInjection}; every probability is per attempt, from 0 (never, the default) to 1.
     * {@link #build()} fails when the delivery faults (drop plus the crashes) add up to more than 1.
     */
    public static final class Builder {
        private Long seed;
        private double drop;
        private double duplicate;
        private double delay;
        private Duration maxDelay = Duration.ZERO;
        private double reorder;
        private double failStores;
        private final Map<CrashPoint, Double> crashes = new EnumMap<>(CrashPoint.class);
        private int maxFaultsPerMessage = 2;
        private Clock clock = Clock.systemUTC();
        private Duration redeliverAfter;

        private Builder() {
        }

        /** The seed of the schedule; without one, {@value #SEED_PROPERTY} or a random seed. */
        public Builder seed(long seed) {
            this.seed = seed;
            return this;
        }

        /** How often a delivery vanishes, to be redelivered by the broker after its visibility timeout. */
        public Builder drop(double probability) {
            this.drop = probability("drop", probability);
            return this;
        }

        /** How often a published message is published twice. */
        public Builder duplicate(double probability) {
            this.duplicate = probability("duplicate", probability);
            return this;
        }

        /** How often a published message is held back, and by how long at most (a seeded length up to it). */
        public Builder delay(double probability, Duration max) {
            Objects.requireNonNull(max, "max");
            if (max.isNegative()) {
                throw new IllegalArgumentException("the maximum delay must not be negative, was " + max);
            }
            this.delay = probability("delay", probability);
            this.maxDelay = max;
            return this;
        }

        /** How often a message of a batch (published or polled) is moved to the batch's end. */
        public Builder reorder(double probability) {
            this.reorder = probability("reorder", probability);
            return this;
        }

        /** How often a store of a task's record throws, as a connection reset would, and stores nothing. */
        public Builder failStores(double probability) {
            this.failStores = probability("failStores", probability);
            return this;
        }

        /** How often the handling of a delivery crashes at {@code point}; several points may be set. */
        public Builder crash(CrashPoint point, double probability) {
            Objects.requireNonNull(point, "point");
            crashes.put(point, probability("crash " + point, probability));
            return this;
        }

        /**
         * How many publishes, deliveries and stores of one message may be faulted (2 by default): later attempts
         * always get through, so every message is done in the end.
         */
        public Builder maxFaultsPerMessage(int max) {
            if (max < 0) {
                throw new IllegalArgumentException("maxFaultsPerMessage must not be negative, was " + max);
            }
            this.maxFaultsPerMessage = max;
            return this;
        }

        /** The clock delays are counted on: the wrapped broker's, so that a test's MutableClock moves both. */
        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /**
         * Gives a dropped or crashed delivery back to its broker (a requeue, which the broker counts as a delivery)
         * this long after it was lost, on this object's clock: for brokers whose visibility timeout is too long for
         * a test, such as the embedded broker's minute. Unset, the broker's own visibility timeout brings it back.
         */
        public Builder redeliverAfter(Duration after) {
            Objects.requireNonNull(after, "after");
            if (after.isNegative()) {
                throw new IllegalArgumentException("redeliverAfter must not be negative, was " + after);
            }
            this.redeliverAfter = after;
            return this;
        }

        public FaultInjection build() {
            double perDelivery = drop + crashes.values().stream().mapToDouble(Double::doubleValue).sum();
            if (perDelivery > 1 + 1e-9) {
                throw new IllegalArgumentException("drop (" + drop + ") and the crashes " + crashes + " are chances of"
                        + " one delivery, so together at most 1; they add up to " + perDelivery);
            }
            if (delay > 0 && maxDelay.isZero()) {
                throw new IllegalArgumentException("delay is set (" + delay + ") with a maximum of 0: give a maximum");
            }
            return new FaultInjection(this);
        }

        private static double probability(String what, double p) {
            if (!(p >= 0 && p <= 1)) {
                throw new IllegalArgumentException(what + " is a probability, from 0 to 1; was " + p);
            }
            return p;
        }
    }
}
