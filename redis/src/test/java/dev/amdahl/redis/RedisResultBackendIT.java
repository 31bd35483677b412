package dev.amdahl.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.amdahl.TaskState;
import dev.amdahl.spi.ProviderContext;
import dev.amdahl.spi.ResultBackend;
import dev.amdahl.spi.RevocationFeed;
import dev.amdahl.spi.TaskRecord;
import dev.amdahl.testkit.Await;
import io.lettuce.core.KillArgs;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.codec.RedisCodec;
import io.lettuce.core.codec.StringCodec;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Redis-specific result backend behaviour, on a private redis-server so that connections can be killed. */
@Timeout(120)
class RedisResultBackendIT {

    private static TaskRecord success(String id) {
        return new TaskRecord(id, "t", TaskState.SUCCESS, "\"ok\"", null, 0, "w", Instant.now(), Instant.now(), 1);
    }

    /** The value of a result key, as the README's key table describes it: the state, a space, the record's bytes. */
    private static byte[] stored(TaskRecord record) {
        byte[] state = (record.state() + " ").getBytes(StandardCharsets.US_ASCII);
        byte[] bytes = record.toBytes();
        byte[] value = Arrays.copyOf(state, state.length + bytes.length);
        System.arraycopy(bytes, 0, value, state.length, bytes.length);
        return value;
    }

    /** A test given a backend on a private redis-server, its URL (to open more clients) and a raw connection to it. */
    private interface PrivateRedisTest {
        void run(URI url, ResultBackend backend, RedisCommands<String, byte[]> raw) throws Exception;
    }

    private static void onPrivateRedis(String options, PrivateRedisTest test) throws Exception {
        try (PrivateRedis redis = new PrivateRedis()) {
            redis.start();
            URI url = URI.create("redis://" + redis.hostPort() + "?" + options);
            RedisClient raw = RedisClient.create("redis://" + redis.hostPort());
            try (ResultBackend backend = new RedisResultBackendProvider().open(url, ProviderContext.ofDefaults());
                 StatefulRedisConnection<String, byte[]> c = raw.connect(RedisCodec.of(StringCodec.UTF8, ByteArrayCodec.INSTANCE))) {
                test.run(url, backend, c.sync());
            } finally {
                raw.shutdown(Duration.ZERO, Duration.ofSeconds(1));
            }
        }
    }

    @Test
    void recordsAndCountersExpireAfterTheResultTtl() throws Exception {
        onPrivateRedis("prefix=ttl&result-ttl=5s", (url, backend, raw) -> {
            backend.store(success("a"));
            backend.increment("chord-1", 3);

            assertThat(raw.pttl("ttl:r:a")).isBetween(1L, 5_000L);
            assertThat(raw.pttl("ttl:c:chord-1")).isBetween(1L, 5_000L);
        });
    }

    /**
     * A batch large enough to be stored without the script (SET NX each, then the batch notice): every waiter hears
     * the record that is stored, and a task that had a final record keeps it and is not announced with the new one.
     */
    @Test
    void aLargeBatchAnnouncesWhatItStoredAndKeepsFinalRecords() throws Exception {
        onPrivateRedis("prefix=batch", (url, backend, raw) -> {
            TaskRecord earlier = new TaskRecord("b-3", "t", TaskState.FAILURE, null, null, 0, "w", Instant.now(), Instant.now(), 1);
            backend.store(earlier);
            List<TaskRecord> batch = new java.util.ArrayList<>();
            Map<String, CompletableFuture<TaskRecord>> heard = new java.util.LinkedHashMap<>();
            for (int i = 0; i < 20; i++) {
                TaskRecord r = success("b-" + i);
                batch.add(r);
                CompletableFuture<TaskRecord> f = new CompletableFuture<>();
                heard.put(r.taskId(), f);
                backend.whenReadyUnpublished(r.taskId(), f::complete);
            }

            Map<String, TaskRecord> kept = backend.storeAllUnlessFinal(batch);

            assertThat(kept).containsOnlyKeys("b-3");
            assertThat(kept.get("b-3").state()).isEqualTo(TaskState.FAILURE);
            assertThat(backend.get("b-3").map(TaskRecord::state)).contains(TaskState.FAILURE);
            assertThat(raw.get("batch:r:b-4")).isEqualTo(stored(batch.get(4)));
            for (TaskRecord r : batch) {
                if (!r.taskId().equals("b-3")) {
                    assertThat(heard.get(r.taskId()).get(10, TimeUnit.SECONDS)).isEqualTo(r);
                }
            }
            // its waiter may have read the earlier record (the first subscription re-reads what is watched), never the new one
            assertThat(heard.get("b-3").getNow(earlier)).isEqualTo(earlier);
        });
    }

