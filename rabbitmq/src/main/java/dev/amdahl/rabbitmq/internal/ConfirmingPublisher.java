package dev.amdahl.rabbitmq.internal;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.ConfirmListener;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ShutdownSignalException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentNavigableMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Publishes on one channel in confirm mode and waits for the broker's confirms asynchronously: a publish holds the
 * channel only while it writes its frames, then waits for its own confirm outside the lock, so concurrent publishers
 * share the broker's cumulative acks ({@code multiple=true}) instead of taking turns at a round trip each. A batch
 * writes up to {@code confirmBatch} messages before it waits, so a group of 10,000 is a few waits, not 10,000.
 *
 * <p>Invariants: every sequence number written is in {@link #pending} until the broker acks or nacks it, or the
 * channel closes (then every pending publish fails, since a closed channel's confirms never come: the caller may
 * publish again, which is at-least-once, never silently lost). A publish returns normally only after its ack.
 */
final class ConfirmingPublisher implements AutoCloseable {

    /** One message to write. */
    record Outgoing(String exchange, String routingKey, AMQP.BasicProperties properties, byte[] body) {
    }

    private final Connection connection;
    private final Duration timeout;
    private final int confirmBatch;
    private final ReentrantLock writing = new ReentrantLock();
    private final ConcurrentNavigableMap<Long, CompletableFuture<Void>> pending = new ConcurrentSkipListMap<>();
    private Channel channel;

    ConfirmingPublisher(Connection connection, Duration timeout, int confirmBatch) {
        this.connection = connection;
        this.timeout = timeout;
        this.confirmBatch = confirmBatch;
    }

    /** Publishes one message; returns once the broker confirmed it. */
    void publish(Outgoing message) {
        publishAll(List.of(message));
    }

    /** Publishes the messages in order, waiting for confirms every {@code confirmBatch} messages and at the end. */
    void publishAll(List<Outgoing> messages) {
        for (int from = 0; from < messages.size(); from += confirmBatch) {
            List<Outgoing> batch = messages.subList(from, Math.min(messages.size(), from + confirmBatch));
            await(write(batch));
        }
    }

    private List<CompletableFuture<Void>> write(List<Outgoing> batch) {
        List<CompletableFuture<Void>> confirms = new ArrayList<>(batch.size());
        writing.lock();
        try {
            Channel ch = channel();
            for (Outgoing m : batch) {
                CompletableFuture<Void> confirmed = new CompletableFuture<>();
                long seq = ch.getNextPublishSeqNo();
                pending.put(seq, confirmed);
                confirms.add(confirmed);
                try {
                    ch.basicPublish(m.exchange(), m.routingKey(), false, m.properties(), m.body());
                } catch (IOException | RuntimeException e) {
                    pending.remove(seq);
                    failPending(e);
                    throw new UncheckedIOException(new IOException("publishing to RabbitMQ failed: " + e.getMessage(), e));
                }
            }
        } finally {
            writing.unlock();
        }
        return confirms;
    }

    private void await(List<CompletableFuture<Void>> confirms) {
        long deadline = System.nanoTime() + timeout.toNanos();
        for (CompletableFuture<Void> c : confirms) {
            try {
                c.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for RabbitMQ to confirm a publish; it may or"
                        + " may not have taken the message", e);
            } catch (ExecutionException e) {
                throw new IllegalStateException(e.getCause().getMessage(), e.getCause());
            } catch (TimeoutException e) {
                throw new IllegalStateException("RabbitMQ did not confirm a publish within " + timeout.toMillis() + " ms"
                        + " (a memory or disk alarm blocks publishers, or the connection is gone); the message may or may"
                        + " not be queued. Check the broker's alarms: rabbitmq-diagnostics alarms", e);
            }
        }
    }

    /** The open channel, opened again when the broker closed the last one (a channel error, a recovery that failed). */
    private Channel channel() throws UncheckedIOException {
        if (channel != null && channel.isOpen()) {
            return channel;
        }
        try {
            Channel ch = connection.createChannel();
            if (ch == null) {
                throw new IOException("the connection has no free channel");
            }
            ch.confirmSelect();
            ch.addConfirmListener(new ConfirmListener() {
                @Override
                public void handleAck(long tag, boolean multiple) {
                    settle(tag, multiple, null);
                }

                @Override
                public void handleNack(long tag, boolean multiple) {
                    settle(tag, multiple, "RabbitMQ refused to take a message (basic.nack: an internal error of the"
                            + " queue, or a full queue that rejects publishes); publish it again");
                }
            });
            ch.addShutdownListener(this::failPending);
            channel = ch;
            return ch;
        } catch (IOException e) {
            throw new UncheckedIOException(new IOException("cannot open a channel to RabbitMQ: " + e.getMessage(), e));
        }
    }

    private void settle(long tag, boolean multiple, String nack) {
        Map<Long, CompletableFuture<Void>> done = multiple ? pending.headMap(tag, true) : pending.subMap(tag, true, tag, true);
        for (Long seq : List.copyOf(done.keySet())) {
            CompletableFuture<Void> f = pending.remove(seq);
            if (f == null) {
                continue;
            }
            if (nack == null) {
                f.complete(null);
            } else {
                f.completeExceptionally(new IllegalStateException(nack));
            }
        }
    }

    /**
     * The channel closed or a write failed: the confirms of what was written will not come (an automatically
     * recovered channel numbers its publishes afresh), so each waiting publisher hears the failure now.
     */
    private void failPending(Throwable cause) {
        String why = cause instanceof ShutdownSignalException s && s.getReason() != null
                ? s.getReason().protocolMethodName() : cause.getMessage();
        IllegalStateException failure = new IllegalStateException("the RabbitMQ channel closed before the broker confirmed"
                + " a publish (" + why + "); the message may or may not be queued", cause);
        for (Long seq : List.copyOf(pending.keySet())) {
            CompletableFuture<Void> f = pending.remove(seq);
            if (f != null) {
                f.completeExceptionally(failure);
            }
        }
    }

    @Override
    public void close() {
        writing.lock();
        try {
            if (channel != null && channel.isOpen()) {
                channel.close();
            }
        } catch (IOException | TimeoutException | ShutdownSignalException e) {
            // closing anyway: the connection goes next
        } finally {
            writing.unlock();
        }
    }
}
