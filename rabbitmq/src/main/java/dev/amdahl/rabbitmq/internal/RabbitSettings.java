package dev.amdahl.rabbitmq.internal;

import dev.amdahl.spi.UrlMasking;
import dev.amdahl.spi.UrlOptions;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Set;

/**
 * What an {@code amqp://} or {@code amqps://} URL says, checked once so that a typo fails when the application starts,
 * with a message that names the option.
 *
 * <pre>{@code amqp://[user:password@]host[:port][/vhost][?queue-type=quorum&max-deliveries=5&prefetch-multiplier=1&confirm-batch=1000]}</pre>
 *
 * <p>The path is the virtual host, percent-encoded as in kombu: {@code amqp://host/} and {@code amqp://host//} are the
 * default vhost {@code /}, {@code amqp://host/app} is {@code app}, {@code amqp://host/%2Fapp} is {@code /app}.
 * {@code amqps://} connects over TLS (port 5671 by default) and takes {@code ca-file} (PEM CAs to trust; default the
 * JVM's trust store) and {@code verify-peer} ({@code full}, the default, or {@code none}, which only encrypts and is
 * logged as a warning).
 *
 * @param host               the broker's host
 * @param port               its port
 * @param virtualHost        the vhost
 * @param user               the user name, {@code guest} when the URL names none
 * @param password           the password, {@code guest} when the URL names none; never printed
 * @param queueType          classic or quorum: how the queues this client declares are kept
 * @param maxDeliveries      deliveries without an acknowledgement before a message is dead-lettered
 * @param prefetchMultiplier times the most messages a poll asks for: the channel's {@code basic.qos}
 * @param confirmBatch       messages published before waiting for their confirms, in a {@code publishAll}
 * @param timeout            how long to wait for the broker (connecting, confirms, declarations)
 * @param tls                what TLS trusts; {@code null} for {@code amqp://}
 */
public record RabbitSettings(String host, int port, String virtualHost, String user, String password, QueueType queueType,
                             int maxDeliveries, int prefetchMultiplier, int confirmBatch, Duration timeout, Tls tls) {

    /** How RabbitMQ keeps a queue; see the module's README for what differs. */
    public enum QueueType {
        /** One node's queue: priorities 0-9, no delivery counting by the server (this client counts). */
        CLASSIC,
        /** Raft-replicated over the cluster's nodes: counts deliveries itself, no priorities before RabbitMQ 3.13. */
        QUORUM
    }

    /**
     * What an {@code amqps://} URL says about TLS.
     *
     * @param caFile     the CAs to trust, PEM; {@code null} for the JVM's trust store
     * @param verifyPeer whether the server's certificate is checked (CA and host name)
     */
    public record Tls(Path caFile, boolean verifyPeer) {
    }

    public static final int DEFAULT_MAX_DELIVERIES = 5;
    public static final int DEFAULT_CONFIRM_BATCH = 1_000;
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(10);

    private static final Set<String> OPTIONS = Set.of("queue-type", "max-deliveries", "prefetch-multiplier",
            "confirm-batch", "timeout", "ca-file", "verify-peer");
    private static final Set<String> TLS_OPTIONS = Set.of("ca-file", "verify-peer");

    /**
     * Parses a URL.
     *
     * @throws IllegalArgumentException naming the part of the URL that is wrong
     */
    public static RabbitSettings parse(URI uri) {
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("amqp") && !scheme.equals("amqps")) {
            throw new IllegalArgumentException("not a RabbitMQ URL (amqp:// or amqps://): " + UrlMasking.mask(uri));
        }
        boolean ssl = scheme.equals("amqps");
        String host = uri.getHost();
        if (host == null || host.isEmpty()) {
            throw new IllegalArgumentException("the RabbitMQ URL names no host: " + UrlMasking.mask(uri));
        }
        int port = uri.getPort() == -1 ? (ssl ? 5671 : 5672) : uri.getPort();
        UrlOptions options = UrlOptions.parse(uri, "RabbitMQ", OPTIONS);

        String type = options.text("queue-type").orElse("classic").trim().toLowerCase(Locale.ROOT);
        QueueType queueType = switch (type) {
            case "classic" -> QueueType.CLASSIC;
            case "quorum" -> QueueType.QUORUM;
            default -> throw new IllegalArgumentException("queue-type must be classic or quorum, was '" + type + "'");
        };
        int maxDeliveries = options.integer("max-deliveries", DEFAULT_MAX_DELIVERIES, 1, 1_000_000);
        int multiplier = options.integer("prefetch-multiplier", 1, 1, 100);
        int confirmBatch = options.integer("confirm-batch", DEFAULT_CONFIRM_BATCH, 1, 1_000_000);
        Duration timeout = options.duration("timeout", DEFAULT_TIMEOUT, Duration.ofMillis(1));

        Tls tls = null;
        if (ssl) {
            Path ca = options.text("ca-file").map(Path::of).orElse(null);
            if (ca != null && (!Files.isRegularFile(ca) || !Files.isReadable(ca))) {
                throw new IllegalArgumentException("ca-file " + ca + " is not a file this process can read");
            }
            String verify = options.text("verify-peer").orElse("full").trim().toLowerCase(Locale.ROOT);
            if (!verify.equals("full") && !verify.equals("none")) {
                throw new IllegalArgumentException("verify-peer must be full or none, was '" + verify + "'");
            }
            tls = new Tls(ca, verify.equals("full"));
        } else {
            for (String option : TLS_OPTIONS) {
                if (options.has(option)) {
                    throw new IllegalArgumentException(option + " is a TLS option: use an amqps:// URL to connect over TLS");
                }
            }
        }

        String user = "guest";
        String password = "guest";
        String userInfo = uri.getRawUserInfo();
        if (userInfo != null && !userInfo.isEmpty()) {
            int colon = userInfo.indexOf(':');
            user = UrlOptions.decode(colon < 0 ? userInfo : userInfo.substring(0, colon));
            password = colon < 0 ? "" : UrlOptions.decode(userInfo.substring(colon + 1));
        }
        return new RabbitSettings(host, port, virtualHost(uri), user, password, queueType, maxDeliveries, multiplier,
                confirmBatch, timeout, tls);
    }

    private static String virtualHost(URI uri) {
        String raw = uri.getRawPath();
        if (raw == null || raw.isEmpty() || raw.equals("/") || raw.equals("//")) {
            return "/";
        }
        String vhost = UrlOptions.decode(raw.substring(1));
        if (vhost.contains("/") && !vhost.startsWith("/")) {
            throw new IllegalArgumentException("the path of a RabbitMQ URL is one virtual host (percent-encode a '/' in"
                    + " its name as %2F), was '" + raw + "' in " + UrlMasking.mask(uri));
        }
        return vhost;
    }

    /** Where this connects, as a URL without credentials: for messages and logs. */
    public String address() {
        return (tls != null ? "amqps://" : "amqp://") + host + ":" + port + "/"
                + (virtualHost.equals("/") ? "" : virtualHost);
    }

    /** Never the password. */
    @Override
    public String toString() {
        return "RabbitSettings[" + address() + ", user=" + user + ", queue-type=" + queueType.name().toLowerCase(Locale.ROOT)
                + ", max-deliveries=" + maxDeliveries + ", prefetch-multiplier=" + prefetchMultiplier + ", confirm-batch="
                + confirmBatch + ", timeout=" + timeout + (tls == null ? "" : ", " + tls) + "]";
    }
}
