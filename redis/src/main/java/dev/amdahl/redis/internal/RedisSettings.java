package dev.amdahl.redis.internal;

import dev.amdahl.spi.UrlMasking;
import dev.amdahl.spi.UrlOptions;
import io.lettuce.core.RedisURI;
import io.lettuce.core.SslVerifyMode;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * What a {@code redis://}, {@code rediss://}, {@code redis-cluster://} or {@code rediss-cluster://} URL says, checked
 * once so that a typo fails when the application starts, with a message that names the option.
 *
 * <pre>{@code redis-cluster://[user:password@]host1:port1,host2:port2[/][?partitions=3&wait-replicas=1&...]}</pre>
 * names the nodes a cluster client learns the topology from; the credentials and options apply to every node.
 *
 * <pre>{@code redis://[user:password@]host[:port][/db][?prefix=app1&visibility-timeout=60s&max-deliveries=5&result-ttl=1d]}</pre>
 *
 * <p>{@code rediss://} connects over TLS and takes these options too: {@code ca-file} (PEM certificates of the CAs
 * to trust; default: the JVM's trust store), {@code cert-file} and {@code key-file} (the client's certificate chain
 * and its unencrypted PKCS#8 key, PEM, for servers that ask for one: {@code tls-auth-clients yes}), and
 * {@code verify-peer} ({@code full}, the default: the certificate is signed by a trusted CA and names the host;
 * {@code ca}: signed by a trusted CA, any name; {@code none}: anything, which only encrypts and is logged as a warning).
 *
 * @param redisUri          where to connect (host, port, database, credentials, TLS)
 * @param database          the database index, also part of the pub/sub channel name (channels are not per database)
 * @param prefix            the first part of every key, so several applications share one Redis
 * @param visibilityTimeout how long a delivered message may go without an ack or a lease extension
 *                          before another consumer may take it
 * @param maxDeliveries     after this many deliveries without an ack a message is dead-lettered
 * @param resultTtl         how long results and counters live
 * @param priorityLevels    how many streams a queue has; priorities 0-9 are spread over them
 * @param commandTimeout    how long to wait for Redis before treating the connection as broken
 * @param tls               the files TLS connections trust and present; {@code null} for {@code redis://}
 * @param clusterNodes      for {@code redis-cluster://} and {@code rediss-cluster://}: the nodes to learn the cluster's
 *                          topology from ({@code redisUri} is the first); empty for one Redis
 * @param partitions        streams of their own, in slots of their own, that each queue is spread over (cluster only; 1
 *                          otherwise)
 * @param waitReplicas      how many replicas must have a published message or a stored record before the call
 *                          returns (WAIT); 0, the default, returns once the master has it
 */
public record RedisSettings(RedisURI redisUri, int database, String prefix, Duration visibilityTimeout,
                            int maxDeliveries, Duration resultTtl, int priorityLevels, Duration commandTimeout, TlsFiles tls,
                            List<RedisURI> clusterNodes, int partitions, int waitReplicas) {

    /**
     * What a {@code rediss://} URL says about TLS.
     *
     * @param caFile   the CAs to trust, PEM; {@code null} for the JVM's trust store
     * @param certFile the client's certificate chain, PEM; {@code null} for none
     * @param keyFile  the key of {@code certFile}, PKCS#8 PEM; {@code null} when there is no certificate
     */
    public record TlsFiles(Path caFile, Path certFile, Path keyFile, SslVerifyMode verifyPeer) {
    }

    public static final String DEFAULT_PREFIX = "amdahl";
    public static final Duration DEFAULT_VISIBILITY_TIMEOUT = Duration.ofSeconds(60);
    public static final int DEFAULT_MAX_DELIVERIES = 5;
    public static final Duration DEFAULT_RESULT_TTL = Duration.ofDays(1);
    public static final int DEFAULT_PRIORITY_LEVELS = 3;
    public static final Duration DEFAULT_COMMAND_TIMEOUT = Duration.ofSeconds(10);
    /** More partitions than slots would share slots; 256 already spreads a queue over 256 masters. */
    public static final int MAX_PARTITIONS = 256;

    private static final Set<String> OPTIONS = Set.of("prefix", "visibility-timeout", "max-deliveries", "result-ttl",
            "priority-levels", "timeout", "ca-file", "cert-file", "key-file", "verify-peer", "partitions", "wait-replicas");
    private static final Set<String> TLS_OPTIONS = Set.of("ca-file", "cert-file", "key-file", "verify-peer");

    public RedisSettings {
        Objects.requireNonNull(redisUri, "redisUri");
        Objects.requireNonNull(prefix, "prefix");
        clusterNodes = List.copyOf(clusterNodes);
    }

    /** Whether this is a Redis Cluster ({@code redis-cluster://}), whose keys live in slots spread over its masters. */
    public boolean cluster() {
        return !clusterNodes.isEmpty();
    }

    /**
     * Parses a URL.
     *
     * @throws IllegalArgumentException naming the part of the URL that is wrong
     */
    public static RedisSettings parse(URI uri) {
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (scheme.equals("redis-cluster") || scheme.equals("rediss-cluster")) {
            return parseCluster(uri, scheme.equals("rediss-cluster"));
        }
        if (!scheme.equals("redis") && !scheme.equals("rediss")) {
            throw new IllegalArgumentException("not a Redis URL (redis://, rediss://, redis-cluster:// or rediss-cluster://): "
                    + redact(uri));
        }
        String host = uri.getHost();
        if (host == null || host.isEmpty()) {
            // java.net.URI leaves the host out when the port is not a number: say which it is
            String authority = uri.getRawAuthority() == null ? "" : uri.getRawAuthority().substring(uri.getRawAuthority().lastIndexOf('@') + 1);
            int colon = authority.lastIndexOf(':');
            String port = colon < 0 ? "" : authority.substring(colon + 1);
            if (colon > 0 && !port.contains("]") && !port.matches("\\d*")) {
                throw new IllegalArgumentException("the port of the Redis URL is not a number: '" + port + "' in "
                        + redact(uri) + " (write redis://host:6379)");
            }
            throw new IllegalArgumentException("the Redis URL names no host: " + redact(uri) + " (write redis://host:6379)");
        }
        int port = uri.getPort() == -1 ? RedisURI.DEFAULT_REDIS_PORT : uri.getPort();
        int database = parseDatabase(uri);
        UrlOptions options = UrlOptions.parse(uri, "Redis", OPTIONS);
        if (options.has("partitions")) {
            throw new IllegalArgumentException("partitions spread a queue over the masters of a Redis Cluster; one Redis"
                    + " gains nothing from them: use a redis-cluster:// URL, or leave the option out");
        }
        boolean ssl = scheme.equals("rediss");
        Common common = common(options, ssl);
        RedisURI.Builder builder = RedisURI.builder().withHost(host).withPort(port).withDatabase(database);
        return common.settings(List.of(common.uri(builder, uri)), database, false);
    }

    /**
     * {@code redis-cluster://[user:password@]host1:port1,host2:port2[/][?options]}: the nodes are where the client
     * learns the topology from (one that answers is enough; it finds the others itself); a cluster has database 0 only.
     */
    private static RedisSettings parseCluster(URI uri, boolean ssl) {
        String authority = uri.getRawAuthority();
        if (authority == null || authority.isEmpty()) {
            throw new IllegalArgumentException("the Redis Cluster URL names no node: " + redact(uri)
                    + " (write redis-cluster://host1:7000,host2:7001)");
        }
        String userInfo = null;
        int at = authority.lastIndexOf('@');
        if (at >= 0) {
            userInfo = authority.substring(0, at);
            authority = authority.substring(at + 1);
        }
        String path = uri.getRawPath();
        if (path != null && !path.isEmpty() && !path.equals("/") && !path.equals("/0")) {
            throw new IllegalArgumentException("a Redis Cluster has database 0 only, so its URL has no path but / or /0,"
                    + " was '" + path + "' in " + redact(uri));
        }
        UrlOptions options = UrlOptions.parse(uri, "Redis", OPTIONS);
        Common common = common(options, ssl);
        List<RedisURI> nodes = new ArrayList<>();
        for (String node : authority.split(",")) {
            int colon = node.lastIndexOf(':');
            String host = colon < 0 ? node : node.substring(0, colon);
            String port = colon < 0 ? "" : node.substring(colon + 1);
            if (host.startsWith("[") && host.endsWith("]")) {
                host = host.substring(1, host.length() - 1);
            }
            if (host.isEmpty()) {
                throw new IllegalArgumentException("a node of the Redis Cluster URL names no host: '" + node + "' in "
                        + redact(uri) + " (write redis-cluster://host1:7000,host2:7001)");
            }
            int portNumber;
            try {
                portNumber = port.isEmpty() ? RedisURI.DEFAULT_REDIS_PORT : Integer.parseInt(port);
            } catch (NumberFormatException e) {
                portNumber = -1;
            }
            if (portNumber < 1 || portNumber > 65535) {
                throw new IllegalArgumentException("the port of node '" + node + "' of the Redis Cluster URL is not a port"
                        + " number: " + redact(uri));
            }
            nodes.add(common.uri(RedisURI.builder().withHost(host).withPort(portNumber), userInfo));
        }
        return common.settings(nodes, 0, true);
    }

    /** What both kinds of URL say beside where to connect. */
    private record Common(String prefix, Duration visibility, int maxDeliveries, Duration resultTtl, int levels,
                          Duration timeout, TlsFiles tls, int partitions, int waitReplicas) {

        RedisURI uri(RedisURI.Builder builder, URI uri) {
            return uri(builder, uri.getRawUserInfo());
        }

        RedisURI uri(RedisURI.Builder builder, String userInfo) {
            builder.withSsl(tls != null).withTimeout(timeout);
            if (tls != null) {
                builder.withVerifyPeer(tls.verifyPeer());
            }
            if (userInfo != null && !userInfo.isEmpty()) {
                int colon = userInfo.indexOf(':');
                String user = colon < 0 ? "" : UrlOptions.decode(userInfo.substring(0, colon));
                String password = UrlOptions.decode(colon < 0 ? userInfo : userInfo.substring(colon + 1));
                if (user.isEmpty()) {
                    builder.withPassword(password.toCharArray());
                } else {
                    builder.withAuthentication(user, password.toCharArray());
                }
            }
            return builder.build();
        }

        RedisSettings settings(List<RedisURI> nodes, int database, boolean cluster) {
            return new RedisSettings(nodes.get(0), database, prefix, visibility, maxDeliveries, resultTtl, levels, timeout, tls,
                    cluster ? nodes : List.of(), partitions, waitReplicas);
        }
    }

    private static Common common(UrlOptions options, boolean ssl) {
        Map<String, String> query = options.asMap();
        String prefix = query.getOrDefault("prefix", DEFAULT_PREFIX);
        if (prefix.isEmpty() || prefix.chars().anyMatch(c -> Character.isWhitespace(c) || Character.isISOControl(c))) {
            throw new IllegalArgumentException("prefix must be a non-empty word without spaces, was '" + prefix + "'");
        }
        Duration visibility = options.duration("visibility-timeout", DEFAULT_VISIBILITY_TIMEOUT, Duration.ZERO);
        if (visibility.toMillis() < 100) {
            throw new IllegalArgumentException("visibility-timeout must be at least 100ms, was " + visibility);
        }
        int maxDeliveries = options.integer("max-deliveries", DEFAULT_MAX_DELIVERIES, 1, 1_000_000);
        Duration resultTtl = options.duration("result-ttl", DEFAULT_RESULT_TTL, Duration.ZERO);
        if (resultTtl.toMillis() < 1) {
            throw new IllegalArgumentException("result-ttl must be positive, was " + resultTtl);
        }
        int levels = options.integer("priority-levels", DEFAULT_PRIORITY_LEVELS, 1, 10);
        Duration timeout = options.duration("timeout", DEFAULT_COMMAND_TIMEOUT, Duration.ZERO);
        if (timeout.toMillis() < 1) {
            throw new IllegalArgumentException("timeout must be positive, was " + timeout);
        }
        int partitions = options.integer("partitions", 1, 1, MAX_PARTITIONS);
        int waitReplicas = options.integer("wait-replicas", 0, 0, 100);
        TlsFiles tls = ssl ? tls(query) : null;
        if (!ssl) {
            for (String option : TLS_OPTIONS) {
                if (query.containsKey(option)) {
                    throw new IllegalArgumentException(option + " is a TLS option: use a rediss:// URL to connect over TLS"
                            + " (rediss-cluster:// for a Redis Cluster)");
                }
            }
        }
        return new Common(prefix, visibility, maxDeliveries, resultTtl, levels, timeout, tls, partitions, waitReplicas);
    }

    private static TlsFiles tls(Map<String, String> query) {
        Path ca = readableFile(query, "ca-file");
        Path cert = readableFile(query, "cert-file");
        Path key = readableFile(query, "key-file");
        if ((cert == null) != (key == null)) {
            throw new IllegalArgumentException("cert-file and key-file go together: the client presents its certificate"
                    + " and proves it holds the key; give both or neither");
        }
        String verify = query.getOrDefault("verify-peer", "full").trim().toLowerCase(Locale.ROOT);
        SslVerifyMode mode = switch (verify) {
            case "full" -> SslVerifyMode.FULL;
            case "ca" -> SslVerifyMode.CA;
            case "none" -> SslVerifyMode.NONE;
            default -> throw new IllegalArgumentException("verify-peer must be full, ca or none, was '" + verify + "'");
        };
        return new TlsFiles(ca, cert, key, mode);
    }

    private static Path readableFile(Map<String, String> query, String name) {
        String text = query.get(name);
        if (text == null) {
            return null;
        }
        Path path = Path.of(text);
        if (!Files.isRegularFile(path) || !Files.isReadable(path)) {
            throw new IllegalArgumentException(name + " " + path + " is not a file this process can read");
        }
        return path;
    }

    private static int parseDatabase(URI uri) {
        String path = uri.getPath();
        if (path == null || path.isEmpty() || path.equals("/")) {
            return 0;
        }
        try {
            int db = Integer.parseInt(path.substring(1));
            if (db < 0) {
                throw new NumberFormatException();
            }
            return db;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("the path of a Redis URL is the database number (/0, /1...), was '"
                    + path + "' in " + redact(uri));
        }
    }

    /** The URL without its password, for messages. */
    public static String redact(URI uri) {
        return UrlMasking.mask(uri);
    }

    /** Where this connects, as a URL without credentials: for messages and logs. */
    public String address() {
        if (cluster()) {
            StringBuilder b = new StringBuilder(tls != null ? "rediss-cluster://" : "redis-cluster://");
            for (int i = 0; i < clusterNodes.size(); i++) {
                b.append(i == 0 ? "" : ",").append(clusterNodes.get(i).getHost()).append(':').append(clusterNodes.get(i).getPort());
            }
            return b.append('/').toString();
        }
        return (tls != null ? "rediss://" : "redis://") + redisUri.getHost() + ":" + redisUri.getPort() + "/" + database;
    }

    /** Never the password: the record's own would print the {@link RedisURI}, credentials and all. */
    @Override
    public String toString() {
        return "RedisSettings[" + address() + ", prefix=" + prefix + ", visibility-timeout=" + visibilityTimeout
                + ", max-deliveries=" + maxDeliveries + ", result-ttl=" + resultTtl + ", priority-levels=" + priorityLevels
                + ", timeout=" + commandTimeout + (partitions > 1 ? ", partitions=" + partitions : "")
                + (waitReplicas > 0 ? ", wait-replicas=" + waitReplicas : "")
                + (tls == null ? "" : ", " + tls) + "]";
    }

    /** The priority level (0 = lowest) that a message priority 0-9 goes to. */
    public int levelOf(int priority) {
        return priority * priorityLevels / 10;
    }
}