    @Test
    void aNoticeMissedWhileTheSubscriptionWasDownIsMadeUpForOnResubscribe() throws Exception {
        onPrivateRedis("prefix=missed", (url, backend, raw) -> {
            String id = "task-" + UUID.randomUUID();
            CompletableFuture<TaskRecord> woken = new CompletableFuture<>();
            backend.whenReady(id, woken::complete);
            // new watchers are checked against their records in order, in batches: once a watcher of a
            // record stored before it fires, the first watcher's check is done too
            String probe = "probe-" + UUID.randomUUID();
            raw.set("missed:r:" + probe, stored(success(probe)));
            CompletableFuture<TaskRecord> probed = new CompletableFuture<>();
            backend.whenReady(probe, probed::complete);
            probed.get(20, TimeUnit.SECONDS);

            // the record lands without a notice (as if it was published while the subscriber was cut off)...
            raw.set("missed:r:" + id, stored(success(id)));
            assertThat(woken).isNotDone();
            // ...and the subscriber's connection drops; Lettuce reconnects and subscribes again
            assertThat(raw.clientKill(KillArgs.Builder.typePubsub())).isEqualTo(1);

            assertThat(woken.get(20, TimeUnit.SECONDS).result()).isEqualTo("\"ok\"");
        });
    }

    @Test
    void aRevocationStoredWhileTheFeedWasDownIsReplayedWhenItComesBack() throws Exception {
        onPrivateRedis("prefix=replay", (url, feedSide, raw) -> {
            try (ResultBackend revoker = new RedisResultBackendProvider().open(url, ProviderContext.ofDefaults())) {
                Set<String> heard = ConcurrentHashMap.newKeySet();
                RevocationFeed feed = feedSide.capability(RevocationFeed.class).orElseThrow();
                feed.onRevoked(r -> heard.add(r.taskId()));
                assertThat(feed.revocationFeedComplete()).isTrue();

                // the feed's connection drops; Lettuce waits at least 10 ms before it reconnects, and the revocation
                // is stored meanwhile, so its notice reaches no one: only the replay after the resubscription brings it
                assertThat(raw.clientKill(KillArgs.Builder.typePubsub())).isEqualTo(1);
                String id = "task-" + UUID.randomUUID();
                revoker.store(new TaskRecord(id, "t", TaskState.REVOKED, null, null, 0, null, null, Instant.now(), 0));

                Await.until(Duration.ofSeconds(20), "the replayed revocation of " + id + " after the feed reconnected",
                        () -> heard.contains(id) && feed.revocationFeedComplete());
                assertThat(heard).contains(id);
                assertThat(feed.revocationFeedComplete()).isTrue();
                assertThat(raw.zcard("replay:revoked")).isEqualTo(1);
            }
        });
    }

    @Test
    void aRecordIsStoredAsItsStateBesideItsBytes() throws Exception {
        onPrivateRedis("prefix=layout", (url, backend, raw) -> {
            TaskRecord done = success("a");
            TaskRecord running = new TaskRecord("b", "t", TaskState.STARTED, null, null, 0, "w", Instant.now(), null, 0);

            backend.store(done);
            backend.storeAllUnlessFinal(List.of(running));

            assertThat(raw.get("layout:r:a")).isEqualTo(stored(done));
            assertThat(raw.get("layout:r:b")).isEqualTo(stored(running));
        });
    }

    /** Nothing was released before this layout; what an earlier build left behind is no record, and is replaced. */
    @Test
    void aValueWithoutTheStatePrefixReadsAsNoRecordAndIsReplaced() throws Exception {
        onPrivateRedis("prefix=old", (url, backend, raw) -> {
            raw.set("old:r:a", success("a").toBytes());
            TaskRecord running = new TaskRecord("a", "t", TaskState.STARTED, null, null, 0, "w", Instant.now(), null, 0);

            assertThat(backend.get("a")).isEmpty();
            assertThat(backend.storeAllUnlessFinal(List.of(running))).isEmpty();
            assertThat(backend.get("a").map(TaskRecord::state)).contains(TaskState.STARTED);
        });
    }

