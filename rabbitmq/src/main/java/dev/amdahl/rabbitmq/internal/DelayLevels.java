package dev.amdahl.rabbitmq.internal;

import com.rabbitmq.client.Channel;
import java.io.IOException;
import java.time.Duration;
import java.util.Map;

/**
 * Delayed delivery with nothing but core RabbitMQ: the binary-decomposed TTL levels of kombu's native delayed
 * delivery. Level {@code k} is a queue whose messages live {@code 2^k} seconds and then dead-letter into the
 * exchange of level {@code k-1}; each level's topic exchange reads one binary digit of the delay from the routing
 * key and sends the message into its level's queue when the digit is 1, or straight on to the next exchange when it
 * is 0. After level 0 the message reaches {@link #READY_EXCHANGE}, which routes it by the rest of the key, the
 * destination queue's name, into that queue. So a delay of {@code d} seconds waits in exactly the levels of the
 * 1-digits of {@code d}, each a queue with one TTL: RabbitMQ expires such a queue's messages from its head, in order,
 * which per-message TTLs in one queue would not do.
 *
 * <p>The routing key is the {@value #LEVELS} digits, most significant first, then the queue name:
 * {@code 0.0.…1.0.1.tiles} waits 5 s and lands in {@code tiles}. Each destination binding matches exactly
 * {@value #LEVELS} digit words before the name, so a queue named {@code b} never receives what was meant for
 * {@code a.b}.
 *
 * <p>Precision: delays are whole seconds, rounded up (a message is never early); each level adds the time the broker
 * takes to expire and re-route it (milliseconds). The longest delay is {@code 2^28 - 1} seconds, about 8.5 years.
 */
final class DelayLevels {

    /** Levels 0 to 27. */
    static final int LEVELS = 28;
    static final long MAX_DELAY_SECONDS = (1L << LEVELS) - 1;
    /** Where a message goes when its delay is over: bound to every queue this client declares. */
    static final String READY_EXCHANGE = "amdahl.delay.ready";

    private DelayLevels() {
    }

    static String exchange(int level) {
        return "amdahl.delay." + level;
    }

    static String queue(int level) {
        return "amdahl.delay." + level;
    }

    /** The exchange a delayed message is published to: the highest level's. */
    static String entryExchange() {
        return exchange(LEVELS - 1);
    }

    /** The whole seconds to wait for {@code delay}, rounded up; refuses a delay past the longest. */
    static long seconds(Duration delay) {
        long millis = delay.toMillis();
        long seconds = (millis + 999) / 1000;
        if (seconds > MAX_DELAY_SECONDS) {
            throw new IllegalArgumentException("a delay of " + delay + " is longer than RabbitMQ delayed delivery keeps ("
                    + MAX_DELAY_SECONDS + " s, about 8.5 years)");
        }
        return seconds;
    }

    /** The routing key that makes a message wait {@code seconds} and then land in {@code queue}. */
    static String routingKey(long seconds, String queue) {
        StringBuilder key = new StringBuilder(LEVELS * 2 + queue.length());
        for (int level = LEVELS - 1; level >= 0; level--) {
            key.append((seconds >>> level & 1) == 1 ? '1' : '0').append('.');
        }
        return key.append(queue).toString();
    }

    /** {@code words} words matching anything, each followed by a dot. */
    private static String anyWords(int words) {
        return "*.".repeat(words);
    }

    /**
     * Declares the levels: durable exchanges and queues, idempotently (every client declares the same, so they may
     * race). Each level's queue holds its messages for its TTL and has no consumer.
     */
    static void declare(Channel channel) throws IOException {
        channel.exchangeDeclare(READY_EXCHANGE, "topic", true);
        for (int level = 0; level < LEVELS; level++) {
            channel.exchangeDeclare(exchange(level), "topic", true);
        }
        for (int level = LEVELS - 1; level >= 0; level--) {
            String next = level == 0 ? READY_EXCHANGE : exchange(level - 1);
            channel.queueDeclare(queue(level), true, false, false, Map.of(
                    "x-message-ttl", (1L << level) * 1000,
                    "x-dead-letter-exchange", next,
                    "x-queue-type", "classic"));
            // the digit of this level is word (LEVELS - 1 - level) of the key
            String digit = anyWords(LEVELS - 1 - level);
            channel.queueBind(queue(level), exchange(level), digit + "1.#");
            channel.exchangeBind(next, exchange(level), digit + "0.#");
        }
    }

    /** Binds {@code queue} to receive the delayed messages meant for it. */
    static void bindDestination(Channel channel, String queue) throws IOException {
        channel.queueBind(queue, READY_EXCHANGE, anyWords(LEVELS) + queue);
    }
}
