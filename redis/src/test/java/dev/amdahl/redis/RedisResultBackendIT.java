package dev.amdahl.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.amdahl.TaskState;
import dev.amdahl.spi.ProviderContext;
import dev.amdahl.spi.ResultBackend;
import dev.amdahl.spi.TaskRecord;
import io.lettuce.core.KillArgs;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.codec.RedisCodec;
import io.lettuce.core.codec.StringCodec;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Redis-specific result backend behaviour, on a private redis-server so that connections can be killed. */
class RedisResultBackendIT {

    private static TaskRecord success(String id) {
        return new TaskRecord(id, "t", TaskState.SUCCESS, "\"ok\"", null, 0, "w", Instant.now(), Instant.now(), 1);
    }

    @Test
    void recordsAndCountersExpireAfterTheResultTtl() throws Exception {
        try (PrivateRedis redis = new PrivateRedis()) {
            redis.start();
            URI url = URI.create("redis://" + redis.hostPort() + "?prefix=ttl&result-ttl=5s");
            RedisClient raw = RedisClient.create("redis://" + redis.hostPort());
            try (ResultBackend backend = new RedisResultBackendProvider().open(url, ProviderContext.ofDefaults());
                 StatefulRedisConnection<String, String> c = raw.connect()) {
                backend.store(success("a"));
                backend.increment("chord-1", 3);

                assertThat(c.sync().pttl("ttl:r:a")).isBetween(1L, 5_000L);
                assertThat(c.sync().pttl("ttl:c:chord-1")).isBetween(1L, 5_000L);
            } finally {
                raw.shutdown(Duration.ZERO, Duration.ofSeconds(1));
            }
        }
    }

    @Test
    void aNoticeMissedWhileTheSubscriptionWasDownIsMadeUpForOnResubscribe() throws Exception {
        try (PrivateRedis redis = new PrivateRedis()) {
            redis.start();
            URI url = URI.create("redis://" + redis.hostPort() + "?prefix=missed");
            RedisClient raw = RedisClient.create("redis://" + redis.hostPort());
            try (ResultBackend backend = new RedisResultBackendProvider().open(url, ProviderContext.ofDefaults());
                 StatefulRedisConnection<String, byte[]> c = raw.connect(RedisCodec.of(StringCodec.UTF8, ByteArrayCodec.INSTANCE))) {
                String id = "task-" + UUID.randomUUID();
                CompletableFuture<TaskRecord> woken = new CompletableFuture<>();
                backend.whenReady(id, woken::complete);
                // new watchers are checked against their records in order, in batches: once a watcher of a
                // record stored before it fires, the first watcher's check is done too
                String probe = "probe-" + UUID.randomUUID();
                c.sync().set("missed:r:" + probe, success(probe).toBytes());
                CompletableFuture<TaskRecord> probed = new CompletableFuture<>();
                backend.whenReady(probe, probed::complete);
                probed.get(20, TimeUnit.SECONDS);

                // the record lands without a notice (as if it was published while the subscriber was cut off)...
                c.sync().set("missed:r:" + id, success(id).toBytes());
                assertThat(woken).isNotDone();
                // ...and the subscriber's connection drops; Lettuce reconnects and subscribes again
                RedisCommands<String, byte[]> admin = c.sync();
                assertThat(admin.clientKill(KillArgs.Builder.typePubsub())).isEqualTo(1);

                assertThat(woken.get(20, TimeUnit.SECONDS).result()).isEqualTo("\"ok\"");
            } finally {
                raw.shutdown(Duration.ZERO, Duration.ofSeconds(1));
            }
        }
    }

    @Test
    void aRevocationStoredWhileTheFeedWasDownIsReplayedWhenItComesBack() throws Exception {
        try (PrivateRedis redis = new PrivateRedis()) {
            redis.start();
            URI url = URI.create("redis://" + redis.hostPort() + "?prefix=replay");
            RedisClient raw = RedisClient.create("redis://" + redis.hostPort());
            try (ResultBackend feedSide = new RedisResultBackendProvider().open(url, ProviderContext.ofDefaults());
                 ResultBackend revoker = new RedisResultBackendProvider().open(url, ProviderContext.ofDefaults());
                 StatefulRedisConnection<String, String> c = raw.connect()) {
                java.util.Set<String> heard = java.util.concurrent.ConcurrentHashMap.newKeySet();
                feedSide.onRevoked(r -> heard.add(r.taskId()));
                assertThat(feedSide.revocationFeedComplete()).isTrue();

                // the feed's connection drops; Lettuce waits at least 10 ms before it reconnects, and the revocation
                // is stored meanwhile, so its notice reaches no one: only the replay after the resubscription brings it
                assertThat(c.sync().clientKill(KillArgs.Builder.typePubsub())).isEqualTo(1);
                String id = "task-" + UUID.randomUUID();
                revoker.store(new TaskRecord(id, "t", TaskState.REVOKED, null, null, 0, null, null, Instant.now(), 0));

                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
                while (!(heard.contains(id) && feedSide.revocationFeedComplete()) && System.nanoTime() < deadline) {
                    Thread.sleep(10);
                }
                assertThat(heard).contains(id);
                assertThat(feedSide.revocationFeedComplete()).isTrue();
                assertThat(c.sync().zcard("replay:revoked")).isEqualTo(1);
            } finally {
                raw.shutdown(Duration.ZERO, Duration.ofSeconds(1));
            }
        }
    }

    @Test
    void thousandsOfWaitersShareOneSubscription() throws Exception {
        try (PrivateRedis redis = new PrivateRedis()) {
            redis.start();
            URI url = URI.create("redis://" + redis.hostPort() + "?prefix=many");
            RedisClient raw = RedisClient.create("redis://" + redis.hostPort());
            try (ResultBackend backend = new RedisResultBackendProvider().open(url, ProviderContext.ofDefaults());
                 StatefulRedisConnection<String, String> c = raw.connect()) {
                for (int i = 0; i < 5_000; i++) {
                    backend.whenReady("t-" + i, r -> { });
                }

                // one connection of the server subscribes to anything, and to one channel
                assertThat(c.sync().clientList().lines().filter(l -> l.matches(".* sub=[1-9].*"))
                        .toList()).singleElement().asString().contains(" sub=1 ");
            } finally {
                raw.shutdown(Duration.ZERO, Duration.ofSeconds(1));
            }
        }
    }
}
