package dev.amdahl.rabbitmq;

import static org.assertj.core.api.Assertions.assertThat;

import dev.amdahl.spi.Broker;
import dev.amdahl.spi.Delivery;
import dev.amdahl.spi.OutboundMessage;
import dev.amdahl.spi.ProviderContext;
import dev.amdahl.testkit.Await;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A private RabbitMQ node killed with SIGKILL and started again under clients that stay open: every message the broker
 * confirmed is still there (delayed ones too, in their TTL levels), and the same clients publish and consume again on
 * their own, without being reopened.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class RabbitRestartIT {

    @RegisterExtension
    static final PrivateRabbit rabbit = PrivateRabbit.forTestClass(false);

    @Test
    void whatWasConfirmedSurvivesAKilledNodeAndClientsResumeOnTheirOwn() throws Exception {
        URI url = URI.create(rabbit.url() + "?timeout=30s");
        try (Broker producer = new RabbitBrokerProvider().open(url, ProviderContext.ofDefaults());
             Broker consumer = new RabbitBrokerProvider().open(url, ProviderContext.ofDefaults())) {
            String q = "restart";
            List<OutboundMessage> batch = new ArrayList<>();
            for (int i = 0; i < 1_000; i++) {
                batch.add(OutboundMessage.of("m-" + i, ("body " + i).getBytes(StandardCharsets.UTF_8)));
            }
            producer.publishAll(q, batch);
            producer.publish(q, new OutboundMessage("later", new byte[] {1}, 0, Instant.now().plusSeconds(4)));
            // the consumer holds some unacknowledged when the node dies: they must come again, not vanish
            List<Delivery> held = consumer.poll(List.of(q), 10, Duration.ofSeconds(5));
            assertThat(held).isNotEmpty();

            rabbit.kill();
            rabbit.start();

            // the same client objects, recovered by themselves
            producer.publish(q, OutboundMessage.of("after", new byte[] {2}));
            Set<String> seen = new HashSet<>();
            Await.until(Duration.ofSeconds(60), "every message confirmed before the kill, and those after", () -> {
                try {
                    for (Delivery d : consumer.poll(List.of(q), 100, Duration.ofMillis(200))) {
                        seen.add(d.messageId());
                        consumer.ack(d);
                    }
                } catch (InterruptedException e) {
                    throw new AssertionError(e);
                }
                return seen.size() == 1_002;
            });
            for (Delivery d : held) {
                assertThat(consumer.extendLease(d)).as("a delivery from before the restart is not held any more").isFalse();
            }
            assertThat(consumer.deadLetters(q, 10)).isEmpty();
        }
    }
}
