package dev.amdahl.redis;

import static dev.amdahl.redis.RedisTestSupport.await;
import static org.assertj.core.api.Assertions.assertThat;

import dev.amdahl.spi.Broker;
import dev.amdahl.spi.DeadLetter;
import dev.amdahl.spi.Delivery;
import dev.amdahl.spi.OutboundMessage;
import dev.amdahl.spi.ProviderContext;
import dev.amdahl.testkit.Await;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Redis-specific broker behaviour: leases, visibility timeout, dead letters, delayed moves, priorities, fairness. */
class RedisBrokerIT {

    private static final String PREFIX = RedisTestSupport.newPrefix("broker");
    private final List<Broker> opened = new ArrayList<>();

    private Broker broker(String options) {
        Broker b = new RedisBrokerProvider().open(RedisTestSupport.url(PREFIX, options), ProviderContext.ofDefaults());
        opened.add(b);
        return b;
    }

    @AfterEach
    void closeBrokers() {
        opened.forEach(Broker::close);
    }

    @AfterAll
    static void deleteKeys() {
        RedisTestSupport.deleteKeys(RedisTestSupport.HOST_PORT, PREFIX);
    }

    private static String newQueue() {
        return "q-" + UUID.randomUUID();
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** Polls until one delivery arrives or {@code timeout} passes. */
    private static List<Delivery> pollOne(Broker b, String queue, Duration timeout) {
        return Await.value(timeout, "a delivery from " + queue, () -> {
            try {
                List<Delivery> got = b.poll(List.of(queue), 1, Duration.ofMillis(100));
                return got.isEmpty() ? Optional.empty() : Optional.of(got);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        });
    }

    @Test
    void aPollNeverReturnsMoreThanItsMaxEvenWhenSeveralPriorityStreamsFillAtOnce() throws Exception {
        String q = newQueue();
        Broker b = broker("");
        // after an empty poll, the next polls go straight to the blocking read, which reads every level's stream
        assertThat(b.poll(List.of(q), 1, Duration.ofMillis(20))).isEmpty();
        b.publishAll(q, List.of(new OutboundMessage("low", bytes("l"), 0, null),
                new OutboundMessage("mid", bytes("m"), 5, null), new OutboundMessage("high", bytes("h"), 9, null)));

        List<String> seen = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            List<Delivery> got = pollOne(b, q, Duration.ofSeconds(5));
            assertThat(got).hasSize(1);
            assertThat(got.get(0).deliveryCount()).as("a message given back unseen is not counted").isEqualTo(1);
            seen.add(got.get(0).messageId());
            b.ack(got.get(0));
        }

        assertThat(seen).containsExactlyInAnyOrder("low", "mid", "high");
        assertThat(b.poll(List.of(q), 3, Duration.ofMillis(20))).isEmpty();
    }

    @Test
    void aMessageWhoseConsumerDiedIsDeliveredAgainAfterTheVisibilityTimeoutWithItsCount() throws Exception {
        String q = newQueue();
        Broker dead = broker("visibility-timeout=500ms");
        Broker alive = broker("visibility-timeout=500ms");
        dead.publish(q, OutboundMessage.of("m-1", bytes("work")));

        Delivery first = pollOne(dead, q, Duration.ofSeconds(5)).get(0);
        long deliveredAt = System.nanoTime();
        // the first consumer never acks: as if its process died

        Delivery again = pollOne(alive, q, Duration.ofSeconds(10)).get(0);

        assertThat(Duration.ofNanos(System.nanoTime() - deliveredAt)).isGreaterThanOrEqualTo(Duration.ofMillis(450));
        assertThat(again.messageId()).isEqualTo("m-1");
        assertThat(again.body()).isEqualTo(first.body());
        assertThat(again.deliveryCount()).isEqualTo(2);
        alive.ack(again);
        assertThat(alive.poll(List.of(q), 10, Duration.ofMillis(800))).isEmpty();
    }

    @Test
    void extendingTheLeaseKeepsALongTaskFromBeingRedelivered() throws Exception {
        String q = newQueue();
        Broker worker = broker("visibility-timeout=400ms");
        Broker other = broker("visibility-timeout=400ms");
        worker.publish(q, OutboundMessage.of("long", bytes("long task")));
        Delivery held = pollOne(worker, q, Duration.ofSeconds(5)).get(0);

        // the task runs for five visibility timeouts; its worker's heartbeat extends the lease
        long end = System.nanoTime() + Duration.ofMillis(2000).toNanos();
        List<Delivery> stolen = new ArrayList<>();
        while (System.nanoTime() < end) {
            worker.extendLease(held);
            stolen.addAll(other.poll(List.of(q), 1, Duration.ofMillis(120)));
        }
        assertThat(stolen).as("redelivered while its worker was alive").isEmpty();
        worker.ack(held);
        assertThat(other.poll(List.of(q), 1, Duration.ofMillis(800))).isEmpty();
    }

    @Test
    void aLeaseThatRanOutCannotBeTakenBack() throws Exception {
        String q = newQueue();
        // a second, not less: the check below polls for 200 ms after extending, and on a busy machine a shorter
        // timeout ran out in that window (the lease then went on to a third delivery)
        Broker slow = broker("visibility-timeout=1s");
        Broker other = broker("visibility-timeout=1s");
        slow.publish(q, OutboundMessage.of("m", bytes("x")));
        Delivery late = pollOne(slow, q, Duration.ofSeconds(5)).get(0);
        Delivery taken = pollOne(other, q, Duration.ofSeconds(10)).get(0);

        assertThat(slow.extendLease(late)).as("too late: reported lost, ownership stays with the other").isFalse();

        assertThat(taken.deliveryCount()).isEqualTo(2);
        assertThat(other.extendLease(taken)).isTrue();
        assertThat(other.poll(List.of(q), 1, Duration.ofMillis(200))).isEmpty();
        other.ack(taken);
    }

    @Test
    void afterMaxDeliveriesAMessageIsDeadLetteredWithTheReason() throws Exception {
        String q = newQueue();
        String options = "visibility-timeout=300ms&max-deliveries=2";
        Broker first = broker(options);
        Broker second = broker(options);
        Broker third = broker(options);
        first.publish(q, OutboundMessage.of("poison", bytes("kills its worker")));

        assertThat(pollOne(first, q, Duration.ofSeconds(5))).extracting(Delivery::deliveryCount).containsExactly(1);
        assertThat(pollOne(second, q, Duration.ofSeconds(5))).extracting(Delivery::deliveryCount).containsExactly(2);
        // nobody acks; the third consumer gets it once more, exhausted, to report; it dies too, and the broker
        // dead-letters the message itself
        List<Delivery> third3 = new ArrayList<>();
        await("the message to be dead-lettered", Duration.ofSeconds(10), () -> {
            try {
                third3.addAll(third.poll(List.of(q), 1, Duration.ofMillis(100)));
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
            return !third.deadLetters(q, 10).isEmpty();
        });

        assertThat(third3).singleElement().satisfies(d -> {
            assertThat(d.exhausted()).isTrue();
            assertThat(d.deliveryCount()).isEqualTo(3);
        });
        DeadLetter letter = third.deadLetters(q, 10).get(0);
        assertThat(letter.messageId()).isEqualTo("poison");
        assertThat(letter.body()).isEqualTo(bytes("kills its worker"));
        assertThat(letter.reason()).contains("max-deliveries=2");
        assertThat(letter.rejectedAt()).isAfter(Instant.now().minusSeconds(60));
    }

    @Test
    void whatAClosedConsumerHeldIsDeliveredAgainAtOnce() throws Exception {
        String q = newQueue();
        Broker leaving = broker("visibility-timeout=60s");
        Broker staying = broker("visibility-timeout=60s");
        leaving.publish(q, OutboundMessage.of("m", bytes("x")));
        assertThat(pollOne(leaving, q, Duration.ofSeconds(5))).hasSize(1);

        leaving.close();

        List<Delivery> again = pollOne(staying, q, Duration.ofSeconds(2));
        assertThat(again).extracting(Delivery::deliveryCount).containsExactly(2);
        staying.ack(again.get(0));
    }

    @Test
    void concurrentMoversOfDelayedMessagesDeliverEachExactlyOnce() throws Exception {
        String q = newQueue();
        int total = 3_000;
        Broker publisher = broker("");
        Instant due = Instant.now().plusMillis(500);
        List<OutboundMessage> batch = new ArrayList<>();
        for (int i = 0; i < total; i++) {
            // due times spread over 1 s so that many polls move some at the same moment
            batch.add(new OutboundMessage("d-" + i, bytes(Integer.toString(i)), i % 10, due.plusMillis(i % 1000)));
        }
        publisher.publishAll(q, batch);
        assertThat(publisher.depth(q)).isZero();

        Map<String, AtomicInteger> seen = new ConcurrentHashMap<>();
        List<Broker> consumers = List.of(broker(""), broker(""), broker(""), broker(""));
        ExecutorService threads = Executors.newFixedThreadPool(8);
        try {
            List<Future<?>> running = new ArrayList<>();
            for (int t = 0; t < 8; t++) {
                Broker b = consumers.get(t % consumers.size());
                running.add(threads.submit(() -> {
                    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
                    while (seen.size() < total && System.nanoTime() < deadline) {
                        for (Delivery d : b.poll(List.of(q), 20, Duration.ofMillis(100))) {
                            assertThat(Instant.now()).isAfterOrEqualTo(due);
                            seen.computeIfAbsent(d.messageId(), id -> new AtomicInteger()).incrementAndGet();
                            b.ack(d);
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> f : running) {
                f.get();
            }
        } finally {
            threads.shutdownNow();
        }

        assertThat(seen).hasSize(total);
        assertThat(seen.values()).allSatisfy(n -> assertThat(n.get()).isEqualTo(1));
    }

    @Test
    void higherPriorityLevelsGoFirstAndEachLevelIsFifo() throws Exception {
        String q = newQueue();
        Broker b = broker("");
        List<OutboundMessage> batch = new ArrayList<>();
        for (int i = 0; i < 60; i++) {
            batch.add(new OutboundMessage("m-" + i, bytes(Integer.toString(i)), i % 10, null));
        }
        b.publishAll(q, batch);

        List<Delivery> got = new ArrayList<>();
        while (got.size() < 60) {
            List<Delivery> some = b.poll(List.of(q), 7, Duration.ofSeconds(5));
            assertThat(some).isNotEmpty();
            got.addAll(some);
        }

        // levels: 0-3 low, 4-6 middle, 7-9 high
        List<Integer> levels = got.stream().map(d -> d.priority() * 3 / 10).toList();
        assertThat(levels).isSortedAccordingTo((x, y) -> Integer.compare(y, x));
        for (int level = 0; level < 3; level++) {
            int l = level;
            List<Integer> order = got.stream().filter(d -> d.priority() * 3 / 10 == l)
                    .map(d -> Integer.parseInt(new String(d.body(), StandardCharsets.UTF_8))).toList();
            assertThat(order).isSorted();
        }
        got.forEach(b::ack);
    }

    @Test
    void aConsumerOfManyQueuesStarvesNone() throws Exception {
        Broker b = broker("");
        List<String> queues = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            queues.add(newQueue());
        }
        List<OutboundMessage> flood = new ArrayList<>();
        for (int i = 0; i < 2_000; i++) {
            flood.add(new OutboundMessage("busy-" + i, bytes("b"), 9, null));
        }
        b.publishAll(queues.get(0), flood);
        for (int i = 1; i < queues.size(); i++) {
            b.publish(queues.get(i), OutboundMessage.of("quiet-" + i, bytes("q")));
        }

        // 19 quiet messages, batches of 5: with fair shares they all come within a few batches
        List<Delivery> got = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            got.addAll(b.poll(queues, 5, Duration.ofSeconds(5)));
        }

        assertThat(got.stream().filter(d -> d.messageId().startsWith("quiet-")).count()).isEqualTo(19);
        assertThat(got.stream().filter(d -> d.messageId().startsWith("busy-")).count()).isGreaterThan(0);
        got.forEach(b::ack);
        b.purge(queues.get(0));
    }

    @Test
    void anInterruptedPollLosesNothing() throws Exception {
        String q = newQueue();
        Broker b = broker("");
        Thread poller = new Thread(() -> {
            try {
                b.poll(List.of(q), 10, Duration.ofSeconds(30));
            } catch (InterruptedException expected) {
                // the point of the test
            }
        });
        poller.start();
        Thread.sleep(200); // let it block in XREADGROUP
        poller.interrupt();
        poller.join(5_000);
        assertThat(poller.isAlive()).isFalse();

        b.publish(q, OutboundMessage.of("m", bytes("x")));

        assertThat(pollOne(b, q, Duration.ofSeconds(5))).extracting(Delivery::messageId).containsExactly("m");
    }
}
