package dev.amdahl.spi;

import java.time.Clock;
import java.util.Objects;

/**
 * What the application hands a provider when it opens a broker or backend.
 *
 * @param clock the clock for delays and timestamps; tests inject their own
 */
public record ProviderContext(Clock clock) {

    public ProviderContext {
        Objects.requireNonNull(clock, "clock");
    }

    /** The system clock in UTC. */
    public static ProviderContext ofDefaults() {
        return new ProviderContext(Clock.systemUTC());
    }
}
