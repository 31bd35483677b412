package dev.amdahl.celery.internal.amqp;

import dev.amdahl.spi.UrlMasking;
import dev.amdahl.spi.UrlOptions;
import java.net.URI;
import java.time.Duration;
import java.util.Locale;
import java.util.Set;

/**
 * The settings of a Celery AMQP URL:
 * <pre>{@code amqp://[user:password@]host[:port][/vhost][?max-deliveries=5&timeout=10s&queue-type=classic&exchange-type=direct]}</pre>
 * An empty path is RabbitMQ's default virtual host {@code /}, as kombu reads it.
 *
 * @param maxDeliveries how many deliveries a message gets before it is dead-lettered (see {@link CeleryAmqpBroker} for
 *                      what RabbitMQ lets a classic queue count)
 * @param timeout       connecting, and waiting for a publish's confirm
 * @param quorum        {@code queue-type=quorum}: queues declared with {@code x-queue-type: quorum}, as Celery 5.5's
 *                      {@code task_default_queue_type = "quorum"} declares them; {@code classic} (Celery 5.2's, the
 *                      default) declares them without arguments
 * @param topic         {@code exchange-type=topic}: each queue's exchange is a topic exchange, as Celery 5.5 wants it
 *                      for native delayed delivery ({@code task_default_exchange_type = "topic"}); {@code direct}
 *                      (Celery's default) otherwise. On quorum queues a topic exchange turns on Celery 5.5's delayed
 *                      delivery layout (see {@link DelayedDelivery}).
 */
public record CeleryAmqpSettings(String host, int port, String virtualHost, String user, String password, boolean tls,
                                 int maxDeliveries, Duration timeout, boolean quorum, boolean topic) {

    public static final int DEFAULT_MAX_DELIVERIES = 5;
    private static final Set<String> OPTIONS = Set.of("max-deliveries", "timeout", "queue-type", "exchange-type");

    /** @throws IllegalArgumentException naming what is wrong in the URL, password masked */
    public static CeleryAmqpSettings parse(URI uri) {
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!isAmqp(uri)) {
            throw new IllegalArgumentException("not an AMQP URL (amqp:// or amqps://): " + UrlMasking.mask(uri));
        }
        if (uri.getHost() == null || uri.getHost().isEmpty()) {
            throw new IllegalArgumentException("the AMQP URL names no host: " + UrlMasking.mask(uri));
        }
        UrlOptions options = UrlOptions.parse(uri, "Celery AMQP", OPTIONS);
        int maxDeliveries = options.integer("max-deliveries", DEFAULT_MAX_DELIVERIES, 1, 1_000_000);
        Duration timeout = options.duration("timeout", Duration.ofSeconds(10), Duration.ofMillis(1));
        boolean tls = scheme.equals("amqps");
        String type = options.text("queue-type").orElse("classic");
        if (!type.equals("classic") && !type.equals("quorum")) {
            throw new IllegalArgumentException("queue-type must be classic (Celery 5.2's queues) or quorum (Celery 5.5's"
                    + " task_default_queue_type = \"quorum\"), was '" + type + "': " + UrlMasking.mask(uri));
        }
        String exchangeType = options.text("exchange-type").orElse("direct");
        if (!exchangeType.equals("direct") && !exchangeType.equals("topic")) {
            throw new IllegalArgumentException("exchange-type must be direct (Celery's default) or topic (Celery 5.5's"
                    + " task_default_exchange_type = \"topic\", for native delayed delivery), was '" + exchangeType + "': "
                    + UrlMasking.mask(uri));
        }
        String path = uri.getRawPath();
        String vhost = path == null || path.length() <= 1 ? "/" : UrlOptions.decode(path.substring(1));
        String user = "guest";
        String password = "guest";
        String userInfo = uri.getRawUserInfo();
        if (userInfo != null && !userInfo.isEmpty()) {
            int colon = userInfo.indexOf(':');
            user = UrlOptions.decode(colon < 0 ? userInfo : userInfo.substring(0, colon));
            password = colon < 0 ? "" : UrlOptions.decode(userInfo.substring(colon + 1));
        }
        int port = uri.getPort() != -1 ? uri.getPort() : tls ? 5671 : 5672;
        return new CeleryAmqpSettings(uri.getHost(), port, vhost, user, password, tls, maxDeliveries, timeout,
                type.equals("quorum"), exchangeType.equals("topic"));
    }

    public static boolean isAmqp(URI uri) {
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        return scheme.equals("amqp") || scheme.equals("amqps");
    }

    /** Whether ETAs travel through Celery 5.5's delay exchanges: quorum queues behind topic exchanges, as Celery requires. */
    public boolean nativeDelayedDelivery() {
        return quorum && topic;
    }

    public String address() {
        return host + ":" + port + virtualHost;
    }

    @Override
    public String toString() {
        return "CeleryAmqpSettings[" + user + "@" + address() + ", max-deliveries=" + maxDeliveries
                + (quorum ? ", quorum" : "") + (topic ? ", topic" : "") + "]";
    }
}
