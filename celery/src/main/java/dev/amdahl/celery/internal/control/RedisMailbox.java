package dev.amdahl.celery.internal.control;

import dev.amdahl.celery.internal.protocol.KombuEnvelope;
import dev.amdahl.celery.internal.protocol.WireMessage;
import dev.amdahl.celery.internal.redis.KombuRedisSettings;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A worker's {@link Mailbox} on kombu's Redis transport. The fanout exchange {@code celery.pidbox} is the pub/sub
 * channel {@code /<db>.celery.pidbox}; a reply is pushed onto the list of each queue bound to
 * {@code reply.celery.pidbox} ({@code _kombu.binding.reply.celery.pidbox}) with the caller's routing key, and the list
 * is given a minute to live: a reply that comes after its caller stopped collecting would otherwise stay in Redis for
 * ever. {@code celeryev} is a fanout exchange on Redis (Celery's {@code get_exchange}), published with the event's
 * routing key as {@code /<db>.celeryev/<key>}, so a receiver's {@code /<db>.celeryev/*} pattern sees it.
 */
final class RedisMailbox extends Mailbox {

    private static final Logger log = LoggerFactory.getLogger(RedisMailbox.class);
    private static final String SEP = "\u0006\u0016";
    private static final long REPLY_TTL_SECONDS = 60;

    private final RedisClient client;
    private final StatefulRedisConnection<byte[], byte[]> connection;
    private final StatefulRedisPubSubConnection<byte[], byte[]> subscription;
    private final String prefix;

    private RedisMailbox(KombuRedisSettings settings, CeleryWorkerNode node) {
        super(node);
        this.prefix = "/" + settings.redisUri().getDatabase() + ".";
        this.client = RedisClient.create(settings.redisUri());
        StatefulRedisConnection<byte[], byte[]> c = null;
        StatefulRedisPubSubConnection<byte[], byte[]> s = null;
        try {
            c = client.connect(ByteArrayCodec.INSTANCE);
            s = client.connectPubSub(ByteArrayCodec.INSTANCE);
        } catch (RuntimeException e) {
            if (c != null) {
                c.close();
            }
            client.shutdown();
            throw e;
        }
        this.connection = c;
        this.subscription = s;
    }

    /** Subscribes to the mailbox, sends {@code worker-online} and starts the heartbeats. */
    static RedisMailbox open(KombuRedisSettings settings, CeleryWorkerNode node) {
        RedisMailbox box = new RedisMailbox(settings, node);
        box.subscription.addListener(new RedisPubSubAdapter<>() {
            @Override
            public void message(byte[] channel, byte[] message) {
                box.heard(message);
            }
        });
        box.subscription.sync().subscribe(bytes(box.prefix + PIDBOX));
        box.start();
        log.info("Celery remote control and events for worker {} on {}{} and {}{}", node.hostname(), box.prefix, PIDBOX,
                box.prefix, EVENTS);
        return box;
    }

    @Override
    void sendEvent(String routingKey, WireMessage event) {
        connection.sync().publish(bytes(prefix + EVENTS + "/" + routingKey), KombuEnvelope.write(event));
    }

    @Override
    void sendReply(String routingKey, WireMessage reply) {
        byte[] entry = KombuEnvelope.write(reply);
        var redis = connection.sync();
        List<String> queues = new ArrayList<>();
        for (byte[] member : redis.smembers(bytes("_kombu.binding." + REPLIES))) {
            String[] parts = new String(member, StandardCharsets.UTF_8).split(SEP, -1);
            if (parts.length == 3 && parts[0].equals(routingKey)) {
                queues.add(parts[2]);
            }
        }
        if (queues.isEmpty()) {
            log.debug("no reply queue is bound to {} with key {}: the caller stopped waiting", REPLIES, routingKey);
        }
        for (String q : queues) {
            redis.lpush(bytes(q), entry);
            redis.expire(bytes(q), REPLY_TTL_SECONDS);
        }
    }

    @Override
    void release() {
        subscription.close();
        connection.close();
        client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
