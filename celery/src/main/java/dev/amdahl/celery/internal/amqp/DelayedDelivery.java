package dev.amdahl.celery.internal.amqp;

import com.rabbitmq.client.Channel;
import java.io.IOException;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

/**
 * Celery 5.5's native delayed delivery on RabbitMQ (kombu's {@code native_delayed_delivery}), declared exactly as kombu
 * declares it so that Python and Java processes share it: 28 levels, {@code celery_delayed_27} down to
 * {@code celery_delayed_0}, each a topic exchange and a quorum queue of the same name whose messages live
 * {@code 2^level} seconds and are then dead-lettered (at least once) to the next level's exchange, the last to the
 * topic exchange {@code celery_delayed_delivery}. A delayed message is published to {@code celery_delayed_27} with the
 * routing key of its delay in seconds as 28 binary digits, dot-separated, then the queue's routing key
 * ({@code 0.0.…1.0.1.celery}): at each level a {@code 1} sends it through the level's queue (waiting {@code 2^level}
 * s), a {@code 0} past it to the next level's exchange. The queue's own topic exchange is bound to
 * {@code celery_delayed_delivery} by {@code #.<queue>}, and the queue to its exchange by the same key, so the message
 * arrives in its queue when due.
 *
 * <p>Celery uses it only for quorum queues behind topic (or fanout) exchanges; its default direct exchanges keep the
 * ETA in the worker, as {@link CeleryAmqpBroker} does then.
 */
final class DelayedDelivery {

    static final int LEVELS = 28;
    static final String DELIVERY_EXCHANGE = "celery_delayed_delivery";
    static final String FIRST_EXCHANGE = levelName(LEVELS - 1);
    /** The longest delay the levels can hold: 2^28 - 1 seconds, about 8.5 years. */
    static final long MAX_DELAY_SECONDS = (1L << LEVELS) - 1;

    private DelayedDelivery() {
    }

    static String levelName(int level) {
        return "celery_delayed_" + level;
    }

    /** kombu's {@code declare_native_delayed_delivery_exchanges_and_queues} for quorum queues. */
    static void declare(Channel ch) throws IOException {
        String key = "1.#";
        for (int level = LEVELS - 1; level >= 0; level--) {
            String name = levelName(level);
            ch.exchangeDeclare(name, "topic", true, false, null);
            Map<String, Object> args = new HashMap<>();
            args.put("x-queue-type", "quorum");
            args.put("x-overflow", "reject-publish");
            args.put("x-message-ttl", (1L << level) * 1000);
            args.put("x-dead-letter-exchange", level > 0 ? levelName(level - 1) : DELIVERY_EXCHANGE);
            args.put("x-dead-letter-strategy", "at-least-once");
            ch.queueDeclare(name, true, false, false, args);
            ch.queueBind(name, name, key);
            key = "*." + key;
        }
        key = "0.#";
        for (int level = LEVELS - 1; level > 0; level--) {
            ch.exchangeBind(levelName(level - 1), levelName(level), key);
            key = "*." + key;
        }
        ch.exchangeDeclare(DELIVERY_EXCHANGE, "topic", true, false, null);
        ch.exchangeBind(DELIVERY_EXCHANGE, levelName(0), key);
    }

    /** kombu's {@code bind_queue_to_native_delayed_delivery_exchange} for a queue named as its exchange and key. */
    static void bindQueue(Channel ch, String queue) throws IOException {
        String key = "#." + queue;
        ch.exchangeBind(queue, DELIVERY_EXCHANGE, key);
        ch.queueBind(queue, queue, key);
    }

    /**
     * The routing key of a message due in {@code delay} for {@code queue}, whole seconds as Celery truncates them; or
     * {@code null} when it is due within a second (Celery publishes it plainly then) or further off than the levels
     * hold (it is then held by the consuming worker).
     */
    static String routingKey(Duration delay, String queue) {
        long seconds = delay.getSeconds();
        if (seconds < 1 || seconds > MAX_DELAY_SECONDS) {
            return null;
        }
        StringBuilder key = new StringBuilder(LEVELS * 2 + queue.length());
        for (int bit = LEVELS - 1; bit >= 0; bit--) {
            key.append((seconds >> bit) & 1).append('.');
        }
        return key.append(queue).toString();
    }
}
