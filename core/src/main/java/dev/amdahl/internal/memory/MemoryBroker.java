package dev.amdahl.internal.memory;

import dev.amdahl.spi.Broker;
import dev.amdahl.spi.DeadLetter;
import dev.amdahl.spi.Delivery;
import dev.amdahl.spi.OutboundMessage;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.PriorityQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The embedded broker: queues in this process's memory, for a single JVM (the demo, tests, an app
 * that parallelises on its own cores). Nothing survives the process, and other processes cannot
 * reach it ({@link #isShared()} is false).
 *
 * <p>One lock guards all state; {@code ready} is signalled whenever a message becomes deliverable.
 * Delayed messages wait in {@code delayed}, ordered by due time, and are moved to their queue by
 * whichever {@link #poll} runs after they fall due; a waiting poll sleeps no longer than the next due
 * time or lease expiry, so no timer thread is needed.
 *
 * <p>Leases: a delivered message is held until its lease, {@code visibilityTimeout} from delivery or from
 * the last {@link #extendLease}, runs out on the broker's clock; then the next poll puts it back (a
 * consumer thread died or hung). Each delivery has a receipt of its own, so a consumer that lost its lease
 * cannot settle the message for the consumer that holds it now. Every delivery counts, however the message
 * came back (lease ran out, {@link #requeue}): the delivery after the {@code maxDeliveries}-th is handed out
 * {@linkplain Delivery#exhausted() exhausted}, for its consumer to report and reject, and if that one comes back
 * too the next poll dead-letters it, so no message loops for ever.
 */
public final class MemoryBroker implements Broker {

    private static final Comparator<Entry> DELIVERY_ORDER =
            Comparator.comparingInt((Entry e) -> -e.priority).thenComparingLong(e -> e.seq);

    /** The visibility timeout and max deliveries of {@link #MemoryBroker(Clock)}. */
    public static final Duration DEFAULT_VISIBILITY_TIMEOUT = Duration.ofSeconds(60);
    public static final int DEFAULT_MAX_DELIVERIES = 5;

    private final Clock clock;
    private final Duration visibilityTimeout;
    private final int maxDeliveries;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition ready = lock.newCondition();
    // guarded by lock
    private final Map<String, PriorityQueue<Entry>> queues = new HashMap<>();
    private final PriorityQueue<Entry> delayed = new PriorityQueue<>(
            Comparator.comparing((Entry e) -> e.notBefore).thenComparingLong(e -> e.seq));
    /** Delivered and not settled, by receipt. */
    private final Map<Long, Entry> unacked = new HashMap<>();
    private final Map<String, ArrayDeque<DeadLetter>> deadLetters = new HashMap<>();
    private long seq;
    private long receipts;
    private int rotation;
    private boolean closed;

    /** A broker with the {@link #DEFAULT_VISIBILITY_TIMEOUT} and {@link #DEFAULT_MAX_DELIVERIES}. */
    public MemoryBroker(Clock clock) {
        this(clock, DEFAULT_VISIBILITY_TIMEOUT, DEFAULT_MAX_DELIVERIES);
    }

    /**
     * @param clock             the time of delays and leases
     * @param visibilityTimeout how long a delivery may go without being settled or its lease extended before it
     *                          is delivered again
     * @param maxDeliveries     a message delivered this many times without an acknowledgement is dead-lettered
     *                          instead of being delivered once more
     */
    public MemoryBroker(Clock clock, Duration visibilityTimeout, int maxDeliveries) {
        if (visibilityTimeout.isNegative() || visibilityTimeout.isZero()) {
            throw new IllegalArgumentException("visibilityTimeout must be positive, was " + visibilityTimeout);
        }
        if (maxDeliveries < 1) {
            throw new IllegalArgumentException("maxDeliveries must be at least 1, was " + maxDeliveries);
        }
        this.clock = clock;
        this.visibilityTimeout = visibilityTimeout;
        this.maxDeliveries = maxDeliveries;
    }

    private static final class Entry {
        final String queue;
        final String id;
        final byte[] body;
        final int priority;
        final Instant notBefore;
        long seq;
        int deliveries;
        /** While delivered: the receipt of the current delivery and when its lease runs out. */
        long receipt;
        Instant leaseUntil;

        Entry(String queue, String id, byte[] body, int priority, Instant notBefore, long seq) {
            this.queue = queue;
            this.id = id;
            this.body = body;
            this.priority = priority;
            this.notBefore = notBefore;
            this.seq = seq;
        }
    }

    @Override
    public void publish(String queue, OutboundMessage message) {
        publishAll(queue, List.of(message));
    }

    @Override
    public void publishAll(String queue, List<OutboundMessage> messages) {
        lock.lock();
        try {
            checkOpen();
            Instant now = clock.instant();
            for (OutboundMessage m : messages) {
                Entry e = new Entry(queue, m.id(), m.body().clone(), m.priority(), m.notBefore(), seq++);
                if (m.notBefore() != null && m.notBefore().isAfter(now)) {
                    delayed.add(e);
                } else {
                    queue(queue).add(e);
                }
            }
            ready.signalAll();
        } finally {
            lock.unlock();
        }
    }

    @Override
    public List<Delivery> poll(List<String> names, int max, Duration timeout) throws InterruptedException {
        if (max < 1) {
            throw new IllegalArgumentException("max must be at least 1, was " + max);
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        lock.lockInterruptibly();
        try {
            while (true) {
                checkOpen();
                moveDueMessages();
                reclaimExpiredLeases();
                List<Delivery> taken = take(names, max);
                if (!taken.isEmpty()) {
                    return taken;
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return List.of();
                }
                Instant wake = delayed.isEmpty() ? null : delayed.peek().notBefore;
                for (Entry held : unacked.values()) {
                    if (wake == null || held.leaseUntil.isBefore(wake)) {
                        wake = held.leaseUntil;
                    }
                }
                if (wake != null) {
                    long untilDue = Duration.between(clock.instant(), wake).toNanos();
                    left = Math.min(left, Math.max(untilDue, TimeUnit.MILLISECONDS.toNanos(1)));
                }
                ready.awaitNanos(left);
            }
        } finally {
            lock.unlock();
        }
    }

    /** Takes up to {@code max} entries, one queue after another starting at a rotating queue, so none starves. */
    private List<Delivery> take(List<String> names, int max) {
        List<Delivery> taken = new ArrayList<>();
        int start = Math.floorMod(rotation++, names.size());
        boolean progress = true;
        while (taken.size() < max && progress) {
            progress = false;
            for (int i = 0; i < names.size() && taken.size() < max; i++) {
                PriorityQueue<Entry> q = queues.get(names.get((start + i) % names.size()));
                Entry e = q == null ? null : q.poll();
                if (e != null) {
                    progress = true;
                    if (e.deliveries > maxDeliveries) {
                        // its exhausted delivery came back too: nobody reported it, the body is kept as it is
                        deadLetter(e, "delivered " + maxDeliveries + " times without an acknowledgement (max deliveries "
                                + maxDeliveries + "), then once more to be reported, and given back again: its consumers"
                                + " gave it back, died or ran past the visibility timeout of " + visibilityTimeout
                                + " without extending their lease");
                        continue;
                    }
                    e.deliveries++;
                    e.receipt = receipts++;
                    e.leaseUntil = clock.instant().plus(visibilityTimeout);
                    unacked.put(e.receipt, e);
                    taken.add(new Delivery(e.queue, e.id, e.body.clone(), e.priority, e.deliveries, e.receipt,
                            e.deliveries > maxDeliveries));
                }
            }
        }
        return taken;
    }

    /** Puts back every delivered message whose lease ran out: its consumer is gone. */
    private void reclaimExpiredLeases() {
        Instant now = clock.instant();
        var it = unacked.values().iterator();
        while (it.hasNext()) {
            Entry e = it.next();
            if (!e.leaseUntil.isAfter(now)) {
                it.remove();
                queue(e.queue).add(e);
            }
        }
    }

    private void moveDueMessages() {
        Instant now = clock.instant();
        while (!delayed.isEmpty() && !delayed.peek().notBefore.isAfter(now)) {
            Entry e = delayed.poll();
            queue(e.queue).add(e);
        }
    }

    @Override
    public void ack(Delivery delivery) {
        lock.lock();
        try {
            owned(delivery);
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void requeue(Delivery delivery) {
        lock.lock();
        try {
            Entry e = owned(delivery);
            queue(e.queue).add(e);
            ready.signalAll();
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void reject(Delivery delivery, String reason) {
        lock.lock();
        try {
            deadLetter(owned(delivery), reason);
        } finally {
            lock.unlock();
        }
    }

    private void deadLetter(Entry e, String reason) {
        deadLetters.computeIfAbsent(e.queue, q -> new ArrayDeque<>())
                .add(new DeadLetter(e.queue, e.id, e.body, reason, clock.instant()));
    }

    /** Renews the lease while the delivery is still held; a delivery settled or taken over already is left alone. */
    @Override
    public boolean extendLease(Delivery delivery) {
        lock.lock();
        try {
            Instant now = clock.instant();
            Entry e = delivery.receipt() instanceof Long receipt ? unacked.get(receipt) : null;
            if (e == null || !e.leaseUntil.isAfter(now)) {
                // a lease that ran out is lost even before a poll reclaims it: someone may be about to take it
                return false;
            }
            e.leaseUntil = now.plus(visibilityTimeout);
            return true;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public Optional<Duration> visibilityTimeout() {
        return Optional.of(visibilityTimeout);
    }

    private Entry owned(Delivery delivery) {
        Entry e = delivery.receipt() instanceof Long receipt ? unacked.remove(receipt) : null;
        if (e == null) {
            throw new IllegalStateException(delivery + " is not held by a consumer of this broker: it was acknowledged,"
                    + " requeued or rejected already, its lease ran out and it went back to its queue, or it came from"
                    + " another broker");
        }
        return e;
    }

    @Override
    public long depth(String queue) {
        lock.lock();
        try {
            moveDueMessages();
            reclaimExpiredLeases();
            PriorityQueue<Entry> q = queues.get(queue);
            return q == null ? 0 : q.size();
        } finally {
            lock.unlock();
        }
    }

    @Override
    public long purge(String queue) {
        lock.lock();
        try {
            moveDueMessages();
            PriorityQueue<Entry> q = queues.remove(queue);
            int delayedBefore = delayed.size();
            delayed.removeIf(e -> e.queue.equals(queue));
            return (q == null ? 0 : q.size()) + delayedBefore - delayed.size();
        } finally {
            lock.unlock();
        }
    }

    @Override
    public List<DeadLetter> deadLetters(String queue, int max) {
        lock.lock();
        try {
            ArrayDeque<DeadLetter> letters = deadLetters.get(queue);
            return letters == null ? List.of() : letters.stream().limit(max).toList();
        } finally {
            lock.unlock();
        }
    }

    @Override
    public boolean isShared() {
        return false;
    }

    @Override
    public void close() {
        lock.lock();
        try {
            closed = true;
            ready.signalAll();
        } finally {
            lock.unlock();
        }
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("the embedded broker is closed");
        }
    }

    private PriorityQueue<Entry> queue(String name) {
        return queues.computeIfAbsent(name, n -> new PriorityQueue<>(DELIVERY_ORDER));
    }
}
