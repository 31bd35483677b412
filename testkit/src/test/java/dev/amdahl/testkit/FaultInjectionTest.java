package dev.amdahl.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.amdahl.TaskState;
import dev.amdahl.internal.memory.MemoryBroker;
import dev.amdahl.internal.memory.MemoryResultBackend;
import dev.amdahl.spi.Broker;
import dev.amdahl.spi.Delivery;
import dev.amdahl.spi.OutboundMessage;
import dev.amdahl.spi.ResultBackend;
import dev.amdahl.spi.TaskRecord;
import dev.amdahl.testkit.FaultInjection.CrashPoint;
import dev.amdahl.testkit.FaultInjection.Fault;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Each fault does what its Javadoc says, seen from a consumer that drives the broker by hand on a clock the test
 * moves: nothing here waits for a real timeout.
 */
@Timeout(30)
class FaultInjectionTest {

    private static final Duration VISIBILITY = Duration.ofSeconds(30);
    private static final List<String> Q = List.of("q");

    private final MutableClock clock = new MutableClock(Instant.parse("2026-12-01T12:00:00Z"));
    private final MemoryBroker memory = new MemoryBroker(clock, VISIBILITY, 10);
    private final MemoryResultBackend records = new MemoryResultBackend(clock);

    private static OutboundMessage message(String id) {
        return OutboundMessage.of(id, ("body of " + id).getBytes(StandardCharsets.UTF_8));
    }

    private static TaskRecord success(String id) {
        return new TaskRecord(id, "t", TaskState.SUCCESS, "1", null, 0, "w", null, null, 0);
    }

    private List<Delivery> pollNow(Broker broker) throws InterruptedException {
        return broker.poll(Q, 100, Duration.ZERO);
    }

    private static List<String> ids(List<Delivery> deliveries) {
        return deliveries.stream().map(Delivery::messageId).toList();
    }

    @Test
    void sameSeedSamePlanAndAnotherSeedAnother() {
        FaultInjection.Builder settings = FaultInjection.builder().drop(0.1).duplicate(0.1).delay(0.1, Duration.ofSeconds(1))
                .reorder(0.1).failStores(0.1).crash(CrashPoint.AFTER_RUN_BEFORE_STORE, 0.1);
        String plan = settings.seed(7).build().plan(500);
        assertThat(settings.seed(7).build().plan(500)).isEqualTo(plan);
        assertThat(settings.seed(8).build().plan(500)).isNotEqualTo(plan);
        assertThat(plan).contains("DROP", "DUPLICATE", "DELAY", "REORDER", "STORE_FAILURE", "CRASH_AFTER_RUN_BEFORE_STORE");
    }

    @Test
    void sameSeedInjectsTheSameFaultsIntoTheSameMessages() throws Exception {
        assertThat(consumeWithFaults(99)).isEqualTo(consumeWithFaults(99)).isNotEqualTo(consumeWithFaults(100))
                .isNotEmpty();
    }

    /** Publishes 200 messages and consumes them all, storing then acking each, moving the clock when none is ready. */
    private List<String> consumeWithFaults(long seed) throws Exception {
        MutableClock time = new MutableClock(Instant.parse("2026-12-01T12:00:00Z"));
        FaultInjection faults = FaultInjection.builder().seed(seed).clock(time).drop(0.1).duplicate(0.1)
                .delay(0.1, Duration.ofSeconds(5)).reorder(0.2).failStores(0.1)
                .crash(CrashPoint.AFTER_RUN_BEFORE_STORE, 0.1).crash(CrashPoint.AFTER_STORE_BEFORE_ACK, 0.1).build();
        try (Broker broker = faults.broker(new MemoryBroker(time, VISIBILITY, 10));
             ResultBackend backend = faults.resultBackend(new MemoryResultBackend(time))) {
            // the ids differ between runs (as task ids do); the numbers the faults are keyed on do not
            String run = Long.toHexString(System.nanoTime());
            for (int i = 0; i < 200; i++) {
                broker.publish("q", message(run + "-" + i));
            }
            int done = 0;
            while (done < 200) {
                List<Delivery> got = pollNow(broker);
                if (got.isEmpty()) {
                    time.advance(VISIBILITY.plusSeconds(1));
                }
                for (Delivery d : got) {
                    try {
                        backend.storeAllUnlessFinal(List.of(success(d.messageId())));
                    } catch (UncheckedIOException e) {
                        broker.requeue(d);
                        continue;
                    }
                    broker.ack(d);
                }
                done = (int) IntStream.range(0, 200).filter(i -> backend.get(run + "-" + i).isPresent()).count();
            }
            return faults.events().stream().map(e -> e.message() + " " + e.fault() + " " + e.attempt()).sorted().toList();
        }
    }

