package dev.amdahl.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.amdahl.TaskState;
import dev.amdahl.spi.ProviderContext;
import dev.amdahl.spi.ResultBackend;
import dev.amdahl.spi.TaskRecord;
import dev.amdahl.testkit.Await;
import io.lettuce.core.AclSetuserArgs;
import io.lettuce.core.KillArgs;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.codec.RedisCodec;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.protocol.CommandType;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A caller waiting on a result whose notice it missed is woken even when the re-read after the resubscription
 * fails once. The chaos suite found it: a redis-server restarted from its append-only file answers LOADING for
 * a moment after it accepts connections, the client resubscribed in that moment, its re-read failed, and the
 * callers of tasks finished meanwhile waited for ever. Here the failure is made certain by an ACL that denies
 * MGET until the failed read shows in the server's ACL log.
 */
@Timeout(60)
class RedisResultRecheckIT {

    private static byte[] stored(TaskRecord record) {
        byte[] state = (record.state() + " ").getBytes(StandardCharsets.US_ASCII);
        byte[] bytes = record.toBytes();
        byte[] value = Arrays.copyOf(state, state.length + bytes.length);
        System.arraycopy(bytes, 0, value, state.length, bytes.length);
        return value;
    }

    private static TaskRecord success(String id) {
        return new TaskRecord(id, "t", TaskState.SUCCESS, "\"ok\"", null, 0, "w", Instant.now(), Instant.now(), 1);
    }

    @Test
    void aReReadThatFailsAfterResubscribingIsTriedAgainUntilTheWaiterIsWoken() throws Exception {
        try (PrivateRedis redis = new PrivateRedis()) {
            redis.start();
            URI url = URI.create("redis://" + redis.hostPort() + "?prefix=recheck");
            RedisClient rawClient = RedisClient.create("redis://" + redis.hostPort());
            try (ResultBackend backend = new RedisResultBackendProvider().open(url, ProviderContext.ofDefaults());
                 StatefulRedisConnection<String, byte[]> c = rawClient.connect(RedisCodec.of(StringCodec.UTF8, ByteArrayCodec.INSTANCE))) {
                RedisCommands<String, byte[]> raw = c.sync();
                String id = "task-" + UUID.randomUUID();
                CompletableFuture<TaskRecord> woken = new CompletableFuture<>();
                backend.whenReady(id, woken::complete);
                // watchers are checked in order: once a later one of a stored record fires, the first one's check is done
                String probe = "probe-" + UUID.randomUUID();
                raw.set("recheck:r:" + probe, stored(success(probe)));
                CompletableFuture<TaskRecord> probed = new CompletableFuture<>();
                backend.whenReady(probe, probed::complete);
                probed.get(20, TimeUnit.SECONDS);

                // the record lands without a notice, as one published while the subscriber was cut off...
                raw.set("recheck:r:" + id, stored(success(id)));
                // ...the re-read it will make is refused, as a server still loading its data refuses it...
                raw.aclSetuser("default", AclSetuserArgs.Builder.removeCommand(CommandType.MGET));
                raw.aclLogReset();
                // ...and the subscription drops; Lettuce reconnects, subscribes again and the backend re-reads
                assertThat(raw.clientKill(KillArgs.Builder.typePubsub())).isEqualTo(1);
                Await.until(Duration.ofSeconds(20), "the re-read after the resubscription to be refused", () ->
                        raw.aclLog().stream().anyMatch(entry -> "mget".equals(String.valueOf(entry.get("object")))));
                assertThat(woken).isNotDone();

                // the server answers again: the waiter is woken without another reconnect
                raw.aclSetuser("default", AclSetuserArgs.Builder.addCommand(CommandType.MGET));
                assertThat(woken.get(20, TimeUnit.SECONDS).result()).isEqualTo("\"ok\"");
            } finally {
                rawClient.shutdown(Duration.ZERO, Duration.ofSeconds(1));
            }
        }
    }
}
