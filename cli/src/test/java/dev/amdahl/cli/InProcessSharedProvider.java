package dev.amdahl.cli;

import dev.amdahl.internal.memory.MemoryBroker;
import dev.amdahl.internal.memory.MemoryResultBackend;
import dev.amdahl.spi.Broker;
import dev.amdahl.spi.BrokerProvider;
import dev.amdahl.spi.ForwardingBroker;
import dev.amdahl.spi.ForwardingResultBackend;
import dev.amdahl.spi.ProviderContext;
import dev.amdahl.spi.ResultBackend;
import dev.amdahl.spi.ResultBackendProvider;
import java.net.URI;
import java.time.Clock;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * {@code test-shared://NAME}: a stand-in for a real broker in the CLI tests. Every application in this
 * JVM that opens the same NAME shares one embedded broker and backend, as separate processes share a
 * Redis; closing an application leaves them open for the others.
 */
public final class InProcessSharedProvider implements BrokerProvider {

    static final String SCHEME = "test-shared";

    private static final Map<String, MemoryBroker> BROKERS = new ConcurrentHashMap<>();
    private static final Map<String, MemoryResultBackend> BACKENDS = new ConcurrentHashMap<>();

    @Override
    public Set<String> schemes() {
        return Set.of(SCHEME);
    }

    @Override
    public Broker open(URI uri, ProviderContext context) {
        return new SharedBroker(BROKERS.computeIfAbsent(uri.getHost(), h -> new MemoryBroker(Clock.systemUTC())));
    }

    /** The backend half of the scheme. */
    public static final class Backend implements ResultBackendProvider {
        @Override
        public Set<String> schemes() {
            return Set.of(SCHEME);
        }

        @Override
        public ResultBackend open(URI uri, ProviderContext context) {
            return new SharedBackend(BACKENDS.computeIfAbsent(uri.getHost(), h -> new MemoryResultBackend()));
        }
    }

    /** A handle on the shared broker: reachable by every application here, and closing it leaves it open. */
    private static final class SharedBroker extends ForwardingBroker {
        SharedBroker(MemoryBroker delegate) {
            super(delegate);
        }

        @Override
        public boolean isShared() {
            return true;
        }

        @Override
        public void close() {
            // shared with the other applications of the test
        }
    }

    /** A handle on the shared backend; closing it leaves it open. */
    private static final class SharedBackend extends ForwardingResultBackend {
        SharedBackend(MemoryResultBackend delegate) {
            super(delegate);
        }

        @Override
        public void close() {
            // shared with the other applications of the test
        }
    }
}
