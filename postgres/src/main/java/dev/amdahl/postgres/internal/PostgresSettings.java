package dev.amdahl.postgres.internal;

import dev.amdahl.spi.UrlMasking;
import dev.amdahl.spi.UrlOptions;
import java.net.URI;
import java.time.Duration;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * What a {@code postgres://} or {@code postgresql://} URL says, checked once so that a typo fails when the application
 * starts, with a message that names the option.
 *
 * <pre>{@code postgres://[user[:password]@]host[:port]/database[?schema=amdahl&pool=4&visibility-timeout=60s&max-deliveries=5&sslmode=require]}</pre>
 *
 * @param jdbcUrl           the pgJDBC URL: host, port, database, and the SSL options passed through
 * @param user              the user, {@code null} for the driver's default
 * @param password          the password, {@code null} for none; never printed
 * @param schema            where the tables live, created by the module's migrations
 * @param pool              connections in the pool
 * @param visibilityTimeout how long a claimed message may go without an ack or a lease extension before another
 *                          consumer may take it
 * @param maxDeliveries     deliveries without an acknowledgement before a message is dead-lettered
 * @param address           where it connects, without credentials: for messages and logs
 */
public record PostgresSettings(String jdbcUrl, String user, String password, String schema, int pool,
                               Duration visibilityTimeout, int maxDeliveries, String address) {

    public static final Duration DEFAULT_VISIBILITY_TIMEOUT = Duration.ofSeconds(60);
    public static final int DEFAULT_MAX_DELIVERIES = 5;
    private static final Pattern IDENTIFIER = Pattern.compile("[a-z_][a-z0-9_]{0,62}");
    private static final Set<String> SSL_OPTIONS = Set.of("sslmode", "sslrootcert", "sslcert", "sslkey");
    /** Every option of the URL, the result backend's among them: one URL may name the broker and the backend. */
    static final Set<String> OPTIONS = Set.of("schema", "pool", "visibility-timeout", "max-deliveries", "timeout",
            "sslmode", "sslrootcert", "sslcert", "sslkey", "result-ttl", "cleanup-interval");

    /**
     * Parses a URL.
     *
     * @throws IllegalArgumentException naming the part of the URL that is wrong
     */
    public static PostgresSettings parse(URI uri) {
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("postgres") && !scheme.equals("postgresql")) {
            throw new IllegalArgumentException("not a PostgreSQL URL (postgres:// or postgresql://): " + UrlMasking.mask(uri));
        }
        String host = uri.getHost();
        if (host == null || host.isEmpty()) {
            throw new IllegalArgumentException("the PostgreSQL URL names no host: " + UrlMasking.mask(uri));
        }
        int port = uri.getPort() == -1 ? 5432 : uri.getPort();
        String path = uri.getPath() == null ? "" : uri.getPath();
        String database = path.startsWith("/") ? path.substring(1) : path;
        if (database.isEmpty() || database.contains("/")) {
            throw new IllegalArgumentException("the path of a PostgreSQL URL is the database (postgres://host/mydb), was '"
                    + path + "' in " + UrlMasking.mask(uri));
        }
        UrlOptions options = UrlOptions.parse(uri, "PostgreSQL", OPTIONS);
        String schema = options.text("schema").orElse("amdahl");
        if (!IDENTIFIER.matcher(schema).matches()) {
            throw new IllegalArgumentException("schema must be a lower-case SQL name (letters, digits, _), was '" + schema + "'");
        }
        int pool = options.integer("pool", 4, 1, 1_000);
        Duration visibility = options.duration("visibility-timeout", DEFAULT_VISIBILITY_TIMEOUT, Duration.ofMillis(100));
        int maxDeliveries = options.integer("max-deliveries", DEFAULT_MAX_DELIVERIES, 1, 1_000_000);
        Duration timeout = options.duration("timeout", Duration.ofSeconds(10), Duration.ofMillis(1));

        StringBuilder jdbc = new StringBuilder("jdbc:postgresql://").append(host).append(':').append(port).append('/')
                .append(database).append("?ApplicationName=amdahl&connectTimeout=")
                .append(Math.max(1, timeout.toSeconds())).append("&socketTimeout=").append(Math.max(1, timeout.toSeconds()) * 3);
        for (String ssl : SSL_OPTIONS) {
            options.text(ssl).ifPresent(v -> jdbc.append('&').append(ssl).append('=').append(java.net.URLEncoder.encode(v,
                    java.nio.charset.StandardCharsets.UTF_8)));
        }
        String user = null;
        String password = null;
        String userInfo = uri.getRawUserInfo();
        if (userInfo != null && !userInfo.isEmpty()) {
            int colon = userInfo.indexOf(':');
            user = UrlOptions.decode(colon < 0 ? userInfo : userInfo.substring(0, colon));
            password = colon < 0 ? null : UrlOptions.decode(userInfo.substring(colon + 1));
        }
        String address = "postgres://" + host + ":" + port + "/" + database + "?schema=" + schema;
        return new PostgresSettings(jdbc.toString(), user, password, schema, pool, visibility, maxDeliveries, address);
    }

    /** Never the password. */
    @Override
    public String toString() {
        return "PostgresSettings[" + address + ", user=" + user + ", pool=" + pool + ", visibility-timeout=" + visibilityTimeout
                + ", max-deliveries=" + maxDeliveries + "]";
    }
}
