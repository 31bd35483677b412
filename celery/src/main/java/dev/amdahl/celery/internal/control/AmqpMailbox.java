package dev.amdahl.celery.internal.control;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.DefaultConsumer;
import com.rabbitmq.client.Envelope;
import dev.amdahl.celery.internal.amqp.CeleryAmqpBroker;
import dev.amdahl.celery.internal.amqp.CeleryAmqpSettings;
import dev.amdahl.celery.internal.protocol.WireMessage;
import java.io.IOException;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A worker's {@link Mailbox} on RabbitMQ, declared as kombu's {@code pidbox} and Celery's events declare it: the
 * worker's queue {@code <hostname>.celery.pidbox} (not durable, auto-deleted, messages kept {@code control_queue_ttl}
 * 300 s, the queue {@code control_queue_expires} 10 s after its consumer goes) bound to the fanout exchange
 * {@code celery.pidbox} (not durable), consumed without acks; replies to the direct exchange
 * {@code reply.celery.pidbox} (not durable) with the caller's routing key; events to the topic exchange
 * {@code celeryev} (durable), transient. A declare with other arguments than Python's would close the channel, so
 * these are Celery 5.2's exactly.
 */
final class AmqpMailbox extends Mailbox {

    private static final Logger log = LoggerFactory.getLogger(AmqpMailbox.class);
    static final long QUEUE_TTL_MS = 300_000;
    static final long QUEUE_EXPIRES_MS = 10_000;

    private final Connection connection;
    /** Publishing events and replies; used only on the mailbox's thread. */
    private final Channel publishing;

    private AmqpMailbox(CeleryAmqpSettings settings, CeleryWorkerNode node) throws IOException {
        super(node);
        this.connection = CeleryAmqpBroker.connect(settings, "amdahl celery mailbox " + node.hostname());
        try {
            this.publishing = connection.createChannel();
            publishing.exchangeDeclare(EVENTS, "topic", true, false, null);
            publishing.exchangeDeclare(REPLIES, "direct", false, false, null);
        } catch (IOException | RuntimeException e) {
            connection.abort();
            throw e;
        }
    }

    /** Declares and consumes the worker's pidbox queue, sends {@code worker-online} and starts the heartbeats. */
    static AmqpMailbox open(CeleryAmqpSettings settings, CeleryWorkerNode node) {
        AmqpMailbox box;
        try {
            box = new AmqpMailbox(settings, node);
            Channel consuming = box.connection.createChannel();
            String queue = node.hostname() + "." + PIDBOX;
            consuming.exchangeDeclare(PIDBOX, "fanout", false, false, null);
            consuming.queueDeclare(queue, false, false, true, Map.of("x-message-ttl", QUEUE_TTL_MS,
                    "x-expires", QUEUE_EXPIRES_MS));
            consuming.queueBind(queue, PIDBOX, "");
            consuming.basicConsume(queue, true, new DefaultConsumer(consuming) {
                @Override
                public void handleDelivery(String tag, Envelope envelope, AMQP.BasicProperties props, byte[] body) {
                    box.heard(CeleryAmqpBroker.envelope(envelope, props, body));
                }
            });
        } catch (IOException e) {
            throw new IllegalStateException("RabbitMQ at " + settings.address() + " refused Celery's remote control"
                    + " mailbox for worker " + node.hostname() + " (" + e.getMessage() + ")", e);
        }
        box.start();
        log.info("Celery remote control and events for worker {} on {}'s {} and {}", node.hostname(), settings.address(),
                PIDBOX, EVENTS);
        return box;
    }

    @Override
    void sendEvent(String routingKey, WireMessage event) {
        send(EVENTS, routingKey, event);
    }

    @Override
    void sendReply(String routingKey, WireMessage reply) {
        send(REPLIES, routingKey, reply);
    }

    private void send(String exchange, String routingKey, WireMessage m) {
        AMQP.BasicProperties props = new AMQP.BasicProperties.Builder().headers(CeleryAmqpBroker.table(m.headers()))
                .contentType(m.contentType()).contentEncoding(m.contentEncoding()).deliveryMode(1).priority(0).build();
        try {
            publishing.basicPublish(exchange, routingKey, props, m.body());
        } catch (IOException e) {
            throw new IllegalStateException("RabbitMQ refused a publish to " + exchange + ": " + e.getMessage(), e);
        }
    }

    @Override
    void release() {
        try {
            connection.close(2_000);
        } catch (IOException | RuntimeException e) {
            log.debug("closing the mailbox connection of {}: {}", node.hostname(), e.toString());
        }
    }
}
