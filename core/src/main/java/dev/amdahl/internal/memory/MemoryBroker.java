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
 *
 * <p>Bodies are kept and handed out as they were published, not copied: a publisher hands its bytes over, and
 * consumers only read them, so a million pending messages cost one array each, not two, and a delivery none.
 *
 * <p>Decoded forms ({@link #carriesDecoded()}): what a publisher made beside a body is handed to that message's first
 * delivery and then dropped, so a redelivery decodes the bytes as any consumer of another broker would. At most
 * {@value #MAX_CARRIED} waiting messages keep theirs; past that a message is kept as bytes alone, so a backlog of a
 * million costs what it cost before, and only the messages near the head of a busy queue are spared a decode. (Four
 * times as many, 262,144, put a million pending tasks of one {@code map} over 512 MiB of heap.)
 *
 * <p>Order: each queue keeps one first-in-first-out lane per priority for messages as they are published (their
 * sequence numbers rise along each lane), and one priority heap for messages that come back (a lease that ran out, a
 * requeue, a delay that fell due), which are older than much of what waits; the next message is the better of the
 * heap's head and the head of the highest non-empty lane, so the order is exactly that of one heap over everything,
 * at the cost of a heap only for what came back.
 */
public final class MemoryBroker implements Broker {

    /** Higher priority first, then lower sequence number (older) first. */
    private static final Comparator<Entry> DELIVERY_ORDER = (a, b) ->
            a.priority != b.priority ? Integer.compare(b.priority, a.priority) : Long.compare(a.seq, b.seq);
    /** How many waiting messages keep the decoded form their publisher made; see the class comment. */
    public static final int MAX_CARRIED = 65_536;

    /** The visibility timeout and max deliveries of {@link #MemoryBroker(Clock)}. */
    public static final Duration DEFAULT_VISIBILITY_TIMEOUT = Duration.ofSeconds(60);
    public static final int DEFAULT_MAX_DELIVERIES = 5;

    private final Clock clock;
    private final Duration visibilityTimeout;
    private final int maxDeliveries;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition ready = lock.newCondition();
    // guarded by lock
    private final Map<String, Lanes> queues = new HashMap<>();
    private final PriorityQueue<Entry> delayed = new PriorityQueue<>(
            Comparator.comparing((Entry e) -> e.notBefore).thenComparingLong(e -> e.seq));
    /** Delivered and not settled, by receipt. */
    private final Map<Long, Entry> unacked = new HashMap<>();
    private final Map<String, ArrayDeque<DeadLetter>> deadLetters = new HashMap<>();
    private long seq;
    /** Waiting entries that hold a decoded form; at most {@link #MAX_CARRIED}. */
    private int carried;
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
        /** The publisher's decoded form, until the first delivery takes it; see the class comment. */
        Object decoded;
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

    /** One queue: see "Order" in the class comment. All under the broker's lock. */
    private static final class Lanes {
        @SuppressWarnings("unchecked")
        private final ArrayDeque<Entry>[] fresh = new ArrayDeque[OutboundMessage.MAX_PRIORITY + 1];
        private final PriorityQueue<Entry> back = new PriorityQueue<>(DELIVERY_ORDER);
        private int size;

        /** A message just published: its sequence number is above every other's here. */
        void append(Entry e) {
            ArrayDeque<Entry> lane = fresh[e.priority];
            if (lane == null) {
                lane = fresh[e.priority] = new ArrayDeque<>();
            }
            lane.addLast(e);
            size++;
        }

        /** A message that comes back, or was delayed: older than some that wait. */
        void putBack(Entry e) {
            back.add(e);
            size++;
        }

        Entry poll() {
            ArrayDeque<Entry> lane = null;
            for (int p = fresh.length - 1; p >= 0; p--) {
                if (fresh[p] != null && !fresh[p].isEmpty()) {
                    lane = fresh[p];
                    break;
                }
            }
            Entry returned = back.peek();
            Entry e;
            if (returned != null && (lane == null || DELIVERY_ORDER.compare(returned, lane.peekFirst()) < 0)) {
                e = back.poll();
            } else if (lane != null) {
                e = lane.pollFirst();
            } else {
                return null;
            }
            size--;
            return e;
        }

        int size() {
            return size;
        }

        void forEach(java.util.function.Consumer<Entry> action) {
            back.forEach(action);
            for (ArrayDeque<Entry> lane : fresh) {
                if (lane != null) {
                    lane.forEach(action);
                }
            }
        }
    }

    @Override
    public boolean carriesDecoded() {
        return true;
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
            Lanes lanes = null;
            for (OutboundMessage m : messages) {
                Entry e = new Entry(queue, m.id(), m.body(), m.priority(), m.notBefore(), seq++);
                if (m.decoded() != null && carried < MAX_CARRIED) {
                    e.decoded = m.decoded();
                    carried++;
                }
                if (m.notBefore() != null && m.notBefore().isAfter(now)) {
                    delayed.add(e);
                } else {
                    if (lanes == null) {
                        lanes = queue(queue);
                    }
                    lanes.append(e);
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
        Instant leaseUntil = null;
        while (taken.size() < max && progress) {
            progress = false;
            for (int i = 0; i < names.size() && taken.size() < max; i++) {
                Lanes q = queues.get(names.get((start + i) % names.size()));
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
                    Long receipt = receipts++;   // boxed once, for the map and the delivery
                    e.receipt = receipt;
                    if (leaseUntil == null) {
                        leaseUntil = clock.instant().plus(visibilityTimeout);
                    }
                    e.leaseUntil = leaseUntil;
                    unacked.put(receipt, e);
                    Object decoded = e.decoded;
                    if (decoded != null) {
                        e.decoded = null;
                        carried--;
                    }
                    taken.add(new Delivery(e.queue, e.id, e.body, e.priority, e.deliveries, receipt,
                            e.deliveries > maxDeliveries, decoded));
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
                queue(e.queue).putBack(e);
            }
        }
    }

    private void moveDueMessages() {
        Instant now = clock.instant();
        while (!delayed.isEmpty() && !delayed.peek().notBefore.isAfter(now)) {
            Entry e = delayed.poll();
            queue(e.queue).putBack(e);
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
            queue(e.queue).putBack(e);
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
            Lanes q = queues.get(queue);
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
            Lanes q = queues.remove(queue);
            if (q != null) {
                q.forEach(this::dropDecoded);
            }
            int delayedBefore = delayed.size();
            delayed.removeIf(e -> e.queue.equals(queue) && dropDecoded(e));
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
    public int requeueDeadLetter(String queue, String messageId) {
        lock.lock();
        try {
            checkOpen();
            List<DeadLetter> moved = takeDeadLetters(queue, messageId);
            for (DeadLetter d : moved) {
                queue(queue).append(new Entry(queue, d.messageId(), d.body(), 0, null, seq++));
            }
            if (!moved.isEmpty()) {
                ready.signalAll();
            }
            return moved.size();
        } finally {
            lock.unlock();
        }
    }

    @Override
    public int dropDeadLetter(String queue, String messageId) {
        lock.lock();
        try {
            checkOpen();
            return takeDeadLetters(queue, messageId).size();
        } finally {
            lock.unlock();
        }
    }

    /** Removes and returns the dead letters of {@code queue} with {@code messageId}; under the lock. */
    private List<DeadLetter> takeDeadLetters(String queue, String messageId) {
        ArrayDeque<DeadLetter> letters = deadLetters.get(queue);
        if (letters == null) {
            return List.of();
        }
        List<DeadLetter> taken = new ArrayList<>();
        letters.removeIf(d -> d.messageId().equals(messageId) && taken.add(d));
        return taken;
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

    private Lanes queue(String name) {
        Lanes q = queues.get(name);
        if (q == null) {
            q = new Lanes();
            queues.put(name, q);
        }
        return q;
    }

    /** Forgets the decoded form of an entry leaving the broker undelivered; true, for removeIf. Under the lock. */
    private boolean dropDecoded(Entry e) {
        if (e.decoded != null) {
            e.decoded = null;
            carried--;
        }
        return true;
    }
}
