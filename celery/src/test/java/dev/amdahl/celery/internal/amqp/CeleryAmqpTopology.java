package dev.amdahl.celery.internal.amqp;

import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import java.io.IOException;
import java.net.URI;
import java.util.List;

/** Deletes what Celery's layout (and this module beside it) declared for a test's queues. */
public final class CeleryAmqpTopology {

    private CeleryAmqpTopology() {
    }

    public static void delete(String url, List<String> queues) {
        ConnectionFactory f = new ConnectionFactory();
        try {
            URI u = URI.create(url);
            f.setHost(u.getHost());
            f.setPort(u.getPort());
            try (Connection c = f.newConnection("test cleanup"); Channel ch = c.createChannel()) {
                for (String q : queues) {
                    ch.queueDelete(q);
                    ch.queueDelete(CeleryAmqpBroker.DEAD_PREFIX + q);
                    ch.exchangeDelete(q);
                }
            }
        } catch (Exception e) {
            throw new AssertionError("deleting the test's queues " + queues, e);
        }
    }
}
