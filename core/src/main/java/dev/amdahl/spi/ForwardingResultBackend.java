package dev.amdahl.spi;

import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * A {@link ResultBackend} that hands every call to another one, default methods included: extend it and
 * override the methods a decorator changes (counting, tracing, a test's injected fault).
 *
 * <pre>{@code
 * // a backend that is down for the first two stores
 * AtomicInteger failures = new AtomicInteger(2);
 * ResultBackend flaky = new ForwardingResultBackend(backend) {
 *     @Override
 *     public Map<String, TaskRecord> storeAllUnlessFinal(List<TaskRecord> records) {
 *         if (failures.getAndDecrement() > 0) {
 *             throw new IllegalStateException("backend down");
 *         }
 *         return super.storeAllUnlessFinal(records);
 *     }
 * };
 * }</pre>
 *
 * <p>Every method of {@code ResultBackend} is forwarded, so a method the interface gains later must be added
 * here too, or it would run the interface's default rather than the delegate's.
 */
public class ForwardingResultBackend implements ResultBackend {

    private final ResultBackend delegate;

    public ForwardingResultBackend(ResultBackend delegate) {
        this.delegate = Objects.requireNonNull(delegate, "delegate");
    }

    /** The backend every call goes to. */
    protected ResultBackend delegate() {
        return delegate;
    }

    @Override
    public void store(TaskRecord record) {
        delegate.store(record);
    }

    @Override
    public void storeAll(List<TaskRecord> records) {
        delegate.storeAll(records);
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
    public Map<String, TaskRecord> getAll(Collection<String> taskIds) {
        return delegate.getAll(taskIds);
    }

    @Override
    public Registration whenReady(String taskId, Consumer<TaskRecord> callback) {
        return delegate.whenReady(taskId, callback);
    }

    @Override
    public Registration whenReadyUnpublished(String taskId, Consumer<TaskRecord> callback) {
        return delegate.whenReadyUnpublished(taskId, callback);
    }

    @Override
    public Optional<TaskRecord> await(String taskId, Duration timeout) throws InterruptedException {
        return delegate.await(taskId, timeout);
    }

    @Override
    public long increment(String key, long delta) {
        return delegate.increment(key, delta);
    }

    @Override
    public long increment(String key, long delta, Duration ttl) {
        return delegate.increment(key, delta, ttl);
    }

    /**
     * The delegate's capabilities, as the delegate's own objects: calls made through a capability (a claim, an
     * idempotency key, a feed) reach the delegate directly, not the methods a subclass overrides here.
     */
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
        delegate.close();
    }

    @Override
    public String toString() {
        return getClass().getSimpleName() + "[" + delegate + "]";
    }
}
