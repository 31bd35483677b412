package dev.amdahl.rabbitmq.internal;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.AlreadyClosedException;
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
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

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

    /** A message the broker could not route: its queue does not exist (deleted since it was declared). */
    static final class UnroutableException extends IllegalStateException {
        private static final long serialVersionUID = 1L;

        UnroutableException(String message) {
            super(message);
        }
    }

    /** A write awaiting its confirm; {@code returned} is set when the broker returned it unroutable before the ack. */
    private static final class Pending {
        final CompletableFuture<Void> confirmed = new CompletableFuture<>();
        final String routingKey;
        volatile boolean returned;

        Pending(String routingKey) {
            this.routingKey = routingKey;
        }
    }

    /**
     * The publish sequence number, in a header of every message, so a returned message finds its pending publish. It
     * travels on with the message (a consumer ignores it; a copy published again gets a new one).
     */
    static final String SEQUENCE = "x-amdahl-seq";
    private static final Logger log = LoggerFactory.getLogger(ConfirmingPublisher.class);

    /** What a channel needs beside confirm mode, done on each channel this publisher opens. */
    @FunctionalInterface
    interface ChannelSetup {
        void setUp(Channel channel) throws IOException;
    }

    private final Connection connection;
    private final Duration timeout;
    private final int confirmBatch;
    private final ChannelSetup setup;
    private final ReentrantLock writing = new ReentrantLock();
    private final ConcurrentNavigableMap<Long, Pending> pending = new ConcurrentSkipListMap<>();
    private Channel channel;

    ConfirmingPublisher(Connection connection, Duration timeout, int confirmBatch) {
        this(connection, timeout, confirmBatch, channel -> { });
    }

    /**
     * @param setup run on every channel this opens, before its first publish: the rpc backend consumes direct
     *              reply-to there, since RabbitMQ takes a publish that asks for replies only on the channel that
     *              consumes them
     */
    ConfirmingPublisher(Connection connection, Duration timeout, int confirmBatch, ChannelSetup setup) {
        this.connection = connection;
        this.timeout = timeout;
        this.confirmBatch = confirmBatch;
        this.setup = setup;
    }

    /** Opens the channel now, so that what it sets up (a reply consumer) is in place before the first publish. */
    void open() {
        writing.lock();
        try {
            channel();
        } finally {
            writing.unlock();
        }
    }

    /** Publishes one message; returns once the broker confirmed it, or fails if it could not route it. */
    void publish(Outgoing message) {
        List<Outgoing> unroutable = publishAll(List.of(message));
        if (!unroutable.isEmpty()) {
            throw new UnroutableException("RabbitMQ could not route a message to '" + message.routingKey()
                    + "' (exchange '" + message.exchange() + "'): no such queue");
        }
    }

    /**
     * Publishes the messages in order, waiting for confirms every {@code confirmBatch} messages and at the end. A
     * message whose confirm was lost with the connection is published again once the connection is back (the client
     * reconnects on its own), for up to the timeout: it may then be queued twice, never not at all.
     *
     * @return the messages the broker could not route (their queue was deleted): confirmed, but not queued
     * @throws IllegalStateException when the broker refused a message, did not confirm within the timeout, or the
     *                               connection stayed down that long
     */
    List<Outgoing> publishAll(List<Outgoing> messages) {
        return publishAll(messages, null);
    }

    /**
     * {@link #publishAll(List)}, where a message also counts as confirmed once {@code proof} of it completes: what
     * shows that RabbitMQ had the message as surely as its confirm (the rpc backend's reply with the task's outcome).
     *
     * @param proof the proof of each message, made before it is written; {@code null} (or a {@code null} proof): none
     */
    List<Outgoing> publishAll(List<Outgoing> messages, java.util.function.Function<Outgoing, CompletableFuture<?>> proof) {
        List<Outgoing> unroutable = new ArrayList<>();
        for (int from = 0; from < messages.size(); from += confirmBatch) {
            List<Outgoing> batch = messages.subList(from, Math.min(messages.size(), from + confirmBatch));
            Map<Outgoing, CompletableFuture<?>> proofs = new java.util.IdentityHashMap<>();
            if (proof != null) {
                for (Outgoing m : batch) {
                    CompletableFuture<?> p = proof.apply(m);
                    if (p != null) {
                        proofs.put(m, p);
                    }
                }
            }
            long deadline = System.nanoTime() + timeout.toNanos();
            while (!batch.isEmpty()) {
                List<Outgoing> lost = new ArrayList<>();
                List<CompletableFuture<Void>> confirms = write(batch);
                for (int i = 0; i < batch.size() && !proofs.isEmpty(); i++) {
                    CompletableFuture<?> p = proofs.get(batch.get(i));
                    if (p != null) {
                        CompletableFuture<Void> confirmed = confirms.get(i);
                        p.thenRun(() -> confirmed.complete(null));
                    }
                }
                List<Outcome> outcomes = await(confirms, deadline);
                for (int i = 0; i < batch.size(); i++) {
                    Outcome o = i < outcomes.size() ? outcomes.get(i) : Outcome.LOST;
                    if (o == Outcome.UNROUTABLE) {
                        unroutable.add(batch.get(i));
                    } else if (o == Outcome.LOST) {
                        lost.add(batch.get(i));
                    }
                }
                if (!lost.isEmpty()) {
                    awaitConnection(deadline, lost.size());
                }
                batch = lost;
            }
        }
        return unroutable;
    }

    private enum Outcome { CONFIRMED, UNROUTABLE, LOST }

    /** Waits until the connection is back, or fails saying how many messages are in doubt. */
    private void awaitConnection(long deadline, int inDoubt) {
        while (!connection.isOpen()) {
            if (System.nanoTime() >= deadline) {
                throw new IllegalStateException("the connection to RabbitMQ was lost and did not come back within "
                        + timeout.toMillis() + " ms; " + inDoubt + " message(s) may or may not be queued");
            }
            try {
                Thread.sleep(20);  // the client reconnects on its own; this only waits for it
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for RabbitMQ to come back; " + inDoubt
                        + " message(s) may or may not be queued", e);
            }
        }
    }

    /** Writes what it can; a message it could not write has no future (its outcome is {@link Outcome#LOST}). */
    private List<CompletableFuture<Void>> write(List<Outgoing> batch) {
        List<CompletableFuture<Void>> confirms = new ArrayList<>(batch.size());
        writing.lock();
        try {
            Channel ch = channel();
            for (Outgoing m : batch) {
                Pending p = new Pending(m.routingKey());
                long seq = ch.getNextPublishSeqNo();
                pending.put(seq, p);
                // mandatory: a message for a queue that was deleted comes back instead of vanishing with an ack
                Map<String, Object> headers = new java.util.HashMap<>();
                if (m.properties().getHeaders() != null) {
                    headers.putAll(m.properties().getHeaders());
                }
                headers.put(SEQUENCE, seq);
                try {
                    ch.basicPublish(m.exchange(), m.routingKey(), true, m.properties().builder().headers(headers).build(),
                            m.body());
                } catch (IOException | AlreadyClosedException e) {
                    pending.remove(seq);
                    failPending(e);
                    break;
                }
                confirms.add(p.confirmed);
            }
        } catch (AlreadyClosedException | UncheckedIOException e) {
            // no channel while the connection recovers: nothing written, all lost, published again once it is back
            log.debug("publishing while RabbitMQ is unreachable: {}", e.toString());
        } finally {
            writing.unlock();
        }
        return confirms;
    }

    /** Waits for every confirm, until {@code deadline}. */
    private List<Outcome> await(List<CompletableFuture<Void>> confirms, long deadline) {
        List<Outcome> outcomes = new ArrayList<>(confirms.size());
        for (CompletableFuture<Void> confirm : confirms) {
            try {
                confirm.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                outcomes.add(Outcome.CONFIRMED);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for RabbitMQ to confirm a publish; it may or"
                        + " may not have taken the message", e);
            } catch (ExecutionException e) {
                if (e.getCause() instanceof UnroutableException) {
                    outcomes.add(Outcome.UNROUTABLE);
                } else if (e.getCause() instanceof ChannelClosedException) {
                    outcomes.add(Outcome.LOST);
                } else {
                    throw new IllegalStateException(e.getCause().getMessage(), e.getCause());
                }
            } catch (TimeoutException e) {
                throw new IllegalStateException("RabbitMQ did not confirm a publish within " + timeout.toMillis() + " ms"
                        + " (a memory or disk alarm blocks publishers, or the connection is gone); the message may or may"
                        + " not be queued. Check the broker's alarms: rabbitmq-diagnostics alarms", e);
            }
        }
        return outcomes;
    }

    /** The channel closed before the broker confirmed: the message may or may not be queued. */
    private static final class ChannelClosedException extends IllegalStateException {
        private static final long serialVersionUID = 1L;

        ChannelClosedException(String message, Throwable cause) {
            super(message, cause);
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
            ch.addReturnListener(returned -> {
                // a return comes before the ack of the same message, so the ack finds it marked
                Object seq = returned.getProperties().getHeaders() == null ? null
                        : returned.getProperties().getHeaders().get(SEQUENCE);
                Pending p = seq instanceof Number n ? pending.get(n.longValue()) : null;
                if (p != null) {
                    p.returned = true;
                }
            });
            ch.addShutdownListener(this::failPending);
            setup.setUp(ch);
            channel = ch;
            return ch;
        } catch (IOException e) {
            throw new UncheckedIOException(new IOException("cannot open a channel to RabbitMQ: " + e.getMessage(), e));
        }
    }

    private void settle(long tag, boolean multiple, String nack) {
        Map<Long, Pending> done = multiple ? pending.headMap(tag, true) : pending.subMap(tag, true, tag, true);
        for (Long seq : List.copyOf(done.keySet())) {
            Pending p = pending.remove(seq);
            if (p == null) {
                continue;
            }
            if (nack != null) {
                p.confirmed.completeExceptionally(new IllegalStateException(nack));
            } else if (p.returned) {
                p.confirmed.completeExceptionally(new UnroutableException("RabbitMQ could not route a message to '"
                        + p.routingKey + "': no such queue (deleted since this client declared it?)"));
            } else {
                p.confirmed.complete(null);
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
        IllegalStateException failure = new ChannelClosedException("the RabbitMQ channel closed before the broker confirmed"
                + " a publish (" + why + "); the message may or may not be queued", cause);
        for (Long seq : List.copyOf(pending.keySet())) {
            Pending p = pending.remove(seq);
            if (p != null) {
                p.confirmed.completeExceptionally(failure);
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
