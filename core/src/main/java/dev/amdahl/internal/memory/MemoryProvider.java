package dev.amdahl.internal.memory;

import dev.amdahl.spi.Broker;
import dev.amdahl.spi.BrokerProvider;
import dev.amdahl.spi.ProviderContext;
import dev.amdahl.spi.ResultBackend;
import dev.amdahl.spi.ResultBackendProvider;
import dev.amdahl.spi.UrlOptions;
import java.net.URI;
import java.time.Duration;
import java.util.Set;

/**
 * {@code memory://}: the embedded broker and backend, private to the application that opens them.
 * {@code memory://?visibility-timeout=60s&max-deliveries=5} sets the broker's lease and delivery limit,
 * {@code memory://?result-ttl=1d} how long the backend keeps results. One URL names both (an application on
 * {@code memory://} gets its backend from the broker's URL, as on Redis), so each side takes every option and uses its own.
 */
public final class MemoryProvider implements BrokerProvider {

    private static final Set<String> OPTIONS = Set.of("visibility-timeout", "max-deliveries", "result-ttl");

    @Override
    public Set<String> schemes() {
        return Set.of("memory");
    }

    @Override
    public Broker open(URI uri, ProviderContext context) {
        UrlOptions options = UrlOptions.parse(uri, "embedded broker", OPTIONS);
        return new MemoryBroker(context.clock(),
                options.duration("visibility-timeout", MemoryBroker.DEFAULT_VISIBILITY_TIMEOUT, Duration.ofMillis(100)),
                options.integer("max-deliveries", MemoryBroker.DEFAULT_MAX_DELIVERIES, 1, 1_000_000));
    }

    /** The result backend of {@code memory://}; a class of its own because both provider interfaces name their method {@code open}. */
    public static final class Backend implements ResultBackendProvider {
        @Override
        public Set<String> schemes() {
            return Set.of("memory");
        }

        @Override
        public ResultBackend open(URI uri, ProviderContext context) {
            UrlOptions options = UrlOptions.parse(uri, "embedded result backend", OPTIONS);
            return new MemoryResultBackend(context.clock(),
                    options.duration("result-ttl", MemoryResultBackend.DEFAULT_RESULT_TTL, Duration.ofMillis(1)));
        }
    }
}
