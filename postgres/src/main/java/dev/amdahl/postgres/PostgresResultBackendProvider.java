package dev.amdahl.postgres;

import dev.amdahl.postgres.internal.PostgresBackendSettings;
import dev.amdahl.postgres.internal.PostgresResultBackend;
import dev.amdahl.postgres.internal.PostgresSettings;
import dev.amdahl.spi.ProviderContext;
import dev.amdahl.spi.ResultBackend;
import dev.amdahl.spi.ResultBackendProvider;
import java.net.URI;
import java.util.Set;

/**
 * Opens a {@link ResultBackend} on PostgreSQL for {@code postgres://} and {@code postgresql://} URLs: a row per task
 * with an expiry, waiters woken by {@code LISTEN/NOTIFY}, counters, idempotency keys, claims and the revocation and
 * update feeds. Found by {@link java.util.ServiceLoader}; applications name the URL and never this class:
 *
 * <pre>{@code
 * ResultBackend backend = new PostgresResultBackendProvider().open(
 *         URI.create("postgres://app:secret@127.0.0.1:5432/appdb?schema=amdahl&result-ttl=1d"),
 *         ProviderContext.ofDefaults());
 * }</pre>
 *
 * <p>URL options, beside the broker's ({@link PostgresBrokerProvider}; one URL may name both): {@code result-ttl}
 * (default 1d: how long a record, a counter or a key stays after its last write) and {@code cleanup-interval}
 * (default 10s: how often, at most, one client of the schema deletes what has expired and vacuums the
 * tables that churn).
 */
public final class PostgresResultBackendProvider implements ResultBackendProvider {

    private static final Set<String> SCHEMES = Set.of("postgres", "postgresql");

    @Override
    public Set<String> schemes() {
        return SCHEMES;
    }

    @Override
    public ResultBackend open(URI uri, ProviderContext context) {
        PostgresBackendSettings settings = PostgresBackendSettings.parse(uri);
        return new PostgresResultBackend(settings, context.clock(), besideBroker(settings, context));
    }

    /** Whether the application's broker is PostgreSQL on the server this backend writes to (named alike). */
    static boolean besideBroker(PostgresBackendSettings settings, ProviderContext context) {
        return context.brokerUrl().filter(b -> SCHEMES.contains(b.getScheme())).map(b -> {
            try {
                return server(PostgresSettings.parse(b)).equals(server(settings.connection()));
            } catch (RuntimeException notOurs) {
                return false;
            }
        }).orElse(false);
    }

    private static String server(PostgresSettings s) {
        String address = s.address();                       // postgres://host:port/database?schema=...
        return address.substring(0, address.indexOf('/', "postgres://".length()));
    }
}