    @Test
    void aDroppedDeliveryVanishesAndTheBrokerDeliversItAgainAfterTheVisibilityTimeout() throws Exception {
        FaultInjection faults = FaultInjection.builder().seed(1).drop(1).maxFaultsPerMessage(1).build();
        Broker broker = faults.broker(memory);
        broker.publish("q", message("m1"));

        assertThat(pollNow(broker)).isEmpty();
        assertThat(faults.events()).extracting(FaultInjection.Event::fault).containsExactly(Fault.DROP);
        clock.advance(VISIBILITY.minusSeconds(1));
        assertThat(pollNow(broker)).as("not before its lease runs out").isEmpty();
        clock.advance(Duration.ofSeconds(2));
        List<Delivery> again = pollNow(broker);
        assertThat(again).extracting(Delivery::messageId, Delivery::deliveryCount).containsExactly(org.assertj.core.groups.Tuple.tuple("m1", 2));
    }

    @Test
    void aCrashBeforeRunIsADropToEveryoneElse() throws Exception {
        FaultInjection faults = FaultInjection.builder().seed(1).crash(CrashPoint.BEFORE_RUN, 1).maxFaultsPerMessage(1).build();
        Broker broker = faults.broker(memory);
        broker.publish("q", message("m1"));

        assertThat(pollNow(broker)).isEmpty();
        clock.advance(VISIBILITY.plusSeconds(1));
        assertThat(ids(pollNow(broker))).containsExactly("m1");
        assertThat(faults.count(Fault.CRASH_BEFORE_RUN)).isEqualTo(1);
    }

    @Test
    void aDuplicatedMessageIsDeliveredAndSettledTwice() throws Exception {
        FaultInjection faults = FaultInjection.builder().seed(1).duplicate(1).maxFaultsPerMessage(1).build();
        Broker broker = faults.broker(memory);
        broker.publish("q", message("m1"));
        broker.publishAll("q", List.of(message("m2")));

        List<Delivery> got = pollNow(broker);
        assertThat(ids(got)).containsExactly("m1", "m1", "m2", "m2");
        got.forEach(broker::ack);
        assertThat(memory.depth("q")).isZero();
        clock.advance(VISIBILITY.plusSeconds(1));
        assertThat(pollNow(broker)).as("each copy was settled on its own").isEmpty();
    }

    @Test
    void aDelayedMessageIsNotDeliveredBeforeItsDelay() throws Exception {
        FaultInjection faults = FaultInjection.builder().seed(3).clock(clock).delay(1, Duration.ofSeconds(10)).maxFaultsPerMessage(1).build();
        Broker broker = faults.broker(memory);
        broker.publish("q", message("m1"));
        broker.publish("q", message("m2"));
        long m1 = Long.parseLong(faults.events().get(0).detail().replace(" ms", ""));
        long m2 = Long.parseLong(faults.events().get(1).detail().replace(" ms", ""));
        assertThat(faults.events()).extracting(FaultInjection.Event::fault).containsExactly(Fault.DELAY, Fault.DELAY);
        assertThat(m1).isNotEqualTo(m2).isBetween(0L, 10_000L);

        assertThat(pollNow(broker)).isEmpty();
        clock.advance(Duration.ofMillis(Math.min(m1, m2) + 1));
        assertThat(ids(pollNow(broker))).containsExactly(m1 < m2 ? "m1" : "m2");
        clock.advance(Duration.ofSeconds(10));
        assertThat(ids(pollNow(broker))).containsExactly(m1 < m2 ? "m2" : "m1");
    }

