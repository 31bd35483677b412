package dev.amdahl.redis.internal;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.codec.RedisCodec;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.Delay;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * One Lettuce client with its own event loops. Connections reconnect on their own with exponential
 * backoff (10 ms doubling to 1 s); commands issued while disconnected wait for the reconnect and fail
 * after the command timeout, so nobody hangs forever on a Redis that is gone.
 */
final class RedisConnections implements AutoCloseable {

    /** Keys and channel names are text; values (bodies, records) are opaque bytes. */
    static final RedisCodec<String, byte[]> CODEC = RedisCodec.of(StringCodec.UTF8, ByteArrayCodec.INSTANCE);

    private final ClientResources resources;
    private final RedisClient client;

    RedisConnections(RedisSettings settings) {
        this.resources = ClientResources.builder()
                .ioThreadPoolSize(2)
                .computationThreadPoolSize(2)
                .reconnectDelay(Delay.exponential(Duration.ofMillis(10), Duration.ofSeconds(1), 2, TimeUnit.MILLISECONDS))
                .build();
        this.client = RedisClient.create(resources, settings.redisUri());
        client.setOptions(ClientOptions.builder()
                .autoReconnect(true)
                .timeoutOptions(TimeoutOptions.enabled(settings.commandTimeout()))
                .build());
    }

    StatefulRedisConnection<String, byte[]> connect() {
        return client.connect(CODEC);
    }

    StatefulRedisPubSubConnection<String, byte[]> connectPubSub() {
        return client.connectPubSub(CODEC);
    }

    @Override
    public void close() {
        client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        resources.shutdown(0, 2, TimeUnit.SECONDS);
    }
}
