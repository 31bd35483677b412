package dev.amdahl.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.amdahl.Amdahl;
import dev.amdahl.GroupFuture;
import dev.amdahl.Task;
import dev.amdahl.TaskState;
import dev.amdahl.WorkerOptions;
import dev.amdahl.spi.Broker;
import dev.amdahl.spi.OutboundMessage;
import dev.amdahl.spi.ProviderContext;
import dev.amdahl.spi.ResultBackend;
import dev.amdahl.spi.TaskRecord;
import io.lettuce.core.KeyScanArgs;
import io.lettuce.core.KeyScanCursor;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.ScanCursor;
import io.lettuce.core.api.StatefulRedisConnection;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Where a Redis Cluster's keys land, and tasks end to end on it (the shared 3-master test cluster). */
@Timeout(120)
class RedisClusterIT {

    private static final String PREFIX = RedisTestSupport.newPrefix("cluster");

    @AfterAll
    static void deleteKeys() throws Exception {
        RedisClusterNodes.shared().deleteKeys(PREFIX);
    }

    /** How many keys matching {@code pattern} each master holds, by port. */
    private static Map<Integer, Integer> keysByMaster(String pattern) throws Exception {
        Map<Integer, Integer> counts = new HashMap<>();
        for (RedisClusterNodes.Node n : RedisClusterNodes.shared().nodes()) {
            RedisClient client = RedisClient.create(RedisURI.create("127.0.0.1", n.port()));
            try (StatefulRedisConnection<String, String> c = client.connect()) {
                ScanCursor cursor = ScanCursor.INITIAL;
                int found = 0;
                do {
                    KeyScanCursor<String> page = c.sync().scan(cursor, KeyScanArgs.Builder.matches(pattern).limit(1000));
                    found += page.getKeys().size();
                    cursor = page;
                } while (!cursor.isFinished());
                if (found > 0) {
                    counts.put(n.port(), found);
                }
            } finally {
                client.shutdown(Duration.ZERO, Duration.ofSeconds(1));
            }
        }
        return counts;
    }

    @Test
    void thePartitionsOfOneQueueLandOnDifferentMastersAndShareItsMessages() throws Exception {
        String queue = "spread";
        try (Broker broker = new RedisBrokerProvider().open(RedisClusterNodes.shared().url("prefix=" + PREFIX + "&partitions=3"),
                ProviderContext.ofDefaults())) {
            List<OutboundMessage> batch = new ArrayList<>();
            for (int i = 0; i < 30; i++) {
                batch.add(OutboundMessage.of("m-" + i, Integer.toString(i).getBytes(StandardCharsets.UTF_8)));
            }
            broker.publishAll(queue, batch);
            // level 0 streams of the queue's partitions: {prefix:q:spread:<partition>.<salt>}:0
            Map<Integer, Integer> streams = keysByMaster("{" + PREFIX + ":q:" + queue + ":*}:0");

            assertThat(streams).as("masters holding a partition of the queue").hasSize(3);
            assertThat(streams.values()).containsOnly(1);
            assertThat(broker.depth(queue)).isEqualTo(30);
            List<String> got = new ArrayList<>();
            while (got.size() < 30) {
                var deliveries = broker.poll(List.of(queue), 30 - got.size(), Duration.ofSeconds(2));
                assertThat(deliveries).as("deliveries after %d", got.size()).isNotEmpty();
                deliveries.forEach(d -> got.add(d.messageId()));
                broker.ackAll(deliveries);
            }
            assertThat(got).containsExactlyInAnyOrderElementsOf(batch.stream().map(OutboundMessage::id).toList());
            assertThat(broker.depth(queue)).isZero();
        }
    }

    @Test
    void resultsSpreadOverEveryMaster() throws Exception {
        String prefix = PREFIX + ":spread";   // of this test alone, so that only its records are counted
        try (ResultBackend backend = new RedisResultBackendProvider().open(RedisClusterNodes.shared().url("prefix=" + prefix),
                ProviderContext.ofDefaults())) {
            List<TaskRecord> records = new ArrayList<>();
            for (int i = 0; i < 600; i++) {
                records.add(new TaskRecord("spread-" + i, "t", TaskState.SUCCESS, "1", null, 0, "w", Instant.now(),
                        Instant.now(), 1));
            }
            backend.storeAll(records);

            Map<Integer, Integer> results = keysByMaster(prefix + ":r:*");
            assertThat(results).as("masters holding results").hasSize(3);
            // 128 buckets in evenly spaced slots over three equal slot ranges: each master holds about a third
            assertThat(results.values()).allSatisfy(n -> assertThat(n).isBetween(120, 280));
            assertThat(backend.getAll(records.stream().map(TaskRecord::taskId).toList())).hasSize(600);
        }
    }

    @Test
    void tasksOnAPartitionedQueueRunAndTheirCallersHearOfThem() throws Exception {
        String url = RedisClusterNodes.shared().url("prefix=" + PREFIX + "&partitions=3").toString();
        try (Amdahl worker = Amdahl.builder().broker(url).resultBackend(url).defaultQueue("e2e").build();
             Amdahl client = Amdahl.builder().broker(url).resultBackend(url).defaultQueue("e2e").build()) {
            worker.task("square", Integer.class, Long.class, n -> (long) n * n);
            worker.startWorker(WorkerOptions.builder().queues("e2e").concurrency(4).build());
            Task<Integer, Long> square = client.task("square", Integer.class, Long.class);

            GroupFuture<Long> group = square.map(IntStream.range(0, 300).boxed().toList());
            List<Long> values = group.get(60, TimeUnit.SECONDS);
            long single = square.submit(12).get(30, TimeUnit.SECONDS);

            assertThat(values).containsExactlyElementsOf(IntStream.range(0, 300).mapToObj(n -> (long) n * n).toList());
            assertThat(single).isEqualTo(144);
        }
    }
}
