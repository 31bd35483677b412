package dev.amdahl.internal.memory;

import dev.amdahl.spi.Broker;
import dev.amdahl.spi.BrokerProvider;
import dev.amdahl.spi.ProviderContext;
import dev.amdahl.spi.ResultBackend;
import dev.amdahl.spi.ResultBackendProvider;
import java.net.URI;
import java.util.Set;

/** {@code memory://}: the embedded broker and backend, private to the application that opens them. */
public final class MemoryProvider implements BrokerProvider {

    @Override
    public Set<String> schemes() {
        return Set.of("memory");
    }

    @Override
    public Broker open(URI uri, ProviderContext context) {
        return new MemoryBroker(context.clock());
    }

    /** The result backend of {@code memory://}; a class of its own because both provider interfaces name their method {@code open}. */
    public static final class Backend implements ResultBackendProvider {
        @Override
        public Set<String> schemes() {
            return Set.of("memory");
        }

        @Override
        public ResultBackend open(URI uri, ProviderContext context) {
            return new MemoryResultBackend(context.clock());
        }
    }
}
