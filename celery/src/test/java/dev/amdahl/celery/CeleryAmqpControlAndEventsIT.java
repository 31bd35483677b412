package dev.amdahl.celery;

import static org.assertj.core.api.Assertions.assertThat;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import com.rabbitmq.client.GetResponse;
import dev.amdahl.Worker;
import dev.amdahl.WorkerOptions;
import dev.amdahl.celery.internal.amqp.CeleryAmqpTopology;
import dev.amdahl.testkit.Await;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * Celery's own tools against a Java worker on the shared RabbitMQ (a queue of the test's own, deleted after; the
 * worker's pidbox queue goes with its consumer), results in Redis db 12, this test's own; and a control message that
 * names another exchange for its reply is not answered there.
 */
class CeleryAmqpControlAndEventsIT extends CeleryControlAndEvents {

    static final String BROKER = "amqp://guest:guest@127.0.0.1:5672/";
    static final String BACKEND = "redis://127.0.0.1:6379/12";

    @Override
    String broker() {
        return BROKER;
    }

    @Override
    String backend() {
        return BACKEND;
    }

    @Override
    void deleteQueue() {
        CeleryAmqpTopology.delete(BROKER, List.of(queue));
    }

    @Test
    void aPingIsAnsweredOnlyOnCeleryReplyExchange() throws Exception {
        String hostname = "java-" + UUID.randomUUID().toString().substring(0, 8) + "@amdahl-test";
        String other = "not-celery-" + UUID.randomUUID();
        ConnectionFactory f = new ConnectionFactory();
        f.setHost("127.0.0.1");
        try (Worker ignored = celeryApp().startWorker(WorkerOptions.builder().queues(queue).name(hostname).build());
             Connection c = f.newConnection("test"); Channel ch = c.createChannel()) {
            String replies = ch.queueDeclare().getQueue();
            ch.exchangeDeclare("reply.celery.pidbox", "direct", false, false, null);
            ch.queueBind(replies, "reply.celery.pidbox", replies);
            ch.exchangeDeclare(other, "direct", false, true, null);
            ch.queueBind(replies, other, replies);
            Await.until(Duration.ofSeconds(30), () -> exists(c, hostname + ".celery.pidbox"));

            ping(ch, hostname, other, replies, "t-other");
            ping(ch, hostname, "reply.celery.pidbox", replies, "t-celery");
            GetResponse got = Await.value(Duration.ofSeconds(30), "the reply", () -> {
                try {
                    return Optional.ofNullable(ch.basicGet(replies, true));
                } catch (IOException e) {
                    throw new IllegalStateException(e);
                }
            });
            assertThat(got.getProps().getHeaders().get("ticket").toString()).as("the first ping got no reply").isEqualTo("t-celery");
            assertThat(new String(got.getBody(), StandardCharsets.UTF_8)).contains(hostname).contains("pong");
            assertThat(ch.basicGet(replies, true)).isNull();
        }
    }

    private static boolean exists(Connection c, String queue) {
        try (Channel probe = c.createChannel()) {
            probe.queueDeclarePassive(queue);
            return true;
        } catch (Exception e) {
            return false;
        }
    }

    private static void ping(Channel ch, String hostname, String replyExchange, String replyKey, String ticket)
            throws IOException {
        String body = "{\"method\": \"ping\", \"arguments\": {}, \"destination\": [\"" + hostname + "\"], \"pattern\": null,"
                + " \"matcher\": null, \"ticket\": \"" + ticket + "\", \"reply_to\": {\"exchange\": \"" + replyExchange
                + "\", \"routing_key\": \"" + replyKey + "\"}}";
        AMQP.BasicProperties props = new AMQP.BasicProperties.Builder().contentType("application/json")
                .contentEncoding("utf-8").headers(Map.of("clock", 1)).build();
        ch.basicPublish("celery.pidbox", "", props, body.getBytes(StandardCharsets.UTF_8));
    }
}
