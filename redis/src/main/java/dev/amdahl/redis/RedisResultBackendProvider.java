package dev.amdahl.redis;

import dev.amdahl.redis.internal.RedisResultBackend;
import dev.amdahl.redis.internal.RedisSettings;
import dev.amdahl.spi.ProviderContext;
import dev.amdahl.spi.ResultBackend;
import dev.amdahl.spi.ResultBackendProvider;
import java.net.URI;
import java.util.Set;

/**
 * Opens a {@link ResultBackend} on Redis for {@code redis://} and {@code rediss://} URLs (a Redis Cluster:
 * {@code redis-cluster://host1:port1,host2:port2/}): records with a
 * TTL ({@code result-ttl}, default 1 day), waiters woken by pub/sub, counters by INCRBY.
 *
 * <pre>{@code
 * ResultBackend results = new RedisResultBackendProvider().open(
 *         URI.create("redis://127.0.0.1:6379?result-ttl=2h"), ProviderContext.ofDefaults());
 * Optional<TaskRecord> done = results.await(taskId, Duration.ofSeconds(5));
 * }</pre>
 *
 * Takes the same URL options as {@link RedisBrokerProvider}.
 */
public final class RedisResultBackendProvider implements ResultBackendProvider {

    @Override
    public Set<String> schemes() {
        return Set.of("redis", "rediss", "redis-cluster", "rediss-cluster");
    }

    @Override
    public ResultBackend open(URI uri, ProviderContext context) {
        return new RedisResultBackend(RedisSettings.parse(uri));
    }
}
