package dev.amdahl.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.amdahl.spi.Broker;
import dev.amdahl.spi.DeadLetter;
import dev.amdahl.spi.Delivery;
import dev.amdahl.spi.OutboundMessage;
import dev.amdahl.spi.ProviderContext;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The definition of "a broker works". A broker module extends this class with a near-empty subclass
 * that opens its broker; every test uses fresh queue names, so the class can run against a shared
 * server.
 *
 * <pre>{@code
 * class RedisBrokerContractIT extends BrokerContractTest {
 *     protected Broker createBroker() { return new RedisBrokerProvider().open(URI.create("redis://127.0.0.1:6379"), ProviderContext.ofDefaults()); }
 * }
 * }</pre>
 */
public abstract class BrokerContractTest {

    private static final Duration WAIT = Duration.ofSeconds(10);

    protected Broker broker;
    private final List<String> queuesUsed = new ArrayList<>();

    /** Opens a new broker on the transport under test. Called before each test. */
    protected abstract Broker createBroker();

    @BeforeEach
    void openBroker() {
        broker = createBroker();
    }

    @AfterEach
    void closeBroker() {
        for (String q : queuesUsed) {
            broker.purge(q);
        }
        broker.close();
    }

    /** A queue name no other test run uses. */
    protected String newQueue() {
        String q = "contract-" + UUID.randomUUID();
        queuesUsed.add(q);
        return q;
    }

    protected static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    protected static String text(Delivery d) {
        return new String(d.body(), StandardCharsets.UTF_8);
    }

    /** Polls until {@code count} deliveries arrived or {@link #WAIT} passed. */
    protected List<Delivery> pollAtLeast(List<String> queues, int count) throws InterruptedException {
        List<Delivery> got = new ArrayList<>();
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (got.size() < count && System.nanoTime() < deadline) {
            got.addAll(broker.poll(queues, count - got.size(), Duration.ofMillis(200)));
        }
        return got;
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
        List<OutboundMessage> batch = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            batch.add(OutboundMessage.of("m-" + i, bytes("x")));
        }
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
        List<OutboundMessage> batch = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            batch.add(OutboundMessage.of("m-" + i, bytes(Integer.toString(i))));
        }
        broker.publishAll(q, batch);

        List<Delivery> got = pollAtLeast(List.of(q), 50);

        assertThat(got).extracting(BrokerContractTest::text)
                .containsExactlyElementsOf(batch.stream().map(m -> new String(m.body(), StandardCharsets.UTF_8)).toList());
        got.forEach(broker::ack);
    }

    @Test
    void higherPriorityIsDeliveredFirst() throws Exception {
        String q = newQueue();
        broker.publish(q, new OutboundMessage("low", bytes("low"), 0, null));
        broker.publish(q, new OutboundMessage("mid", bytes("mid"), 5, null));
        broker.publish(q, new OutboundMessage("high", bytes("high"), 9, null));

        List<Delivery> got = new ArrayList<>();
        while (got.size() < 3) {
            List<Delivery> one = broker.poll(List.of(q), 1, WAIT);
            assertThat(one).as("delivery %d", got.size() + 1).isNotEmpty();
            got.addAll(one);
        }

        assertThat(got).extracting(Delivery::messageId).containsExactly("high", "mid", "low");
        got.forEach(broker::ack);
    }

    @Test
    void aConsumerOfSeveralQueuesIsServedFromAllOfThem() throws Exception {
        String busy = newQueue();
        String quiet = newQueue();
        List<OutboundMessage> flood = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            flood.add(OutboundMessage.of("busy-" + i, bytes("b")));
        }
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
        Instant due = Instant.now().plusMillis(700);
        broker.publish(q, new OutboundMessage("later", bytes("later"), 0, due));
        broker.publish(q, OutboundMessage.of("now", bytes("now")));

        Delivery first = pollAtLeast(List.of(q), 1).get(0);
        assertThat(first.messageId()).isEqualTo("now");
        broker.ack(first);

        Delivery later = pollAtLeast(List.of(q), 1).get(0);
        assertThat(later.messageId()).isEqualTo("later");
        assertThat(Instant.now()).isAfterOrEqualTo(due);
        broker.ack(later);
    }

    @Test
    void aDelayedMessageDoesNotCountAsReadyWhileItWaits() {
        String q = newQueue();
        broker.publish(q, new OutboundMessage("later", bytes("later"), 0, Instant.now().plusSeconds(60)));

        assertThat(broker.depth(q)).isZero();
    }

    @Test
    void purgeRemovesWaitingMessages() throws Exception {
        String q = newQueue();
        List<OutboundMessage> batch = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            batch.add(OutboundMessage.of("m-" + i, bytes("x")));
        }
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
        List<OutboundMessage> batch = new ArrayList<>();
        for (int i = 0; i < total; i++) {
            batch.add(OutboundMessage.of("m-" + i, bytes(Integer.toString(i))));
        }
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
