package dev.amdahl.examples;

import dev.amdahl.spi.Broker;
import dev.amdahl.spi.DeadLetter;
import dev.amdahl.spi.Delivery;
import dev.amdahl.spi.OutboundMessage;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.LongAdder;

/**
 * A broker that counts the bytes published through it, clients' and workers' (retries, workflow steps) alike: what
 * the queue carried, the figure {@link PipelineJob} compares by value and by reference. Everything else is the
 * delegate's.
 */
final class CountingBroker implements Broker {

    private final Broker delegate;
    private final LongAdder bytes = new LongAdder();
    private final LongAdder messages = new LongAdder();

    CountingBroker(Broker delegate) {
        this.delegate = delegate;
    }

    /** The bytes of every message body published so far. */
    long bytes() {
        return bytes.sum();
    }

    /** How many messages were published so far. */
    long messages() {
        return messages.sum();
    }

    @Override
    public void publish(String queue, OutboundMessage message) {
        bytes.add(message.body().length);
        messages.increment();
        delegate.publish(queue, message);
    }

    @Override
    public void publishAll(String queue, List<OutboundMessage> out) {
        for (OutboundMessage m : out) {
            bytes.add(m.body().length);
            messages.increment();
        }
        delegate.publishAll(queue, out);
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
}
