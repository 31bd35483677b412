package dev.amdahl.spi;

import java.net.URI;
import java.time.Clock;
import java.util.Objects;
import java.util.Optional;

/**
 * What the application hands a provider when it opens a broker or backend.
 *
 * @param clock  the clock for delays and timestamps; tests inject their own
 * @param broker when a result backend is opened: the URL of the application's broker, if it was opened from one
 *               ({@code null} otherwise, and when a broker is opened). A backend on the same server as the broker may
 *               lean on that: PostgreSQL's backend commits without waiting for the disk when the broker's
 *               acknowledgements go through the same write-ahead log
 */
public record ProviderContext(Clock clock, URI broker) {

    public ProviderContext {
        Objects.requireNonNull(clock, "clock");
    }

    public ProviderContext(Clock clock) {
        this(clock, null);
    }

    /** The system clock in UTC. */
    public static ProviderContext ofDefaults() {
        return new ProviderContext(Clock.systemUTC());
    }

    /** This context for a result backend of an application whose broker is at {@code brokerUrl}. */
    public ProviderContext withBroker(URI brokerUrl) {
        return new ProviderContext(clock, brokerUrl);
    }

    /** The application's broker URL, where a result backend is opened for one; see {@link #broker}. */
    public Optional<URI> brokerUrl() {
        return Optional.ofNullable(broker);
    }
}
