package dev.amdahl.celery.internal.amqp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import dev.amdahl.Amdahl;
import dev.amdahl.Worker;
import dev.amdahl.WorkerOptions;
import dev.amdahl.spi.DeadLetter;
import dev.amdahl.spi.OutboundMessage;
import dev.amdahl.spi.ProviderContext;
import dev.amdahl.testkit.Await;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * What the contract kit does not say about Celery's RabbitMQ layout: a queue declared otherwise is refused in words (and
 * the broker goes on serving other queues), and a message that is no Celery message is dead-lettered with the reason.
 * Queues of the test's own on the shared RabbitMQ, deleted after; results in Redis db 14, emptied after.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class CeleryAmqpBrokerIT {

    static final String URL = "amqp://guest:guest@127.0.0.1:5672/";
    static final String BACKEND = "redis://127.0.0.1:6379/14";
    private final List<String> queues = new ArrayList<>();

    private String newQueue() {
        String q = "celery-amqp-" + UUID.randomUUID();
        queues.add(q);
        return q;
    }

    @AfterEach
    void deleteQueues() {
        CeleryAmqpTopology.delete(URL, queues);
        RedisClient client = RedisClient.create(BACKEND);
        try (StatefulRedisConnection<String, String> c = client.connect()) {
            c.sync().flushdb();
        } finally {
            client.shutdown();
        }
    }

    private static Connection raw() throws Exception {
        ConnectionFactory f = new ConnectionFactory();
        f.setHost("127.0.0.1");
        f.setPort(5672);
        return f.newConnection("test");
    }

    @Test
    void aQueueDeclaredOtherwiseIsRefusedInWordsAndOtherQueuesStillWork() throws Exception {
        String priority = newQueue();
        String plain = newQueue();
        try (Connection c = raw(); Channel ch = c.createChannel()) {
            ch.queueDeclare(priority, true, false, false, Map.of("x-max-priority", 10));
        }
        try (CeleryAmqpBroker b = CeleryAmqpBroker.open(URI.create(URL), ProviderContext.ofDefaults())) {
            OutboundMessage m = new OutboundMessage("m-1", envelope("m-1"), 0, null);
            assertThatThrownBy(() -> b.publish(priority, m)).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining(priority).hasMessageContaining("declare it as Celery 5.2 does");

            b.publish(plain, m);
            assertThat(b.depth(plain)).isEqualTo(1);
        }
    }

    @Test
    void aMessageThatIsNoCeleryMessageIsDeadLetteredWithTheReason() throws Exception {
        String q = newQueue();
        Amdahl app = Amdahl.builder().wireProtocol("celery").broker(URL).resultBackend(BACKEND).defaultQueue(q).build();
        try (app; Worker ignored = app.startWorker(WorkerOptions.builder().queues(q).build())) {
            app.task("interop.add", Integer.class, Integer.class, n -> n);
            try (Connection c = raw(); Channel ch = c.createChannel()) {
                // As a Celery client declares before it publishes: the default exchange drops a message for a queue
                // the worker's consumer has not declared yet.
                ch.queueDeclare(q, true, false, false, null);
                AMQP.BasicProperties props = new AMQP.BasicProperties.Builder().contentType("application/json")
                        .contentEncoding("utf-8").correlationId("bad-1")
                        .headers(Map.of("lang", "py", "task", "interop.add", "id", "bad-1")).deliveryMode(2).build();
                ch.basicPublish("", q, props, "[[1], {}".getBytes(StandardCharsets.UTF_8));
            }
            List<DeadLetter> dead = Await.value(Duration.ofSeconds(30), "the dead letter", () -> {
                List<DeadLetter> l = app.broker().deadLetters(q, 10);
                return l.isEmpty() ? Optional.empty() : Optional.of(l);
            });
            assertThat(dead).extracting(DeadLetter::messageId).containsExactly("bad-1");
            assertThat(dead.get(0).reason()).contains("bad-1");
            assertThat(app.broker().depth(q)).isZero();
        }
    }

    /** A protocol 2 message as kombu's envelope, the form the protocol hands the broker. */
    private static byte[] envelope(String id) {
        String body = java.util.Base64.getEncoder().encodeToString("[[], {}, {}]".getBytes(StandardCharsets.UTF_8));
        return ("{\"body\": \"" + body + "\", \"content-type\": \"application/json\", \"content-encoding\": \"utf-8\","
                + " \"headers\": {\"id\": \"" + id + "\", \"task\": \"t\", \"lang\": \"py\"}, \"properties\":"
                + " {\"correlation_id\": \"" + id + "\", \"body_encoding\": \"base64\"}}").getBytes(StandardCharsets.UTF_8);
    }
}
