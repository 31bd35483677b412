package dev.amdahl.redis;

import dev.amdahl.testkit.Await;
import io.lettuce.core.KeyScanArgs;
import io.lettuce.core.KeyScanCursor;
import io.lettuce.core.RedisClient;
import io.lettuce.core.ScanCursor;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import java.net.URI;
import java.time.Duration;
import java.util.UUID;
import java.util.function.BooleanSupplier;

/** The shared Redis of the integration tests (127.0.0.1:6379), unique key prefixes, and waiting with a deadline. */
final class RedisTestSupport {

    static final String HOST_PORT = "127.0.0.1:6379";

    private RedisTestSupport() {
    }

    /** A key prefix no other test run uses. */
    static String newPrefix(String testName) {
        return "it-" + testName + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    static URI url(String prefix, String options) {
        return URI.create("redis://" + HOST_PORT + "/0?prefix=" + prefix + (options.isEmpty() ? "" : "&" + options));
    }

    /** Deletes every key under {@code prefix} on {@code hostPort}. */
    static void deleteKeys(String hostPort, String prefix) {
        RedisClient client = RedisClient.create("redis://" + hostPort);
        try (StatefulRedisConnection<String, String> c = client.connect()) {
            RedisCommands<String, String> redis = c.sync();
            ScanCursor cursor = ScanCursor.INITIAL;
            do {
                KeyScanCursor<String> page = redis.scan(cursor, KeyScanArgs.Builder.matches(prefix + ":*").limit(1000));
                if (!page.getKeys().isEmpty()) {
                    redis.del(page.getKeys().toArray(String[]::new));
                }
                cursor = page;
            } while (!cursor.isFinished());
        } finally {
            client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        }
    }

    /** Polls {@code condition} every 20 ms until it holds; fails with {@code what} after {@code timeout}. */
    static void await(String what, Duration timeout, BooleanSupplier condition) {
        Await.until(timeout, what, condition);
    }
}
