package dev.amdahl.rabbitmq;

import dev.amdahl.rabbitmq.internal.RabbitBroker;
import dev.amdahl.spi.Broker;
import dev.amdahl.spi.ProviderContext;
import dev.amdahl.testkit.BrokerContractTest;
import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeoutException;

/**
 * The contract kit on the shared RabbitMQ, classic queues. RabbitMQ redelivers when a consumer's connection goes, not
 * after a timeout, and its delays are message TTLs on the server's clock: so a lost consumer is an abandoned
 * connection, and time passes for real, in delay units of a second.
 */
class RabbitBrokerContractIT extends BrokerContractTest {

    @Override
    protected Broker createBroker(Settings s) {
        URI uri = RabbitTestSupport.url("max-deliveries=" + s.maxDeliveries());
        return new RabbitBrokerProvider().open(uri, new ProviderContext(s.clock()));
    }

    @Override
    protected void deleteQueues(List<String> queues) {
        try {
            RabbitTestSupport.deleteQueues(RabbitTestSupport.URL, queues);
        } catch (IOException | TimeoutException e) {
            throw new AssertionError("deleting the test's queues", e);
        }
    }

    @Override
    protected boolean redeliversAfterVisibilityTimeout() {
        return false;
    }

    @Override
    protected void loseConsumer(Broker consumer) {
        ((RabbitBroker) consumer).abandon();
    }

    @Override
    protected Duration delayUnit() {
        return Duration.ofSeconds(1);
    }

    @Override
    protected void elapse(Duration d) {
        clock.advance(d);
        try {
            Thread.sleep(d.toMillis());  // RabbitMQ's TTLs run on its own clock: time must pass, not be moved
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }
}
