package dev.amdahl.postgres;

import dev.amdahl.postgres.internal.PostgresBroker;
import dev.amdahl.postgres.internal.PostgresSettings;
import dev.amdahl.spi.Broker;
import dev.amdahl.spi.BrokerProvider;
import dev.amdahl.spi.ProviderContext;
import java.net.URI;
import java.util.Set;

/**
 * Opens a {@link Broker} on PostgreSQL for {@code postgres://} and {@code postgresql://} URLs. Found by
 * {@link java.util.ServiceLoader}; applications name the URL and never this class:
 *
 * <pre>{@code
 * Broker broker = new PostgresBrokerProvider().open(
 *         URI.create("postgres://app:secret@127.0.0.1:5432/appdb?schema=amdahl&visibility-timeout=60s"),
 *         ProviderContext.ofDefaults());
 * }</pre>
 *
 * <p>URL options: {@code schema} (default {@code amdahl}: where the tables are, created and upgraded on open),
 * {@code pool} (default 4 connections), {@code visibility-timeout} (default 60s), {@code max-deliveries} (default 5),
 * {@code timeout} (default 10s), and the driver's {@code sslmode}, {@code sslrootcert}, {@code sslcert},
 * {@code sslkey}, passed through. An unknown option is an error.
 */
public final class PostgresBrokerProvider implements BrokerProvider {

    @Override
    public Set<String> schemes() {
        return Set.of("postgres", "postgresql");
    }

    @Override
    public Broker open(URI uri, ProviderContext context) {
        return new PostgresBroker(PostgresSettings.parse(uri), context.clock());
    }
}