    @Test
    void reorderingMovesChosenMessagesToTheEndTheSameWayEachTime() throws Exception {
        List<OutboundMessage> batch = IntStream.range(0, 20).mapToObj(i -> message("m" + i)).toList();
        List<List<String>> orders = new ArrayList<>();
        for (int run = 0; run < 2; run++) {
            MemoryBroker fresh = new MemoryBroker(clock, VISIBILITY, 10);
            FaultInjection faults = FaultInjection.builder().seed(5).reorder(0.3).build();
            Broker broker = faults.broker(fresh);
            broker.publishAll("q", batch);
            orders.add(ids(pollNow(broker)));
            assertThat(faults.count(Fault.REORDER)).isPositive();
        }
        List<String> published = batch.stream().map(OutboundMessage::id).toList();
        assertThat(orders.get(0)).containsExactlyInAnyOrderElementsOf(published).isNotEqualTo(published);
        assertThat(orders.get(1)).isEqualTo(orders.get(0));
    }

    @Test
    void aFailedStoreThrowsAsAConnectionResetWouldAndStoresNothing() {
        FaultInjection faults = FaultInjection.builder().seed(1).failStores(1).maxFaultsPerMessage(1).build();
        ResultBackend backend = faults.resultBackend(records);

        assertThatThrownBy(() -> backend.storeAllUnlessFinal(List.of(success("t1"), success("t2"))))
                .isInstanceOf(UncheckedIOException.class).hasMessageContaining("Connection reset")
                .hasMessageContaining("seed 1");
        assertThat(records.get("t1")).isEmpty();
        assertThat(records.get("t2")).isEmpty();
        assertThatThrownBy(() -> backend.store(success("t3"))).isInstanceOf(UncheckedIOException.class);

        backend.storeAllUnlessFinal(List.of(success("t1"), success("t2")));   // their second attempt gets through
        assertThat(records.get("t1")).isPresent();
        assertThat(faults.count(Fault.STORE_FAILURE)).isEqualTo(2);
    }

    @Test
    void aCrashAfterRunLosesTheOutcomeAndTheAckAndTheMessageComesBack() throws Exception {
        FaultInjection faults = FaultInjection.builder().seed(1).crash(CrashPoint.AFTER_RUN_BEFORE_STORE, 1)
                .maxFaultsPerMessage(1).build();
        Broker broker = faults.broker(memory);
        ResultBackend backend = faults.resultBackend(records);
        broker.publish("q", message("t1"));

        Delivery first = pollNow(broker).get(0);
        broker.extendLease(first);                              // alive while it runs
        backend.storeAllUnlessFinal(List.of(success("t1")));    // the crash: this never arrives
        broker.ack(first);
        broker.extendLease(first);
        assertThat(records.get("t1")).isEmpty();
        assertThat(faults.count(Fault.CRASH_AFTER_RUN_BEFORE_STORE)).isEqualTo(1);

        clock.advance(VISIBILITY.plusSeconds(1));
        Delivery second = pollNow(broker).get(0);
        assertThat(second.deliveryCount()).isEqualTo(2);
        backend.storeAllUnlessFinal(List.of(success("t1")));
        broker.ack(second);
        assertThat(records.get("t1")).isPresent();
        clock.advance(VISIBILITY.plusSeconds(1));
        assertThat(pollNow(broker)).isEmpty();
    }

    @Test
    void aCrashAfterStoreKeepsTheOutcomeButLosesTheAck() throws Exception {
        FaultInjection faults = FaultInjection.builder().seed(1).crash(CrashPoint.AFTER_STORE_BEFORE_ACK, 1)
                .maxFaultsPerMessage(1).build();
        Broker broker = faults.broker(memory);
        ResultBackend backend = faults.resultBackend(records);
        broker.publish("q", message("t1"));

        Delivery first = pollNow(broker).get(0);
        backend.storeAllUnlessFinal(List.of(success("t1")));
        broker.ackAll(List.of(first));
        assertThat(records.get("t1")).isPresent();
        assertThat(faults.count(Fault.CRASH_AFTER_STORE_BEFORE_ACK)).isEqualTo(1);

        clock.advance(VISIBILITY.plusSeconds(1));
        assertThat(pollNow(broker)).extracting(Delivery::deliveryCount).containsExactly(2);
    }

