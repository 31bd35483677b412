package dev.amdahl.rabbitmq;

import dev.amdahl.redis.RedisResultBackendProvider;
import dev.amdahl.spi.Broker;
import dev.amdahl.spi.ProviderContext;
import dev.amdahl.spi.ResultBackend;
import dev.amdahl.testkit.PlacementContractTest;
import java.net.URI;
import java.util.UUID;

/** Placement and data by reference on the shared RabbitMQ (derived queues are AMQP queues), results in the shared Redis. */
class RabbitPlacementContractIT extends PlacementContractTest {

    private static final String REDIS = "redis://127.0.0.1:6379/0?prefix=placement-rabbit-" + UUID.randomUUID();

    @Override
    protected Broker openBroker() {
        return new RabbitBrokerProvider().open(URI.create("amqp://guest:guest@127.0.0.1:5672/"), ProviderContext.ofDefaults());
    }

    @Override
    protected ResultBackend openResultBackend() {
        return new RedisResultBackendProvider().open(URI.create(REDIS), ProviderContext.ofDefaults());
    }
}
