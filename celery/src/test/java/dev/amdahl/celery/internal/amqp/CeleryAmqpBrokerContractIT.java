package dev.amdahl.celery.internal.amqp;

import dev.amdahl.celery.internal.redis.KitEnvelopes;
import dev.amdahl.spi.Broker;
import dev.amdahl.spi.ProviderContext;
import dev.amdahl.testkit.BrokerContractTest;
import java.net.URI;
import java.util.List;

/**
 * Celery's RabbitMQ layout passes the broker contract (the shared RabbitMQ, fresh queue names per test, deleted after),
 * the kit's bodies in kombu envelopes as on Redis. RabbitMQ redelivers when a consumer's connection goes, so a lost
 * consumer is an abandoned connection; Celery's queues are classic without {@code x-max-priority}, so every priority
 * is one level; ETAs are held by the consumer on the kit's clock, as Celery's worker holds them.
 */
class CeleryAmqpBrokerContractIT extends BrokerContractTest {

    /** The URL's query before the kit's delivery limit: empty, or parameters each followed by {@code &}. */
    String queryPrefix() {
        return "";
    }

    static final String URL = "amqp://guest:guest@127.0.0.1:5672/";

    @Override
    protected Broker createBroker(Settings s) {
        return new KitEnvelopes(CeleryAmqpBroker.open(URI.create(URL + "?" + queryPrefix() + "max-deliveries=" + s.maxDeliveries()),
                new ProviderContext(s.clock())));
    }

    @Override
    protected boolean redeliversAfterVisibilityTimeout() {
        return false;
    }

    @Override
    protected void loseConsumer(Broker consumer) {
        ((CeleryAmqpBroker) ((KitEnvelopes) consumer).transport()).abandon();
    }

    @Override
    protected boolean delayedMessagesWaitInTheirQueue() {
        return true;
    }

    @Override
    protected int priorityLevel(int priority) {
        return 0;
    }

    @Override
    protected void deleteQueues(List<String> queues) {
        CeleryAmqpTopology.delete(URL, queues);
    }
}