    /**
     * A batch is announced in one notice unless one of its tasks kept its final record: then the records stored
     * are announced one by one, and the kept one not at all (its watcher must not hear the outcome that lost).
     */
    @Test
    void aBatchWithAKeptRecordAnnouncesOnlyTheRecordsStored() throws Exception {
        onPrivateRedis("prefix=mixed", (url, backend, raw) -> {
            TaskRecord revoked = new TaskRecord("b", "t", TaskState.REVOKED, null, null, 0, null, null, Instant.now(), 0);
            backend.store(revoked);
            List<String> heard = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
            try (ResultBackend client = new RedisResultBackendProvider().open(url, ProviderContext.ofDefaults())) {
                List<CompletableFuture<TaskRecord>> woken = List.of(new CompletableFuture<>(), new CompletableFuture<>(),
                        new CompletableFuture<>());
                for (int i = 0; i < 3; i++) {
                    CompletableFuture<TaskRecord> w = woken.get(i);
                    client.whenReady(List.of("a", "b", "c").get(i), r -> {
                        heard.add(r.taskId() + " " + r.state());
                        w.complete(r);
                    });
                }
                // the kept record's watcher fires from its read or its old notice, with REVOKED
                assertThat(woken.get(1).get(20, TimeUnit.SECONDS).state()).isEqualTo(TaskState.REVOKED);

                java.util.Map<String, TaskRecord> kept = backend.storeAllUnlessFinal(List.of(success("a"), success("b"), success("c")));

                assertThat(kept).containsOnlyKeys("b");
                assertThat(woken.get(0).get(20, TimeUnit.SECONDS).state()).isEqualTo(TaskState.SUCCESS);
                assertThat(woken.get(2).get(20, TimeUnit.SECONDS).state()).isEqualTo(TaskState.SUCCESS);
                assertThat(raw.get("mixed:r:b")).isEqualTo(stored(revoked));
                assertThat(heard).containsExactlyInAnyOrder("a SUCCESS", "b REVOKED", "c SUCCESS");
            }
        });
    }

    /** Every record of a batch stored together, final and not, reaches its listeners from the batch's notices. */
    @Test
    void aBatchOfFinalAndUnfinishedRecordsReachesEveryListener() throws Exception {
        onPrivateRedis("prefix=batch", (url, backend, raw) -> {
            try (ResultBackend client = new RedisResultBackendProvider().open(url, ProviderContext.ofDefaults())) {
                dev.amdahl.spi.UpdateFeed updates = client.capability(dev.amdahl.spi.UpdateFeed.class).orElseThrow();
                List<CompletableFuture<TaskRecord>> ready = new java.util.ArrayList<>();
                List<CompletableFuture<TaskRecord>> updated = new java.util.ArrayList<>();
                List<TaskRecord> batch = new java.util.ArrayList<>();
                for (int i = 0; i < 50; i++) {
                    CompletableFuture<TaskRecord> r = new CompletableFuture<>();
                    client.whenReady("done-" + i, r::complete);
                    ready.add(r);
                    batch.add(success("done-" + i));
                    CompletableFuture<TaskRecord> u = new CompletableFuture<>();
                    updates.onUpdate("running-" + i, u::complete);
                    updated.add(u);
                    batch.add(new TaskRecord("running-" + i, "t", TaskState.STARTED, null, null, 0, "w", Instant.now(), null, 0));
                }

                backend.storeAllUnlessFinal(batch);

                for (int i = 0; i < 50; i++) {
                    assertThat(ready.get(i).get(20, TimeUnit.SECONDS).taskId()).isEqualTo("done-" + i);
                    assertThat(updated.get(i).get(20, TimeUnit.SECONDS).state()).isEqualTo(TaskState.STARTED);
                }
            }
        });
    }

    @Test
    void thousandsOfWaitersShareOneSubscription() throws Exception {
        onPrivateRedis("prefix=many", (url, backend, raw) -> {
            for (int i = 0; i < 5_000; i++) {
                backend.whenReady("t-" + i, r -> { });
            }

            // one connection of the server subscribes to anything, and to one channel
            assertThat(raw.clientList().lines().filter(l -> l.matches(".* sub=[1-9].*"))
                    .toList()).singleElement().asString().contains(" sub=1 ");
        });
    }
}
