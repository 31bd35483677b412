package dev.amdahl.cli;

import dev.amdahl.internal.memory.MemoryBroker;
import dev.amdahl.internal.memory.MemoryResultBackend;
import dev.amdahl.spi.Broker;
import dev.amdahl.spi.BrokerProvider;
import dev.amdahl.spi.DeadLetter;
import dev.amdahl.spi.Delivery;
import dev.amdahl.spi.OutboundMessage;
import dev.amdahl.spi.ProviderContext;
import dev.amdahl.spi.Registration;
import dev.amdahl.spi.ResultBackend;
import dev.amdahl.spi.ResultBackendProvider;
import dev.amdahl.spi.TaskRecord;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

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

    private record SharedBroker(MemoryBroker delegate) implements Broker {
        @Override
        public void publish(String queue, OutboundMessage message) {
            delegate.publish(queue, message);
        }

        @Override
        public void publishAll(String queue, List<OutboundMessage> messages) {
            delegate.publishAll(queue, messages);
        }

        @Override
        public List<Delivery> poll(List<String> queues, int max, Duration timeout) throws InterruptedException {
            return delegate.poll(queues, max, timeout);
        }

        @Override
        public void ack(Delivery delivery) {
            delegate.ack(delivery);
        }

        @Override
        public void requeue(Delivery delivery) {
            delegate.requeue(delivery);
        }

        @Override
        public void reject(Delivery delivery, String reason) {
            delegate.reject(delivery, reason);
        }

        @Override
        public void extendLease(Delivery delivery) {
            delegate.extendLease(delivery);
        }

        @Override
        public long depth(String queue) {
            return delegate.depth(queue);
        }

        @Override
        public long purge(String queue) {
            return delegate.purge(queue);
        }

        @Override
        public List<DeadLetter> deadLetters(String queue, int max) {
            return delegate.deadLetters(queue, max);
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

    private record SharedBackend(MemoryResultBackend delegate) implements ResultBackend {
        @Override
        public void store(TaskRecord record) {
            delegate.store(record);
        }

        @Override
        public Map<String, TaskRecord> storeAllUnlessFinal(List<TaskRecord> records) {
            return delegate.storeAllUnlessFinal(records);
        }

        @Override
        public Optional<TaskRecord> get(String taskId) {
            return delegate.get(taskId);
        }

        @Override
        public Registration whenReady(String taskId, Consumer<TaskRecord> callback) {
            return delegate.whenReady(taskId, callback);
        }

        @Override
        public long increment(String key, long delta) {
            return delegate.increment(key, delta);
        }

        @Override
        public long increment(String key, long delta, Duration ttl) {
            return delegate.increment(key, delta, ttl);
        }

        @Override
        public <C extends Capability> Optional<C> capability(Class<C> type) {
            return delegate.capability(type);
        }

        @Override
        public void forget(String taskId) {
            delegate.forget(taskId);
        }

        @Override
        public void close() {
            // shared with the other applications of the test
        }
    }
}
