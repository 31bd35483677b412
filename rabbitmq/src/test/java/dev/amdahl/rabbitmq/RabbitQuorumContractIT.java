package dev.amdahl.rabbitmq;

import dev.amdahl.spi.Broker;
import dev.amdahl.spi.ProviderContext;
import java.io.IOException;
import java.net.URI;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.BeforeAll;

/**
 * The contract kit on quorum queues: RabbitMQ counts their deliveries itself ({@code x-delivery-count}) and
 * dead-letters a message past their delivery limit, which the broker sets to its max-deliveries. Their priorities are
 * RabbitMQ's: two levels (0-4 normal, 5-9 high) from 3.13 on, none before.
 */
class RabbitQuorumContractIT extends RabbitBrokerContractIT {

    private static boolean twoPriorityLevels;

    @BeforeAll
    static void readServerVersion() throws IOException, TimeoutException {
        try (var connection = RabbitTestSupport.connect(RabbitTestSupport.URL)) {
            String[] version = connection.getServerProperties().get("version").toString().split("\\.");
            int major = Integer.parseInt(version[0]);
            int minor = Integer.parseInt(version[1]);
            twoPriorityLevels = major > 3 || major == 3 && minor >= 13;
        }
    }

    @Override
    protected Broker createBroker(Settings s) {
        URI uri = RabbitTestSupport.url("queue-type=quorum&max-deliveries=" + s.maxDeliveries());
        return new RabbitBrokerProvider().open(uri, new ProviderContext(s.clock()));
    }

    @Override
    protected int priorityLevel(int priority) {
        return twoPriorityLevels && priority >= 5 ? 1 : 0;
    }
}