    @Test
    void aMessageIsFaultedAtMostMaxFaultsPerMessageTimes() throws Exception {
        FaultInjection faults = FaultInjection.builder().seed(1).drop(1).maxFaultsPerMessage(3).build();
        Broker broker = faults.broker(memory);
        broker.publish("q", message("m1"));
        for (int i = 0; i < 3; i++) {
            assertThat(pollNow(broker)).isEmpty();
            clock.advance(VISIBILITY.plusSeconds(1));
        }
        assertThat(pollNow(broker)).extracting(Delivery::deliveryCount).containsExactly(4);
    }

    @Test
    void withRedeliverAfterTheWrapperGivesLostDeliveriesBackItself() throws Exception {
        FaultInjection faults = FaultInjection.builder().seed(1).clock(clock).redeliverAfter(Duration.ofSeconds(2))
                .drop(0.3).crash(CrashPoint.AFTER_RUN_BEFORE_STORE, 0.3).maxFaultsPerMessage(1).build();
        Broker broker = faults.broker(memory);
        ResultBackend backend = faults.resultBackend(records);
        List<String> published = IntStream.range(0, 20).mapToObj(i -> "m" + i).toList();
        published.forEach(id -> broker.publish("q", message(id)));

        for (Delivery d : pollNow(broker)) {                    // the crashed ones: their stores are lost
            backend.storeAllUnlessFinal(List.of(success(d.messageId())));
            broker.ack(d);
        }
        clock.advance(Duration.ofSeconds(1));
        assertThat(pollNow(broker)).isEmpty();
        clock.advance(Duration.ofSeconds(1));                  // far short of the broker's 30 s
        List<Delivery> again = pollNow(broker);
        assertThat(again).extracting(Delivery::deliveryCount).containsOnly(2);
        assertThat(ids(again)).hasSize((int) (faults.count(Fault.DROP) + faults.count(Fault.CRASH_AFTER_RUN_BEFORE_STORE)))
                .hasSizeLessThan(20);
        again.forEach(broker::ack);
        assertThat(published).allMatch(id -> records.get(id).isPresent() || ids(again).contains(id));
    }

    @Test
    void opensBrokersAndBackendsByUrl() throws Exception {
        FaultInjection faults = FaultInjection.builder().seed(1).duplicate(1).maxFaultsPerMessage(1).build();
        try (Broker broker = faults.broker("memory://"); ResultBackend backend = faults.resultBackend("memory://")) {
            broker.publish("q", message("m1"));
            assertThat(ids(pollNow(broker))).containsExactly("m1", "m1");
            backend.store(success("t1"));
            assertThat(backend.get("t1")).isPresent();
        }
        assertThatThrownBy(() -> faults.broker("nosuch://user:secret@host")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("nosuch://").hasMessageNotContaining("secret");
        assertThatThrownBy(() -> faults.resultBackend("redis://user:secret@host:port")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageNotContaining("secret");
    }

    @Test
    void theBuilderNamesWhatIsWrong() {
        assertThatThrownBy(() -> FaultInjection.builder().drop(1.5)).hasMessageContaining("drop").hasMessageContaining("1.5");
        assertThatThrownBy(() -> FaultInjection.builder().drop(0.6).crash(CrashPoint.BEFORE_RUN, 0.6).build())
                .hasMessageContaining("drop").hasMessageContaining("BEFORE_RUN").hasMessageContaining("1.2");
        assertThatThrownBy(() -> FaultInjection.builder().delay(0.5, Duration.ZERO).build()).hasMessageContaining("maximum");
    }

    @Test
    void aFailingTestReportsTheSeedToReplayIt() {
        FaultInjection faults = FaultInjection.builder().seed(1234).drop(1).build();
        faults.onDeliver(List.of(new Delivery("q", "m1", new byte[0], 0, 1, 1L)), null);
        AssertionError failure = new AssertionError("balance was 200, expected 100");

        assertThatThrownBy(() -> faults.handleTestExecutionException(null, failure)).isSameAs(failure);
        assertThat(failure.getSuppressed()).singleElement().extracting(Throwable::getMessage).asString()
                .contains("seed 1234", "-Damdahl.faults.seed=1234", "#1 DROP (attempt 1, broker delivery 1) m1");
    }
}
