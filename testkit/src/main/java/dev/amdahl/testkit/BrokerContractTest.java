package dev.amdahl.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.amdahl.spi.Broker;
import dev.amdahl.spi.DeadLetter;
import dev.amdahl.spi.Delivery;
import dev.amdahl.spi.OutboundMessage;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntFunction;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The definition of "a broker works". A broker module extends this class with a near-empty subclass
 * that opens its broker with the {@link Settings} the kit asks for; every test uses fresh queue names, so
 * the class can run against a shared server.
 *
 * <pre>{@code
 * class RedisBrokerContractIT extends BrokerContractTest {
 *     protected Broker createBroker(Settings s) {
 *         URI uri = URI.create("redis://127.0.0.1:6379?visibility-timeout=" + s.visibilityTimeout().toMillis()
 *                 + "ms&max-deliveries=" + s.maxDeliveries());
 *         return new RedisBrokerProvider().open(uri, new ProviderContext(s.clock()));
 *     }
 * }
 * }</pre>
 *
 * <h2>Time</h2>
 * The kit hands the broker a {@link MutableClock} and moves it with {@link #elapse}. A broker that keeps
 * time by that clock (the embedded one: delays and leases) is tested without waiting; one whose leases run
 * on its server's time (Redis: a stream entry's idle time) is tested in real time, which is why the kit's
 * visibility timeout is short: the tests that wait for a lease to run out keep polling until it did, so
 * both kinds pass the same test. A broker whose delays too run on server time (RabbitMQ's message TTLs) overrides
 * {@link #elapse} to let real time pass, and {@link #delayUnit} to keep those waits short.
 *
 * <h2>Consumers</h2>
 * A consumer is lost when it stops settling and extending what it holds: its process died, hung, or was cut
 * off. {@link #loseConsumer} makes that happen to a consumer from {@link #openAnotherConsumer}; by default it
 * just stops using it, which a broker that redelivers after a visibility timeout cannot tell from death. A
 * broker that notices death by a closed connection overrides it to cut the connection.
 *
 * <p>Every test has a timeout ({@value #TEST_TIMEOUT_SECONDS} s), so a broker that never answers fails
 * the test instead of hanging the build.
 */
@Timeout(value = BrokerContractTest.TEST_TIMEOUT_SECONDS, unit = TimeUnit.SECONDS)
public abstract class BrokerContractTest {

    /** The most any one test may take. */
    public static final long TEST_TIMEOUT_SECONDS = 30;
    private static final Duration WAIT = Duration.ofSeconds(10);
    /**
     * Short, since on a broker whose leases run on real time the lease tests wait it out; long enough that
     * a test holding a message for a few hundred milliseconds does not lose it on a busy machine.
     */
    private static final Duration VISIBILITY_TIMEOUT = Duration.ofSeconds(1);
    private static final int MAX_DELIVERIES = 3;

    /**
     * What the kit asks of the broker it opens.
     *
     * @param clock             the clock the broker should keep time by (delays, leases, timestamps), where
     *                          it takes one; the kit moves it with {@link #elapse}
     * @param visibilityTimeout how long a delivery may go unsettled and unextended before it is delivered again
     * @param maxDeliveries     after this many deliveries without an acknowledgement the message is dead-lettered
     */
    public record Settings(Clock clock, Duration visibilityTimeout, int maxDeliveries) {
    }

    /** The kit's clock, started at the current time: the broker is handed it through {@link Settings#clock()}. */
    protected final MutableClock clock = new MutableClock(Instant.now());
    protected Broker broker;
    private final List<String> queuesUsed = new ArrayList<>();
    private final List<Broker> otherConsumers = new ArrayList<>();

    /** Opens a new broker on the transport under test, with {@code settings}. Called before each test. */
    protected abstract Broker createBroker(Settings settings);

    /** The settings of every broker the kit opens. */
    protected final Settings settings() {
        return new Settings(clock, VISIBILITY_TIMEOUT, MAX_DELIVERIES);
    }

    /**
     * Whether this broker hands a delivery to another consumer once its lease ran out (Redis, the embedded broker),
     * and so must report {@link Broker#visibilityTimeout()}; false for one that redelivers only when it sees its
     * consumer's connection gone (RabbitMQ), whose lease a consumer loses only by {@link #loseConsumer losing} its
     * connection. True unless overridden.
     */
    protected boolean redeliversAfterVisibilityTimeout() {
        return true;
    }

    /**
     * The unit of the delay tests, which delay messages by a few units and let time pass in steps of one. The default,
     * 10 s, costs nothing on a broker that keeps time by the kit's clock; one whose delays run on its server's time
     * (RabbitMQ's message TTLs) returns the shortest delay it keeps to the second, and overrides {@link #elapse} to
     * wait.
     */
    protected Duration delayUnit() {
        return Duration.ofSeconds(10);
    }

    /**
     * Whether a delayed message waits in its queue, counted by {@link Broker#depth}, and its consumer holds it until it is
     * due (Celery's ETAs on kombu's layout, which Python workers read too); false, the default, for a broker that keeps
     * it aside until due. Either way it is not delivered before its time.
     */
    protected boolean delayedMessagesWaitInTheirQueue() {
        return false;
    }

    /**
     * The level a message of {@code priority} (0-9) is ordered by: higher levels first, first in, first out within one.
     * The default is the priority itself, as the contract asks; a broker whose queues keep fewer levels (RabbitMQ's
     * quorum queues: two from 3.13, none before) says which, and its documentation says so to users.
     */
    protected int priorityLevel(int priority) {
        return priority;
    }

    /**
     * How many independently ordered parts one queue is spread over: 1, the default, for a queue that orders all its
     * messages (by priority level, then first in, first out). A broker that spreads a queue over N partitions (a
     * partitioned queue of a Redis Cluster) orders within each partition only; it returns N, and the ordering tests
     * check the order of each partition's round-robin share instead: every N-th message from the first one published.
     */
    protected int orderedParts() {
        return 1;
    }

    /**
     * Another consumer of the same queues as {@link #broker}: in production, another process. The default
     * opens another broker with {@link #createBroker}; a broker whose queues live in one object (the embedded
     * one) returns a handle on {@link #broker} instead. The kit closes it after the test.
     */
    protected Broker openAnotherConsumer() {
        return createBroker(settings());
    }

    /**
     * Makes {@code consumer} vanish without settling what it holds, as a process that died would. The
     * default does nothing but stop using it: it never settles or extends a lease again, which is all a broker
     * with a visibility timeout can see of a dead consumer.
     */
    protected void loseConsumer(Broker consumer) {
    }

    /**
     * Lets {@code d} pass for the broker. The default moves {@link #clock}; a broker that keeps time by its
     * server rather than by the clock it was handed overrides this to wait.
     */
    protected void elapse(Duration d) {
        clock.advance(d);
    }

    @BeforeEach
    void openBroker() {
        broker = createBroker(settings());
    }

    /**
     * Removes what the test left of {@code queues} on the server, after every broker the test opened was closed. The
     * default does nothing: the kit purges the queues before; a broker whose queues outlive their messages (RabbitMQ's
     * are declared objects on the server) deletes them here, so a shared server does not collect them.
     */
    protected void deleteQueues(List<String> queues) {
    }

    @AfterEach
    void closeBroker() {
        try {
            for (String q : queuesUsed) {
                broker.purge(q);
            }
            for (Broker other : otherConsumers) {
                other.close();
            }
        } finally {
            broker.close();
            deleteQueues(List.copyOf(queuesUsed));
        }
    }

    /** A queue name no other test run uses. */
    protected String newQueue() {
        String q = "contract-" + UUID.randomUUID();
        queuesUsed.add(q);
        return q;
    }

    /** {@code count} messages with ids {@code idPrefix + i} and bodies {@code body(i)}. */
    protected static List<OutboundMessage> messages(String idPrefix, int count, IntFunction<String> body) {
        List<OutboundMessage> out = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            out.add(OutboundMessage.of(idPrefix + i, bytes(body.apply(i))));
        }
        return out;
    }

    protected static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    protected static String text(Delivery d) {
        return new String(d.body(), StandardCharsets.UTF_8);
    }

    /** Polls until {@code count} deliveries arrived or {@link #WAIT} passed. */
    protected List<Delivery> pollAtLeast(List<String> queues, int count) throws InterruptedException {
        return pollAtLeast(broker, queues, count);
    }

    private static List<Delivery> pollAtLeast(Broker from, List<String> queues, int count) throws InterruptedException {
        List<Delivery> got = new ArrayList<>();
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (got.size() < count && System.nanoTime() < deadline) {
            got.addAll(from.poll(queues, count - got.size(), Duration.ofMillis(200)));
        }
        return got;
    }

    /** The next delivery of {@code queue} to {@code from}, awaited for up to {@link #WAIT}. */
    private static Delivery nextDelivery(Broker from, String queue, String what) {
        return Await.value(WAIT, what, () -> pollOnce(from, queue, Duration.ofMillis(100)));
    }

    private static Optional<Delivery> pollOnce(Broker from, String queue, Duration timeout) {
        try {
            List<Delivery> got = from.poll(List.of(queue), 1, timeout);
            return got.stream().findFirst();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted while polling " + queue, e);
        }
    }

    private Broker anotherConsumer() {
        Broker other = openAnotherConsumer();
        otherConsumers.add(other);
        return other;
    }

    /** Lets the visibility timeout run out for a lease taken now (the broker may need polls to notice). */
    private void elapseVisibilityTimeout() {
        elapse(VISIBILITY_TIMEOUT.plusMillis(1));
    }

    /**
     * Makes {@code consumer} lose its lease on what it holds: its visibility timeout runs out, or, on a broker without
     * one, its connection goes.
     */
    private void loseLeaseOf(Broker consumer) {
        if (redeliversAfterVisibilityTimeout()) {
            elapseVisibilityTimeout();
        } else {
            loseConsumer(consumer);
        }
    }

    @Test
    void deliversWhatWasPublishedByteForByte() throws Exception {
        String q = newQueue();
        byte[] body = {0, 1, 2, (byte) 0xff, '{', '"'};
        broker.publish(q, OutboundMessage.of("m-1", body));

        List<Delivery> got = pollAtLeast(List.of(q), 1);

        assertThat(got).hasSize(1);
        Delivery d = got.get(0);
        assertThat(d.body()).isEqualTo(body);
        assertThat(d.messageId()).isEqualTo("m-1");
        assertThat(d.queue()).isEqualTo(q);
        assertThat(d.deliveryCount()).isEqualTo(1);
        broker.ack(d);
    }

    @Test
    void pollReturnsEmptyWhenNothingArrivesInTime() throws Exception {
        String q = newQueue();
        long start = System.nanoTime();
        assertThat(broker.poll(List.of(q), 10, Duration.ofMillis(300))).isEmpty();
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(250));
    }

    @Test
    void anAcknowledgedMessageIsGoneForGood() throws Exception {
        String q = newQueue();
        broker.publish(q, OutboundMessage.of("m-1", bytes("a")));
        Delivery d = pollAtLeast(List.of(q), 1).get(0);
        broker.ack(d);

        assertThat(broker.poll(List.of(q), 10, Duration.ofMillis(300))).isEmpty();
        assertThat(broker.depth(q)).isZero();
    }

    @Test
    void ackAllAcknowledgesEveryDeliveryOfSeveralQueues() throws Exception {
        String a = newQueue();
        String b = newQueue();
        List<OutboundMessage> batch = messages("m-", 20, i -> "x");
        broker.publishAll(a, batch);
        broker.publishAll(b, batch);
        List<Delivery> got = pollAtLeast(List.of(a, b), 40);
        assertThat(got).hasSize(40);

        broker.ackAll(got);

        assertThat(broker.poll(List.of(a, b), 10, Duration.ofMillis(300))).isEmpty();
        assertThat(broker.depth(a) + broker.depth(b)).isZero();
    }

    @Test
    void aDeliveredMessageIsNotDeliveredToASecondConsumerWhileHeld() throws Exception {
        String q = newQueue();
        broker.publish(q, OutboundMessage.of("m-1", bytes("a")));
        Delivery held = pollAtLeast(List.of(q), 1).get(0);

        assertThat(broker.poll(List.of(q), 10, Duration.ofMillis(300))).isEmpty();
        broker.ack(held);
    }

    @Test
    void aRequeuedMessageIsDeliveredAgainWithAHigherDeliveryCount() throws Exception {
        String q = newQueue();
        broker.publish(q, OutboundMessage.of("m-1", bytes("again")));
        Delivery first = pollAtLeast(List.of(q), 1).get(0);
        broker.requeue(first);

        Delivery second = pollAtLeast(List.of(q), 1).get(0);

        assertThat(text(second)).isEqualTo("again");
        assertThat(second.messageId()).isEqualTo("m-1");
        assertThat(second.deliveryCount()).isEqualTo(2);
        assertThat(second.redelivered()).isTrue();
        broker.ack(second);
    }

    @Test
    void aRejectedMessageBecomesADeadLetterWithItsReason() throws Exception {
        String q = newQueue();
        broker.publish(q, OutboundMessage.of("m-bad", bytes("not json")));
        Delivery d = pollAtLeast(List.of(q), 1).get(0);

        broker.reject(d, "malformed task message: the body is not JSON");

        assertThat(broker.poll(List.of(q), 10, Duration.ofMillis(300))).isEmpty();
        List<DeadLetter> dead = broker.deadLetters(q, 10);
        assertThat(dead).hasSize(1);
        assertThat(dead.get(0).messageId()).isEqualTo("m-bad");
        assertThat(dead.get(0).body()).isEqualTo(bytes("not json"));
        assertThat(dead.get(0).reason()).contains("not JSON");
        assertThat(dead.get(0).queue()).isEqualTo(q);
    }

    @Test
    void aRequeuedDeadLetterIsDeliveredAgainAsANewMessageAndLeavesTheDeadLetters() throws Exception {
        String q = newQueue();
        broker.publish(q, OutboundMessage.of("m-dead", bytes("once bad")));
        broker.publish(q, OutboundMessage.of("m-other", bytes("also bad")));
        for (Delivery d : pollAtLeast(List.of(q), 2)) {
            broker.reject(d, "rejected by the contract test");
        }
        assertThat(broker.deadLetters(q, 10)).hasSize(2);

        assertThat(broker.requeueDeadLetter(q, "m-dead")).isEqualTo(1);

        assertThat(broker.deadLetters(q, 10)).extracting(DeadLetter::messageId).containsExactly("m-other");
        Delivery again = pollAtLeast(List.of(q), 1).get(0);
        assertThat(again.messageId()).isEqualTo("m-dead");
        assertThat(text(again)).isEqualTo("once bad");
        assertThat(again.deliveryCount()).as("its delivery count starts again").isEqualTo(1);
        broker.ack(again);
        assertThat(broker.requeueDeadLetter(q, "m-dead")).as("requeued once only").isZero();
        assertThat(broker.requeueDeadLetter(q, "m-unknown")).isZero();
    }

    @Test
    void aDroppedDeadLetterIsGoneForGood() throws Exception {
        String q = newQueue();
        broker.publish(q, OutboundMessage.of("m-drop", bytes("bad")));
        broker.publish(q, OutboundMessage.of("m-keep", bytes("bad too")));
        for (Delivery d : pollAtLeast(List.of(q), 2)) {
            broker.reject(d, "rejected by the contract test");
        }

        assertThat(broker.dropDeadLetter(q, "m-drop")).isEqualTo(1);

        assertThat(broker.deadLetters(q, 10)).extracting(DeadLetter::messageId).containsExactly("m-keep");
        assertThat(broker.dropDeadLetter(q, "m-drop")).isZero();
        assertThat(broker.poll(List.of(q), 10, Duration.ofMillis(300))).as("nothing went back to the queue").isEmpty();
    }

    @Test
    void aDeliveryCanBeSettledOnlyOnce() throws Exception {
        String q = newQueue();
        broker.publish(q, OutboundMessage.of("m-1", bytes("a")));
        Delivery d = pollAtLeast(List.of(q), 1).get(0);
        broker.ack(d);

        // settling twice must not resurrect or duplicate the message
        try {
            broker.requeue(d);
        } catch (IllegalStateException expected) {
            // allowed: a broker may refuse to settle a delivery twice
        }
        assertThat(broker.poll(List.of(q), 10, Duration.ofMillis(300))).isEmpty();
    }

    @Test
    void equalPrioritiesAreFirstInFirstOut() throws Exception {
        String q = newQueue();
        List<OutboundMessage> batch = messages("m-", 50, i -> Integer.toString(i));
        broker.publishAll(q, batch);

        List<Delivery> got = pollAtLeast(List.of(q), 50);

        List<String> published = batch.stream().map(m -> new String(m.body(), StandardCharsets.UTF_8)).toList();
        int parts = orderedParts();
        if (parts == 1) {
            assertThat(got).extracting(BrokerContractTest::text).containsExactlyElementsOf(published);
        } else {
            assertThat(got).extracting(BrokerContractTest::text).containsExactlyInAnyOrderElementsOf(published);
            // the messages of one part come in the order published, whichever part they went to
            Map<String, Integer> position = new java.util.HashMap<>();
            for (int i = 0; i < published.size(); i++) {
                position.put(published.get(i), i);
            }
            Map<Integer, List<Integer>> byPart = new java.util.TreeMap<>();
            for (Delivery d : got) {
                int at = position.get(text(d));
                byPart.computeIfAbsent(at % parts, k -> new ArrayList<>()).add(at);
            }
            byPart.values().forEach(part -> assertThat(part).as("one part's messages in delivery order").isSorted());
        }
        got.forEach(broker::ack);
    }

    @Test
    void higherPriorityIsDeliveredFirst() throws Exception {
        String q = newQueue();
        if (orderedParts() > 1) {
            // each part orders by priority: fill every part with a low, a middle and a high message, in that order
            List<OutboundMessage> batch = new ArrayList<>();
            for (int p = 0; p < 3; p++) {
                for (int part = 0; part < orderedParts(); part++) {
                    int priority = p == 0 ? 0 : p == 1 ? 5 : 9;
                    batch.add(new OutboundMessage(part + "-" + priority, bytes(Integer.toString(priority)), priority, null));
                }
            }
            broker.publishAll(q, batch);
            List<Delivery> got = pollAtLeast(List.of(q), batch.size());
            Map<String, List<Integer>> byPart = new java.util.TreeMap<>();
            for (Delivery d : got) {
                byPart.computeIfAbsent(d.messageId().substring(0, d.messageId().indexOf('-')), k -> new ArrayList<>())
                        .add(priorityLevel(d.priority()));
            }
            assertThat(byPart).hasSize(orderedParts());
            byPart.values().forEach(levels -> assertThat(levels).as("one part's levels in delivery order")
                    .isSortedAccordingTo(Comparator.reverseOrder()));
            got.forEach(broker::ack);
            return;
        }
        broker.publish(q, new OutboundMessage("low", bytes("low"), 0, null));
        broker.publish(q, new OutboundMessage("mid", bytes("mid"), 5, null));
        broker.publish(q, new OutboundMessage("high", bytes("high"), 9, null));

        List<Delivery> got = new ArrayList<>();
        while (got.size() < 3) {
            List<Delivery> one = broker.poll(List.of(q), 1, WAIT);
            assertThat(one).as("delivery %d", got.size() + 1).isNotEmpty();
            got.addAll(one);
        }

        // by level, highest first; first in, first out within a level
        List<String> expected = new ArrayList<>(List.of("low", "mid", "high"));
        Map<String, Integer> levels = Map.of("low", priorityLevel(0), "mid", priorityLevel(5), "high", priorityLevel(9));
        expected.sort(Comparator.comparing(levels::get).reversed());
        assertThat(got).extracting(Delivery::messageId).containsExactlyElementsOf(expected);
        got.forEach(broker::ack);
    }

    @Test
    void aConsumerOfSeveralQueuesIsServedFromAllOfThem() throws Exception {
        String busy = newQueue();
        String quiet = newQueue();
        // a consumer already at work: a broker that pushes (RabbitMQ) subscribes on the first poll, and its
        // consumers' first deliveries race each other in the order they started, which is no steady state
        assertThat(broker.poll(List.of(busy, quiet), 10, Duration.ofMillis(100))).isEmpty();
        List<OutboundMessage> flood = messages("busy-", 200, i -> "b");
        broker.publishAll(busy, flood);
        broker.publish(quiet, OutboundMessage.of("quiet-1", bytes("q")));

        // the quiet queue's message must come within the first two small batches, not after the flood
        List<Delivery> got = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            got.addAll(broker.poll(List.of(busy, quiet), 10, WAIT));
        }

        assertThat(got).extracting(Delivery::messageId).contains("quiet-1");
        got.forEach(broker::ack);
    }

    @Test
    void aDelayedMessageIsNotDeliveredBeforeItsTime() throws Exception {
        String q = newQueue();
        Duration unit = delayUnit();
        broker.publish(q, new OutboundMessage("later", bytes("later"), 0, clock.instant().plus(unit.multipliedBy(3))));
        broker.publish(q, OutboundMessage.of("now", bytes("now")));

        Delivery first = pollAtLeast(List.of(q), 1).get(0);
        assertThat(first.messageId()).isEqualTo("now");
        broker.ack(first);
        elapse(unit.multipliedBy(2));
        assertThat(broker.poll(List.of(q), 10, Duration.ofMillis(300))).as("a message due in a unit of time").isEmpty();

        elapse(unit);
        Delivery later = nextDelivery(broker, q, "the delayed message, due now");

        assertThat(later.messageId()).isEqualTo("later");
        assertThat(later.deliveryCount()).isEqualTo(1);
        broker.ack(later);
    }

    @Test
    void delayedMessagesComeInTheOrderTheyFallDue() throws Exception {
        String q = newQueue();
        Instant now = clock.instant();
        Duration unit = delayUnit();
        broker.publish(q, new OutboundMessage("third", bytes("3"), 0, now.plus(unit.multipliedBy(3))));
        broker.publish(q, new OutboundMessage("first", bytes("1"), 0, now.plus(unit)));
        broker.publish(q, new OutboundMessage("second", bytes("2"), 0, now.plus(unit.multipliedBy(2))));

        List<String> got = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            elapse(unit);
            Delivery d = nextDelivery(broker, q, "the delayed message due after " + (i + 1) + " units of time");
            got.add(d.messageId());
            broker.ack(d);
        }

        assertThat(got).containsExactly("first", "second", "third");
    }

    @Test
    void aDelayedMessageDoesNotCountAsReadyWhileItWaits() {
        String q = newQueue();
        broker.publish(q, new OutboundMessage("later", bytes("later"), 0, clock.instant().plus(delayUnit().multipliedBy(2))));

        if (!delayedMessagesWaitInTheirQueue()) {
            assertThat(broker.depth(q)).isZero();
        }
        elapse(delayUnit().multipliedBy(2));
        Await.until(WAIT, "the delayed message counted as ready once due", () -> broker.depth(q) == 1);
    }

    // ---------------------------------------------------------------- leases and redelivery

    @Test
    void aMessageWhoseConsumerIsLostIsDeliveredAgainAfterTheVisibilityTimeout() throws Exception {
        String q = newQueue();
        broker.publish(q, OutboundMessage.of("m-1", bytes("orphan")));
        Broker doomed = anotherConsumer();
        Delivery held = nextDelivery(doomed, q, "the first delivery");
        loseConsumer(doomed);

        if (redeliversAfterVisibilityTimeout()) {
            assertThat(broker.poll(List.of(q), 1, Duration.ofMillis(200))).as("redelivered before the visibility timeout")
                    .isEmpty();
        }
        elapseVisibilityTimeout();
        Delivery again = nextDelivery(broker, q, "the redelivery of a message whose consumer was lost");

        assertThat(again.messageId()).isEqualTo("m-1");
        assertThat(text(again)).isEqualTo("orphan");
        assertThat(again.deliveryCount()).isEqualTo(held.deliveryCount() + 1);
        assertThat(again.redelivered()).isTrue();
        broker.ack(again);
        assertThat(broker.poll(List.of(q), 1, Duration.ofMillis(200))).isEmpty();
    }

    @Test
    void extendingTheLeaseKeepsAMessageFromBeingDeliveredAgain() throws Exception {
        String q = newQueue();
        broker.publish(q, OutboundMessage.of("m-1", bytes("long task")));
        Broker worker = anotherConsumer();
        Delivery held = nextDelivery(worker, q, "the first delivery");

        // six rounds of a third of the timeout: two timeouts pass in all, each round well within one
        Duration round = VISIBILITY_TIMEOUT.dividedBy(3);
        for (int i = 0; i < 6; i++) {
            elapse(round);
            worker.extendLease(held);
            assertThat(broker.poll(List.of(q), 1, round)).as("delivered again after %d lease extensions", i + 1).isEmpty();
        }

        worker.ack(held);
        elapseVisibilityTimeout();
        assertThat(broker.poll(List.of(q), 1, Duration.ofMillis(300))).as("delivered again after it was acknowledged").isEmpty();
    }

    @Test
    void aLostLeaseCannotBeTakenBackByExtendingIt() throws Exception {
        String q = newQueue();
        broker.publish(q, OutboundMessage.of("m-1", bytes("x")));
        Broker slow = anotherConsumer();
        Delivery stale = nextDelivery(slow, q, "the first delivery");
        loseLeaseOf(slow);
        Delivery current = nextDelivery(broker, q, "the redelivery");

        // too late: must neither fail loudly nor take the message back, and must say the lease is lost
        assertThat(slow.extendLease(stale)).as("extending a lease that ran out reports it lost").isFalse();
        for (int i = 0; i < 2; i++) {
            elapse(VISIBILITY_TIMEOUT.dividedBy(2));
            assertThat(broker.extendLease(current)).as("extending a lease still held").isTrue();
            if (redeliversAfterVisibilityTimeout()) {  // a consumer that lost its connection polls no more
                assertThat(slow.poll(List.of(q), 1, VISIBILITY_TIMEOUT.dividedBy(2))).isEmpty();
            }
        }
        broker.ack(current);
    }

    @Test
    void extendingTheLeaseOfASettledDeliveryReportsItLost() throws Exception {
        // a worker renews what it holds while its settler acks: it must be able to tell "lost" from "kept"
        String q = newQueue();
        broker.publish(q, OutboundMessage.of("m-1", bytes("x")));
        broker.publish(q, OutboundMessage.of("m-2", bytes("y")));
        List<Delivery> held = pollAtLeast(List.of(q), 2);
        assertThat(held).hasSize(2);

        broker.ack(held.get(0));
        broker.requeue(held.get(1));

        assertThat(broker.extendLease(held.get(0))).as("the lease of an acknowledged delivery").isFalse();
        assertThat(broker.extendLease(held.get(1))).as("the lease of a requeued delivery").isFalse();
        broker.ack(nextDelivery(broker, q, "the requeued message"));
    }

    @Test
    void aLeaseThatRanOutAndWasTakenOverIsReportedLostToThePausedConsumer() throws Exception {
        // a paused worker must learn on waking that what it prefetched is someone else's by now. A lease that ran out
        // but that nobody took over yet may still be kept by extending it: no one else can be running it
        String q = newQueue();
        broker.publish(q, OutboundMessage.of("m-1", bytes("x")));
        Broker paused = anotherConsumer();
        Delivery held = nextDelivery(paused, q, "the first delivery");
        loseLeaseOf(paused);
        // a broker may need a poll to notice the lease ran out; this one finds the message to take over
        Delivery current = nextDelivery(broker, q, "the redelivery after the lease ran out");

        assertThat(paused.extendLease(held)).isFalse();
        broker.ack(current);
    }

    @Test
    void theVisibilityTimeoutReportedIsTheOneConfigured() {
        // workers derive their lease renewal from it: a wrong or missing answer makes long tasks run twice
        if (redeliversAfterVisibilityTimeout()) {
            assertThat(broker.visibilityTimeout()).as("the visibility timeout a worker renews its leases by")
                    .contains(settings().visibilityTimeout());
        } else {
            assertThat(broker.visibilityTimeout()).as("a broker that sees dead consumers by their connection").isEmpty();
        }
    }

    @Test
    void aMessageIsDeadLetteredWithTheReasonAfterTheMaximumDeliveries() throws Exception {
        String q = newQueue();
        broker.publish(q, OutboundMessage.of("m-poison", bytes("kills its consumer")));

        for (int n = 1; n <= MAX_DELIVERIES + 1; n++) {
            Broker doomed = anotherConsumer();
            Delivery d = nextDelivery(doomed, q, "delivery " + n);
            assertThat(d.deliveryCount()).isEqualTo(n);
            assertThat(d.exhausted()).as("delivery %d of at most %d is exhausted", n, MAX_DELIVERIES).isEqualTo(n > MAX_DELIVERIES);
            loseConsumer(doomed);
            elapseVisibilityTimeout();
        }

        // nobody reported the exhausted delivery either: the broker dead-letters it, body as published
        List<DeadLetter> dead = awaitDeadLetters(q);
        assertThat(dead).hasSize(1);
        DeadLetter letter = dead.get(0);
        assertThat(letter.messageId()).isEqualTo("m-poison");
        assertThat(letter.body()).isEqualTo(bytes("kills its consumer"));
        assertThat(letter.queue()).isEqualTo(q);
        assertThat(letter.reason()).as("the reason says how often it was delivered")
                .contains(Integer.toString(MAX_DELIVERIES)).containsIgnoringCase("deliver");
        assertThat(broker.poll(List.of(q), 1, Duration.ofMillis(300))).isEmpty();
    }

    @Test
    void anExhaustedDeliveryIsHandedOutOnceForItsConsumerToReportAndReject() throws Exception {
        // the worker stores FAILURE for a waiting caller, then rejects: the dead letter carries its reason
        String q = newQueue();
        broker.publish(q, OutboundMessage.of("m-1", bytes("x")));
        Delivery last = exhaust(q, "m-1");

        broker.reject(last, "gave up after " + MAX_DELIVERIES + " deliveries: reported to the caller");

        assertThat(broker.poll(List.of(q), 1, Duration.ofMillis(300))).as("delivered after it was rejected").isEmpty();
        List<DeadLetter> dead = broker.deadLetters(q, 10);
        assertThat(dead).extracting(DeadLetter::messageId).containsExactly("m-1");
        assertThat(dead.get(0).reason()).isEqualTo("gave up after " + MAX_DELIVERIES + " deliveries: reported to the caller");
        assertThat(dead.get(0).body()).isEqualTo(bytes("x"));
    }

    /** Requeues the one message of {@code q} until the broker hands it out exhausted; returns that delivery. */
    private Delivery exhaust(String q, String id) {
        for (int n = 1; n <= MAX_DELIVERIES; n++) {
            Delivery d = nextDelivery(broker, q, "delivery " + n);
            assertThat(d.messageId()).isEqualTo(id);
            assertThat(d.deliveryCount()).isEqualTo(n);
            assertThat(d.exhausted()).as("delivery %d of at most %d", n, MAX_DELIVERIES).isFalse();
            broker.requeue(d);
        }
        Delivery last = nextDelivery(broker, q, "the delivery past the maximum");
        assertThat(last.messageId()).isEqualTo(id);
        assertThat(last.exhausted()).as("%s", last).isTrue();
        assertThat(last.deliveryCount()).isEqualTo(MAX_DELIVERIES + 1);
        return last;
    }

    /** Keeps polling (a broker may notice a lease ran out only when polled) until {@code q} has a dead letter. */
    private List<DeadLetter> awaitDeadLetters(String q) {
        return Await.value(WAIT, "a dead letter in " + q, () -> {
            Optional<Delivery> delivered = pollOnce(broker, q, Duration.ofMillis(100));
            assertThat(delivered).as("delivered beyond the maximum of %d deliveries and the exhausted one", MAX_DELIVERIES)
                    .isEmpty();
            List<DeadLetter> dead = broker.deadLetters(q, 10);
            return dead.isEmpty() ? Optional.empty() : Optional.of(dead);
        });
    }

    // ---------------------------------------------------------------- every way back counts

    @Test
    void requeueingCountsTowardTheMaximumDeliveries() throws Exception {
        // a worker requeues when it cannot settle (the result backend is down): that must not loop for ever
        String q = newQueue();
        broker.publish(q, OutboundMessage.of("m-1", bytes("x")));
        Delivery last = exhaust(q, "m-1");

        broker.requeue(last);   // even the exhausted delivery given back: the broker ends it

        List<DeadLetter> dead = awaitDeadLetters(q);
        assertThat(dead).extracting(DeadLetter::messageId).containsExactly("m-1");
        assertThat(dead.get(0).reason()).contains(Integer.toString(MAX_DELIVERIES));
        assertThat(dead.get(0).body()).isEqualTo(bytes("x"));
    }

    @Test
    void closingAConsumerGivesBackWhatItHeldAndThatCountsTowardTheMaximumDeliveries() throws Exception {
        String q = newQueue();
        broker.publish(q, OutboundMessage.of("m-1", bytes("x")));

        for (int n = 1; n <= MAX_DELIVERIES + 1; n++) {
            Broker closing = openAnotherConsumer();  // closed here, not by the kit
            Delivery d = nextDelivery(closing, q, "delivery " + n);
            assertThat(d.deliveryCount()).isEqualTo(n);
            assertThat(d.exhausted()).isEqualTo(n > MAX_DELIVERIES);
            closing.close();
            // a broker may give back at once or after the visibility timeout: both keep the message
            elapseVisibilityTimeout();
        }

        List<DeadLetter> dead = awaitDeadLetters(q);
        assertThat(dead).extracting(DeadLetter::messageId).containsExactly("m-1");
    }

    @Test
    void aConsumerClosedWithUnacknowledgedMessagesDoesNotLoseThem() throws Exception {
        String q = newQueue();
        broker.publish(q, OutboundMessage.of("m-1", bytes("x")));
        Broker closing = openAnotherConsumer();
        Delivery held = nextDelivery(closing, q, "the first delivery");

        closing.close();
        elapseVisibilityTimeout();
        Delivery again = nextDelivery(broker, q, "the message a closed consumer held");

        assertThat(again.messageId()).isEqualTo("m-1");
        assertThat(again.deliveryCount()).isEqualTo(held.deliveryCount() + 1);
        broker.ack(again);
    }

    @Test
    void messagesPolledOneAtATimeFromManyQueuesAreEachDeliveredOnceAndNeverCountedTwice() throws Exception {
        // A poll may read more than it may hand out (several queues had messages when a blocking read
        // returned); that surplus goes back uncounted, since no consumer saw it. It cannot loop: the poll that
        // read it handed out as many as it was asked for. Here a publisher keeps several queues busy while a
        // consumer takes one message at a time: every message must come once, as a first delivery.
        List<String> queues = List.of(newQueue(), newQueue(), newQueue());
        int rounds = 30;
        ExecutorService publisher = Executors.newSingleThreadExecutor();
        try {
            Future<?> publishing = publisher.submit(() -> {
                for (int r = 0; r < rounds; r++) {
                    for (String q : queues) {
                        broker.publish(q, OutboundMessage.of(q + "/" + r, bytes("x")));
                    }
                    TimeUnit.MILLISECONDS.sleep(5);  // pacing the publisher, not waiting for an outcome
                }
                return null;
            });
            Set<String> seen = ConcurrentHashMap.newKeySet();
            Await.until(WAIT, "all " + rounds * queues.size() + " messages, one poll at a time", () -> {
                try {
                    for (Delivery d : broker.poll(queues, 1, Duration.ofMillis(100))) {
                        assertThat(d.deliveryCount()).as("%s", d).isEqualTo(1);
                        assertThat(seen.add(d.messageId())).as("delivered twice: %s", d).isTrue();
                        broker.ack(d);
                    }
                } catch (InterruptedException e) {
                    throw new AssertionError(e);
                }
                return seen.size() == rounds * queues.size();
            });
            publishing.get(WAIT.toSeconds(), TimeUnit.SECONDS);
        } finally {
            publisher.shutdownNow();
        }
        for (String q : queues) {
            assertThat(broker.deadLetters(q, 10)).isEmpty();
        }
    }

    @Test
    void purgeRemovesWaitingMessages() throws Exception {
        String q = newQueue();
        List<OutboundMessage> batch = messages("m-", 10, i -> "x");
        broker.publishAll(q, batch);
        assertThat(broker.depth(q)).isEqualTo(10);

        assertThat(broker.purge(q)).isEqualTo(10);

        assertThat(broker.depth(q)).isZero();
        assertThat(broker.poll(List.of(q), 10, Duration.ofMillis(300))).isEmpty();
    }

    @Test
    void concurrentConsumersReceiveEachMessageExactlyOnce() throws Exception {
        String q = newQueue();
        int total = 2_000;
        List<OutboundMessage> batch = messages("m-", total, i -> Integer.toString(i));
        broker.publishAll(q, batch);

        Set<String> seen = ConcurrentHashMap.newKeySet();
        AtomicInteger duplicates = new AtomicInteger();
        ExecutorService consumers = Executors.newFixedThreadPool(4);
        try {
            List<Future<?>> running = new ArrayList<>();
            for (int c = 0; c < 4; c++) {
                running.add(consumers.submit(() -> {
                    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
                    while (seen.size() < total && System.nanoTime() < deadline) {
                        for (Delivery d : broker.poll(List.of(q), 50, Duration.ofMillis(100))) {
                            if (!seen.add(d.messageId())) {
                                duplicates.incrementAndGet();
                            }
                            broker.ack(d);
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> f : running) {
                f.get();
            }
        } finally {
            consumers.shutdownNow();
        }

        assertThat(seen).hasSize(total);
        assertThat(duplicates).hasValue(0);
    }

    @Test
    void pollRejectsANonPositiveMax() {
        String q = newQueue();
        assertThatThrownBy(() -> broker.poll(List.of(q), 0, Duration.ofMillis(10)))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
