package dev.amdahl.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.amdahl.TaskState;
import dev.amdahl.spi.AckingStore;
import dev.amdahl.spi.Broker;
import dev.amdahl.spi.Delivery;
import dev.amdahl.spi.OutboundMessage;
import dev.amdahl.spi.ProviderContext;
import dev.amdahl.spi.ResultBackend;
import dev.amdahl.spi.TaskError;
import dev.amdahl.spi.TaskRecord;
import io.lettuce.core.KeyScanArgs;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The Redis backend's one-step settle ({@link AckingStore}) beyond the kit's batch of three, which takes the store
 * script: a batch big enough for the pipelined SETs, with a task that has a record already among it (the script then
 * stores it after the SETs, and the acks wait for both), and which brokers it settles for.
 */
@Timeout(60)
class RedisResultBackendAckingStoreIT {

    private static final String PREFIX = RedisTestSupport.newPrefix("acking-store");

    private ResultBackend backend;
    private Broker broker;

    @BeforeEach
    void open() {
        backend = new RedisResultBackendProvider().open(RedisTestSupport.url(PREFIX, ""), ProviderContext.ofDefaults());
        broker = new RedisBrokerProvider().open(RedisTestSupport.url(PREFIX, ""), ProviderContext.ofDefaults());
    }

    @AfterEach
    void close() {
        broker.close();
        backend.close();
    }

    @AfterAll
    static void deleteKeys() {
        RedisTestSupport.deleteKeys(RedisTestSupport.HOST_PORT, PREFIX);
    }

    @Test
    void aBatchOfPlainSetsIsStoredAnnouncedAndAcknowledgedAndAFinalRecordIsKept() throws Exception {
        String queue = "settle-" + UUID.randomUUID();
        List<String> ids = IntStream.range(0, 20).mapToObj(i -> UUID.randomUUID().toString()).toList();
        String started = ids.get(3);
        String revoked = ids.get(7);
        backend.store(record(started, TaskState.STARTED));
        backend.store(record(revoked, TaskState.REVOKED));
        broker.publishAll(queue, ids.stream().map(id -> OutboundMessage.of(id, id.getBytes())).toList());
        List<Delivery> deliveries = new ArrayList<>();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (deliveries.size() < ids.size() && System.nanoTime() < deadline) {
            deliveries.addAll(broker.poll(List.of(queue), ids.size() - deliveries.size(), Duration.ofMillis(500)));
        }
        assertThat(deliveries).hasSize(ids.size());
        CompletableFuture<TaskRecord> last = new CompletableFuture<>();
        backend.whenReady(ids.get(19), last::complete);
        AckingStore together = backend.capability(AckingStore.class).orElseThrow();
        assertThat(together.acknowledges(broker)).isTrue();

        Map<String, TaskRecord> kept = together.storeAllUnlessFinalAndAck(
                ids.stream().map(id -> record(id, TaskState.SUCCESS)).toList(), broker, deliveries);

        assertThat(kept).containsOnlyKeys(revoked);
        assertThat(kept.get(revoked).state()).isEqualTo(TaskState.REVOKED);
        Map<String, TaskRecord> stored = backend.getAll(ids);
        assertThat(stored).hasSize(ids.size());
        ids.stream().filter(id -> !id.equals(revoked))
                .forEach(id -> assertThat(stored.get(id).state()).as(id).isEqualTo(TaskState.SUCCESS));
        assertThat(last.get(10, TimeUnit.SECONDS).state()).isEqualTo(TaskState.SUCCESS);
        // acknowledged and deleted: nothing pending that closing the broker would give back, nothing left in the streams
        broker.close();
        broker = new RedisBrokerProvider().open(RedisTestSupport.url(PREFIX, ""), ProviderContext.ofDefaults());
        assertThat(broker.depth(queue)).isZero();
        assertThat(streamEntriesAndPending(queue)).isZero();
    }

    @Test
    void aRoundTripsSingleRecordIsStoredAndAcknowledgedByOneScript() throws Exception {
        String queue = "single-" + UUID.randomUUID();
        String id = UUID.randomUUID().toString();
        broker.publish(queue, OutboundMessage.of(id, id.getBytes()));
        List<Delivery> got = broker.poll(List.of(queue), 1, Duration.ofSeconds(5));
        assertThat(got).hasSize(1);
        CompletableFuture<TaskRecord> woken = new CompletableFuture<>();
        backend.whenReady(id, woken::complete);

        Map<String, TaskRecord> kept = backend.capability(AckingStore.class).orElseThrow()
                .storeAllUnlessFinalAndAck(List.of(record(id, TaskState.SUCCESS)), broker, got);

        assertThat(kept).isEmpty();
        assertThat(woken.get(10, TimeUnit.SECONDS).state()).isEqualTo(TaskState.SUCCESS);
        broker.close();
        broker = new RedisBrokerProvider().open(RedisTestSupport.url(PREFIX, ""), ProviderContext.ofDefaults());
        assertThat(streamEntriesAndPending(queue)).isZero();
    }

    @Test
    void aBrokerOnAnotherDatabaseIsNotAcknowledged() {
        Broker other = new RedisBrokerProvider().open(java.net.URI.create("redis://" + RedisTestSupport.HOST_PORT
                + "/1?prefix=" + PREFIX), ProviderContext.ofDefaults());
        try {
            assertThat(backend.capability(AckingStore.class).orElseThrow().acknowledges(other)).isFalse();
        } finally {
            other.close();
        }
    }

    private static TaskRecord record(String id, TaskState state) {
        return new TaskRecord(id, "acking.task", state, state == TaskState.SUCCESS ? "1" : null,
                state == TaskState.REVOKED ? TaskError.of("Revoked", "revoked by the test") : null, 0, "w", null,
                state.isReady() ? Instant.now() : null, 0);
    }

    /** Entries left in the queue's streams plus entries pending in their group. */
    private static long streamEntriesAndPending(String queue) {
        RedisClient client = RedisClient.create("redis://" + RedisTestSupport.HOST_PORT);
        try (StatefulRedisConnection<String, String> c = client.connect()) {
            RedisCommands<String, String> redis = c.sync();
            long n = 0;
            int streams = 0;
            io.lettuce.core.ScanCursor cursor = io.lettuce.core.ScanCursor.INITIAL;
            do {
                io.lettuce.core.KeyScanCursor<String> page = redis.scan(cursor,
                        KeyScanArgs.Builder.matches(PREFIX + ":q:" + queue + ":*").limit(1000));
                for (String key : page.getKeys()) {
                    if (redis.type(key).equals("stream")) {
                        streams++;
                        n += redis.xlen(key) + redis.xpending(key, "workers").getCount();
                    }
                }
                cursor = page;
            } while (!cursor.isFinished());
            assertThat(streams).as("streams of " + queue).isPositive();
            return n;
        } finally {
            client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        }
    }
}
