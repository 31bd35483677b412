package dev.amdahl.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.amdahl.TaskState;
import dev.amdahl.spi.Broker;
import dev.amdahl.spi.Delivery;
import dev.amdahl.spi.OutboundMessage;
import dev.amdahl.spi.ProviderContext;
import dev.amdahl.spi.RecordsReadAhead;
import dev.amdahl.spi.ResultBackend;
import dev.amdahl.spi.TaskRecord;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The Redis backend's records read ahead beyond the kit's case: every way a poll hands entries out (the poll script,
 * the plain reads that follow a full share of one stream, the blocking read) carries its read; a broker reads one
 * backend's records only; deliveries polled before reading ahead was switched on carry none.
 */
@Timeout(60)
class RedisRecordsReadAheadIT {

    private static final String PREFIX = RedisTestSupport.newPrefix("read-ahead");

    private ResultBackend backend;
    private RecordsReadAhead ahead;
    private Broker broker;

    @BeforeEach
    void open() {
        backend = new RedisResultBackendProvider().open(RedisTestSupport.url(PREFIX, ""), ProviderContext.ofDefaults());
        broker = new RedisBrokerProvider().open(RedisTestSupport.url(PREFIX, ""), ProviderContext.ofDefaults());
        ahead = backend.capability(RecordsReadAhead.class).orElseThrow();
    }

    @AfterEach
    void close() {
        broker.close();
        backend.close();
    }

    @AfterAll
    static void deleteKeys() {
        RedisTestSupport.deleteKeys(RedisTestSupport.HOST_PORT, PREFIX);
        RedisTestSupport.deleteKeys(RedisTestSupport.HOST_PORT, PREFIX + "-other");
    }

    private static TaskRecord success(String id) {
        Instant now = Instant.now();
        return new TaskRecord(id, "read-ahead.task", TaskState.SUCCESS, "\"" + id + "\"", null, 0, "w", now, now, 1);
    }

    @Test
    void everyPollPathCarriesTheReadOfItsDeliveries() throws Exception {
        assertThat(ahead.readsAheadFor(broker)).isTrue();
        String queue = "read-ahead-" + UUID.randomUUID();
        List<String> ids = IntStream.range(0, 12).mapToObj(i -> UUID.randomUUID().toString()).toList();
        Set<String> stored = ids.stream().filter(id -> ids.indexOf(id) % 2 == 0).collect(Collectors.toSet());
        backend.storeAll(stored.stream().map(RedisRecordsReadAheadIT::success).toList());
        broker.publishAll(queue, ids.stream().map(id -> OutboundMessage.of(id, id.getBytes())).toList());

        // three at a time: the script's full share of one stream has the next polls read it with plain XREADGROUPs
        List<Delivery> deliveries = new ArrayList<>();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (deliveries.size() < ids.size() && System.nanoTime() < deadline) {
            List<Delivery> batch = broker.poll(List.of(queue), 3, Duration.ofMillis(500));
            assertCarried(batch, stored);
            deliveries.addAll(batch);
        }
        assertThat(deliveries).extracting(Delivery::messageId).containsExactlyInAnyOrderElementsOf(ids);
        broker.ackAll(deliveries);

        // the queue is drained: the next poll blocks, and its read brings what is published meanwhile
        String late = UUID.randomUUID().toString();
        backend.store(success(late));
        assertThat(broker.poll(List.of(queue), 1, Duration.ofMillis(50))).isEmpty();
        Thread publisher = new Thread(() -> broker.publish(queue, OutboundMessage.of(late, late.getBytes())));
        List<Delivery> blocked = new ArrayList<>();
        publisher.start();
        while (blocked.isEmpty() && System.nanoTime() < deadline + TimeUnit.SECONDS.toNanos(5)) {
            blocked.addAll(broker.poll(List.of(queue), 1, Duration.ofSeconds(2)));
        }
        publisher.join();
        assertThat(blocked).extracting(Delivery::messageId).containsExactly(late);
        assertCarried(blocked, Set.of(late));
        broker.ackAll(blocked);
    }

    private void assertCarried(List<Delivery> batch, Set<String> stored) {
        RecordsReadAhead.ReadAhead carried = ahead.readAhead(batch);
        assertThat(carried.read()).as("the deliveries that carried a read").containsExactlyInAnyOrderElementsOf(
                batch.stream().map(Delivery::messageId).toList());
        for (Delivery d : batch) {
            if (stored.contains(d.messageId())) {
                assertThat(carried.records().get(d.messageId())).isEqualTo(backend.get(d.messageId()).orElseThrow());
            } else {
                assertThat(carried.records()).doesNotContainKey(d.messageId());
            }
        }
    }

    @Test
    void aBrokerReadsTheRecordsOfOneBackendOnly() throws Exception {
        try (ResultBackend other = new RedisResultBackendProvider().open(RedisTestSupport.url(PREFIX + "-other", ""),
                ProviderContext.ofDefaults())) {
            RecordsReadAhead otherAhead = other.capability(RecordsReadAhead.class).orElseThrow();
            assertThat(ahead.readsAheadFor(broker)).isTrue();

            assertThat(otherAhead.readsAheadFor(broker)).as("a second backend, of another prefix").isFalse();
            assertThat(ahead.readsAheadFor(broker)).as("the first, asked again").isTrue();
            String queue = "read-ahead-" + UUID.randomUUID();
            String id = UUID.randomUUID().toString();
            other.store(success(id));
            broker.publish(queue, OutboundMessage.of(id, id.getBytes()));
            List<Delivery> got = broker.poll(List.of(queue), 1, Duration.ofSeconds(5));
            assertThat(got).hasSize(1);
            assertThat(otherAhead.readAhead(got)).isEqualTo(RecordsReadAhead.ReadAhead.none());
            broker.ackAll(got);
        }
    }

    @Test
    void deliveriesPolledBeforeReadingAheadWasSwitchedOnCarryNone() throws Exception {
        String queue = "read-ahead-" + UUID.randomUUID();
        String id = UUID.randomUUID().toString();
        broker.publish(queue, OutboundMessage.of(id, id.getBytes()));
        List<Delivery> got = broker.poll(List.of(queue), 1, Duration.ofSeconds(5));
        assertThat(got).hasSize(1);

        assertThat(ahead.readsAheadFor(broker)).isTrue();

        assertThat(ahead.readAhead(got)).isEqualTo(RecordsReadAhead.ReadAhead.none());
        broker.ackAll(got);
    }
}
