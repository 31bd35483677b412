package dev.amdahl.spi;

import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A {@link Broker} that hands every call to another one, default methods included: extend it and override
 * the methods a decorator changes (counting, tracing, a test's injected fault).
 *
 * <pre>{@code
 * // a broker whose acknowledgements fail, to see that the worker leaves the message to redelivery
 * Broker flaky = new ForwardingBroker(broker) {
 *     @Override
 *     public void ack(Delivery delivery) {
 *         throw new IllegalStateException("connection reset");
 *     }
 * };
 * }</pre>
 *
 * <p>Every method of {@code Broker} is forwarded, so a method the interface gains later must be added here
 * too, or it would run the interface's default rather than the delegate's.
 */
public class ForwardingBroker implements Broker {

    private final Broker delegate;

    public ForwardingBroker(Broker delegate) {
        this.delegate = Objects.requireNonNull(delegate, "delegate");
    }

    /** The broker every call goes to. */
    protected Broker delegate() {
        return delegate;
    }

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
    public void ackAll(List<Delivery> deliveries) {
        delegate.ackAll(deliveries);
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
    public boolean extendLease(Delivery delivery) {
        return delegate.extendLease(delivery);
    }

    @Override
    public Optional<Duration> visibilityTimeout() {
        return delegate.visibilityTimeout();
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
    public int requeueDeadLetter(String queue, String messageId) {
        return delegate.requeueDeadLetter(queue, messageId);
    }

    @Override
    public int dropDeadLetter(String queue, String messageId) {
        return delegate.dropDeadLetter(queue, messageId);
    }

    @Override
    public boolean isShared() {
        return delegate.isShared();
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
