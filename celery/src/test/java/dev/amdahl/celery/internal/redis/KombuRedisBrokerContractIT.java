package dev.amdahl.celery.internal.redis;

import dev.amdahl.spi.Broker;
import dev.amdahl.spi.ProviderContext;
import dev.amdahl.testkit.BrokerContractTest;
import java.net.URI;
import java.util.List;

/** kombu's Redis layout passes the broker contract (db 9 of the shared Redis, fresh queue names per test). */
class KombuRedisBrokerContractIT extends BrokerContractTest {

    static final String URL = "redis://127.0.0.1:6379/9";

    @Override
    protected Broker createBroker(Settings s) {
        URI uri = URI.create(URL + "?visibility-timeout=" + s.visibilityTimeout().toMillis() + "ms&max-deliveries="
                + s.maxDeliveries());
        return new KitEnvelopes(KombuRedisBroker.open(uri, new ProviderContext(s.clock())));
    }

    @Override
    protected boolean delayedMessagesWaitInTheirQueue() {
        return true;
    }

    @Override
    protected int priorityLevel(int priority) {
        // kombu's steps 0, 3, 6, 9 of Celery's priority 9 - p, the lowest step served first
        return 3 - KombuRedisBroker.step(9 - priority) / 3;
    }

    @Override
    protected void deleteQueues(List<String> queues) {
        try (KombuRedisBroker b = KombuRedisBroker.open(URI.create(URL), ProviderContext.ofDefaults())) {
            for (String q : queues) {
                b.deleteDeadLetters(q);
                b.purge(q);   // what a closed consumer gave back after the kit's purge
            }
        }
    }
}
