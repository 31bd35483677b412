package dev.amdahl.rabbitmq;

import dev.amdahl.rabbitmq.internal.RabbitBroker;
import dev.amdahl.rabbitmq.internal.RabbitSettings;
import dev.amdahl.spi.Broker;
import dev.amdahl.spi.BrokerProvider;
import dev.amdahl.spi.ProviderContext;
import java.net.URI;
import java.util.Set;

/**
 * Opens a {@link Broker} on RabbitMQ for {@code amqp://} and {@code amqps://} (TLS) URLs. Found by
 * {@link java.util.ServiceLoader}; applications name the URL and never this class:
 *
 * <pre>{@code
 * Broker broker = new RabbitBrokerProvider().open(
 *         URI.create("amqp://guest:guest@127.0.0.1:5672/?queue-type=quorum&max-deliveries=5"),
 *         ProviderContext.ofDefaults());
 * }</pre>
 *
 * <p>URL options: {@code queue-type} ({@code classic}, the default, or {@code quorum}), {@code max-deliveries}
 * (default 5, then the message is dead-lettered), {@code prefetch-multiplier} (default 1: the channel's
 * {@code basic.qos} is the worker's prefetch times this), {@code confirm-batch} (default 1000: messages a group
 * publishes before it waits for their confirms), {@code timeout} (default 10s: connecting, confirms); for
 * {@code amqps://} also {@code ca-file} and {@code verify-peer}. An unknown option is an error.
 */
public final class RabbitBrokerProvider implements BrokerProvider {

    @Override
    public Set<String> schemes() {
        return Set.of("amqp", "amqps");
    }

    @Override
    public Broker open(URI uri, ProviderContext context) {
        return new RabbitBroker(RabbitSettings.parse(uri), context.clock());
    }
}
