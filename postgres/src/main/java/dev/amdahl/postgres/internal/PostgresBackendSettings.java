package dev.amdahl.postgres.internal;

import dev.amdahl.spi.UrlOptions;
import java.net.URI;
import java.time.Duration;

/**
 * What a {@code postgres://} URL says to the result backend beyond the connection: how long results live and how
 * often their cleanup may run.
 *
 * <pre>{@code postgres://app@db/appdb?schema=amdahl&result-ttl=1d&cleanup-interval=10s}</pre>
 *
 * @param connection      where and how to connect, as the broker reads it
 * @param resultTtl       how long a record, a counter or a key stays after its last write (a counter with a time to
 *                        live of its own keeps that)
 * @param cleanupInterval how often, at most, some client of the schema deletes what has expired and vacuums the
 *                        tables that churn
 */
public record PostgresBackendSettings(PostgresSettings connection, Duration resultTtl, Duration cleanupInterval) {

    public static final Duration DEFAULT_RESULT_TTL = Duration.ofDays(1);
    public static final Duration DEFAULT_CLEANUP_INTERVAL = Duration.ofSeconds(10);

    /**
     * Parses a URL.
     *
     * @throws IllegalArgumentException naming the part of the URL that is wrong
     */
    public static PostgresBackendSettings parse(URI uri) {
        PostgresSettings connection = PostgresSettings.parse(uri);
        UrlOptions options = UrlOptions.parse(uri, "PostgreSQL", PostgresSettings.OPTIONS);
        Duration ttl = options.duration("result-ttl", DEFAULT_RESULT_TTL, Duration.ofMillis(1));
        Duration cleanup = options.duration("cleanup-interval", DEFAULT_CLEANUP_INTERVAL, Duration.ofMillis(100));
        return new PostgresBackendSettings(connection, ttl, cleanup);
    }
}
