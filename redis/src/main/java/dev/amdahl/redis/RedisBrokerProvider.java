package dev.amdahl.redis;

import dev.amdahl.redis.internal.RedisBroker;
import dev.amdahl.redis.internal.RedisSettings;
import dev.amdahl.spi.Broker;
import dev.amdahl.spi.BrokerProvider;
import dev.amdahl.spi.ProviderContext;
import java.net.URI;
import java.util.Set;

/**
 * Opens a {@link Broker} on Redis for {@code redis://} and {@code rediss://} (TLS) URLs, and on a Redis Cluster
 * for {@code redis-cluster://host1:port1,host2:port2/} and {@code rediss-cluster://} (see the module README). Found by
 * {@link java.util.ServiceLoader}; applications name the URL and never this class:
 *
 * <pre>{@code
 * Broker broker = new RedisBrokerProvider().open(
 *         URI.create("redis://127.0.0.1:6379/0?prefix=app1&visibility-timeout=60s&max-deliveries=5"),
 *         ProviderContext.ofDefaults());
 * }</pre>
 *
 * <p>URL options: {@code prefix} (key prefix, default {@code amdahl}), {@code visibility-timeout}
 * (default 60s: how long a delivery may go without an ack or a lease extension before another consumer
 * gets it), {@code max-deliveries} (default 5, then the message is dead-lettered), {@code priority-levels}
 * (default 3; every client of one Redis prefix must use the same), {@code timeout} (default 10s: how long a
 * command waits for Redis). An unknown option is an error.
 */
public final class RedisBrokerProvider implements BrokerProvider {

    @Override
    public Set<String> schemes() {
        return Set.of("redis", "rediss", "redis-cluster", "rediss-cluster");
    }

    @Override
    public Broker open(URI uri, ProviderContext context) {
        return new RedisBroker(RedisSettings.parse(uri), context.clock());
    }
}
