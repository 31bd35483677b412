package dev.amdahl.internal.worker;

import dev.amdahl.internal.task.TaskMdc;
import dev.amdahl.internal.wire.TaskMessage;
import dev.amdahl.internal.workflow.Continuations;
import dev.amdahl.spi.AckingStore;
import dev.amdahl.spi.Broker;
import dev.amdahl.spi.Delivery;
import dev.amdahl.spi.ResultBackend;
import dev.amdahl.spi.TaskRecord;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * <b>Every message the worker holds is settled exactly once, and only after its outcome is stored.</b> This
 * class owns that invariant; nothing else in the worker acks, requeues or rejects a message.
 *
 * <ul>
 *   <li><b>Exactly once</b>: acked, requeued or rejected, also on shutdown. A message is in {@code held} from
 *       the moment the consumer takes it until it is settled; settling removes it from {@code held} first,
 *       and whoever removes it settles it. A second attempt (a revocation racing an outcome, shutdown racing
 *       the settler) finds it gone and does nothing. Settling gives the message's prefetch slot back.</li>
 *   <li><b>Late acknowledgement.</b> A message is acked only after its final record is stored and its
 *       workflow continuations are published. A store that fails is tried again, {@link #STORE_TRIES} times in
 *       all over a few seconds (leases renewed meanwhile, since the messages stay held), so one connection reset
 *       does not run computed work again; if every try fails, or the continuations fail, the message is
 *       requeued, and that counts as a delivery at the broker, so it ends as an exhausted delivery reported by
 *       {@link #giveUp}, not in a loop. If this process dies first, the broker redelivers it. A failed ack leaves
 *       the message to the broker's redelivery, where the consumer finds its record final and acks it without
 *       running it.</li>
 *   <li><b>A lost lease drops the message.</b> When {@link #renewLeases} learns the broker no longer counts
 *       this worker as the message's consumer (the process was paused past the visibility timeout, say), the
 *       message is no longer held: it is never settled here, a job not yet started never starts, and one that
 *       runs may still store its outcome (stores never replace a final record) but does not ack, and publishes
 *       neither its retry nor its workflow steps: those are the new owner's, who runs the task or finds it final
 *       and publishes them then, so a lost lease never forks a task into two chains. A message
 *       settled while its lease was being renewed is not news: settling removes it from {@code held} before the
 *       broker call, and the renewer warns only about what it still finds held.</li>
 *   <li><b>A revoked task stays REVOKED.</b> Whatever a task revoked while held finished with, its REVOKED
 *       record is what is stored (again, as it is, in case a STARTED stored by this worker after the
 *       revocation replaced it), through {@link ResultBackend#storeAllUnlessFinal}, so a revocation that
 *       reaches the backend after the check still wins. Continuations follow the record the backend kept.</li>
 * </ul>
 *
 * <h2>Batched settlement</h2>
 * Final outcomes go to one settler thread, which stores the records of everything that finished
 * meanwhile with one {@code storeAll}, runs their workflow continuations, and acknowledges them with
 * one {@code ackAll}: two round trips per batch instead of two per task, which is what lets a worker
 * on a remote broker keep up with short tasks. Latency stays that of one round trip each way, since
 * the settler never waits to fill a batch. Where the backend stores and acknowledges in one step beside this broker
 * ({@link AckingStore}: PostgreSQL's, in the broker's database) a batch with no workflow steps to publish in between
 * is settled in that one step, one round trip, in one transaction: still never an ack without its store.
 *
 * <p>On a broker in this process ({@link Broker#isShared()} false, the embedded one) there is no round trip to
 * batch, and a hand-off to one settler thread would cost more than the store itself and make every task wait for
 * that one thread: there the thread that finishes a task settles, taking the batch of everything finished meanwhile
 * when no other thread is settling ({@code settling}), and leaving its final to the one that is. No final is left
 * behind: a thread that finds another settling has queued its final first, and the settling thread looks at the
 * queue again after it lets go.
 *
 * <p><b>A lone final.</b> On a networked broker, a final whose message is the only one the worker holds has nothing to
 * be batched with, and the thread that finished it has nothing else to run: that thread stores and acknowledges it
 * itself, holding {@code settleLock} as the settler does around every batch, which spares the round trip the hand-off
 * to the settler thread (a wake-up, 10–30 µs a task on the busy 2-core machine, timed hop by hop). Under load (more
 * held) every final goes to the settler as before, so batches stay as big. A final queued meanwhile waits for the lock
 * in the settler thread, which settles it next; none is left behind.
 *
 * <p>Held messages keep their leases: {@link #renewLeases} extends every one until it is settled.
 */
final class Settlement {

    private static final Logger log = LoggerFactory.getLogger(Settlement.class);
    private static final int MAX_SETTLE_BATCH = 512;
    /** The waits between store tries: a connection reset or a failover is usually over within them. */
    static final List<Duration> STORE_BACKOFF = List.of(Duration.ofMillis(250), Duration.ofMillis(1_000), Duration.ofMillis(2_000));
    /** How often a store is tried before giving up: once, then once after each wait. */
    static final int STORE_TRIES = STORE_BACKOFF.size() + 1;

    private final String name;
    private final Broker broker;
    private final ResultBackend backend;
    /** The backend's store-and-acknowledge of this broker's deliveries, or {@code null} where it has none. */
    private final AckingStore ackingStore;
    private final Continuations continuations;
    private final Revocations revocations;
    /** The prefetch slots: each settled message gives its one back. */
    private final Semaphore slots;
    /** Messages taken and not yet settled; their leases are renewed while held. */
    private final Set<Delivery> held = ConcurrentHashMap.newKeySet();
    private final AtomicLong completed = new AtomicLong();
    private final AtomicLong lostLeases = new AtomicLong();
    /** Final records waiting to be stored and acknowledged; drained by {@link #settler}. */
    private final LinkedBlockingQueue<Final> toSettle = new LinkedBlockingQueue<>();
    private final Thread settler;
    /** Whether finishing threads settle themselves instead of the settler thread (see "Batched settlement"). */
    private final boolean settleInline;
    /** Held by the thread settling inline; see "Batched settlement". */
    private final java.util.concurrent.atomic.AtomicBoolean settling = new java.util.concurrent.atomic.AtomicBoolean();
    private volatile boolean settlerStopping;
    /** Held around a batch's store and acknowledgement on a networked broker; see "A lone final". */
    private final java.util.concurrent.locks.ReentrantLock settleLock = new java.util.concurrent.locks.ReentrantLock();
    private final long renewalNanos;
    /** When the last round of {@link #renewLeases} ended (System.nanoTime). */
    private volatile long lastRenewalNanos = System.nanoTime();
    private final ThrottledLog errors = ThrottledLog.errors(log);
    private final ThrottledLog warnings = ThrottledLog.warnings(log);
    private final ThrottledLog lost = ThrottledLog.warnings(log);
    /** Told of each dead letter. */
    private final WorkerEvents events;

    /** A finished message and the record to store for it. */
    private record Final(Delivery delivery, TaskMessage message, TaskRecord record) {
    }

    /** A settlement that tells no observer of its dead letters. */
    Settlement(String name, Broker broker, ResultBackend backend, Continuations continuations, Revocations revocations,
               Semaphore slots, Duration leaseRenewal) {
        this(name, broker, backend, continuations, revocations, slots, leaseRenewal,
                new WorkerEvents(name, dev.amdahl.internal.observe.Observers.none()));
    }

    /** @param leaseRenewal how often {@link #renewLeases} runs: a pool starting a job checks the renewer is not behind */
    Settlement(String name, Broker broker, ResultBackend backend, Continuations continuations, Revocations revocations,
               Semaphore slots, Duration leaseRenewal, WorkerEvents events) {
        this(name, broker, backend, continuations, revocations, slots, leaseRenewal, events, !broker.isShared());
    }

    /** @param settleInline whether the threads that finish tasks settle them, not a settler thread: see "Batched settlement" */
    Settlement(String name, Broker broker, ResultBackend backend, Continuations continuations, Revocations revocations,
               Semaphore slots, Duration leaseRenewal, WorkerEvents events, boolean settleInline) {
        this.settleInline = settleInline;
        this.events = events;
        this.renewalNanos = leaseRenewal.toNanos();
        this.name = name;
        this.broker = broker;
        this.backend = backend;
        this.ackingStore = backend.capability(AckingStore.class).filter(a -> a.acknowledges(broker)).orElse(null);
        this.continuations = continuations;
        this.revocations = revocations;
        this.slots = slots;
        this.settler = new Thread(this::settleLoop, "amdahl-settler-" + name);
        this.settler.setDaemon(true);
    }

    void start() {
        if (!settleInline) {
            settler.start();
        }
    }

    /** The consumer took these: they are held until settled. */
    void hold(Collection<Delivery> deliveries) {
        held.addAll(deliveries);
    }

    int heldCount() {
        return held.size();
    }

    /** Messages dropped because the broker reported their lease lost (logged at a bounded rate, with a count). */
    long lostLeases() {
        return lostLeases.get();
    }

    /** Tasks whose outcome was stored. */
    long completedCount() {
        return completed.get();
    }

    /**
     * Has {@code record} stored, then the message acked: by the settler (batched), or, settling inline, by this thread
     * when no other is settling, else by the one that is (see "Batched settlement").
     */
    void storeThenAck(Delivery d, TaskMessage m, TaskRecord record) {
        Final f = new Final(d, m, record);
        if (settleInline && settling.compareAndSet(false, true)) {
            // nobody settles: this thread does, its own final first, without queueing it
            settleHeld(f);
            settleQueued();   // what was queued while this thread settled
            return;
        }
        if (!settleInline && held.size() == 1 && toSettle.isEmpty() && settleLock.tryLock()) {
            settleAlone(f);
            return;
        }
        toSettle.add(f);
        if (settleInline) {
            settleQueued();
        }
    }

    /** Settles {@code first} and what is queued, holding {@code settling}, which it lets go. */
    private void settleHeld(Final first) {
        try {
            settleWithQueued(first);
        } finally {
            settling.set(false);
        }
    }

    /** Settles {@code only} on this thread, holding {@code settleLock}, which it lets go; see "A lone final". */
    private void settleAlone(Final only) {
        try {
            settleWithQueued(only);
        } finally {
            settleLock.unlock();
        }
    }

    /** Settles {@code first} and what is queued behind it, one batch; the caller holds {@code settling} or {@code settleLock}. */
    private void settleWithQueued(Final first) {
        List<Final> batch = new ArrayList<>();
        batch.add(first);
        toSettle.drainTo(batch, MAX_SETTLE_BATCH - 1);
        settleOrGiveBack(batch);
    }

    /**
     * {@link #settleBatch}, and on an exception it did not expect (a bug: it handles the broker's and the backend's
     * failures itself) the messages of {@code batch} go back, so the thread goes on with its own work and a redelivery
     * finds a stored record final and acknowledges it.
     */
    private void settleOrGiveBack(List<Final> batch) {
        try {
            settleBatch(batch);
        } catch (RuntimeException e) {
            errors.log("settle", "worker " + name + ": settling " + batch.size() + " finished task(s) failed"
                    + " unexpectedly; giving back the messages still held", e);
            batch.forEach(f -> requeue(f.delivery()));
        }
    }

    /** Settles what is queued on this thread unless another thread is at it; see "Batched settlement". */
    private void settleQueued() {
        List<Final> batch = null;
        // looked at again after letting go: a final queued while this thread settled found it busy and left it here
        while (!toSettle.isEmpty() && settling.compareAndSet(false, true)) {
            try {
                if (batch == null) {
                    batch = new ArrayList<>();
                }
                toSettle.drainTo(batch, MAX_SETTLE_BATCH);
                if (!batch.isEmpty()) {
                    settleOrGiveBack(batch);
                }
            } finally {
                batch.clear();
                settling.set(false);
            }
        }
    }

    /**
     * Runs the workflow continuations of a final task, then acks; if they fail the message comes back, or, on
     * its exhausted delivery, is rejected with the reason.
     */
    void continueThenAck(Delivery d, TaskMessage m, TaskRecord record) {
        try {
            continuations.afterFinal(m, record);
        } catch (RuntimeException e) {
            if (d.exhausted()) {
                reject(d, continuationsExhausted(d, m, record, e));
                return;
            }
            errors.log("continuations", "worker " + name + ": the workflow steps after task " + m.id()
                    + " could not be published; giving its message back", e);
            requeue(d);
            return;
        }
        ack(d);
    }

    /** The dead-letter reason of an exhausted delivery whose task is final but whose workflow steps never got out. */
    private static String continuationsExhausted(Delivery d, TaskMessage m, TaskRecord record, RuntimeException e) {
        return "task '" + m.task() + "' (id " + m.id() + ") is " + record.state() + " but the workflow steps after it could"
                + " not be published in " + (d.deliveryCount() - 1) + " deliveries: " + e;
    }

    /**
     * Ends a message the broker handed out exhausted: stores {@code failure} for whoever waits on the task,
     * then rejects the message with its reason. A task final already keeps its record, and its message is
     * acked. The store is tried as a batch's is ({@link #storeWithRetries}), so one connection reset does not
     * leave the caller waiting for ever; if every try fails, the dead letter says so, and nothing more can be done
     * for the caller.
     */
    void giveUp(Delivery d, TaskMessage m, TaskRecord failure) {
        try (TaskMdc ignored = TaskMdc.of(m.id())) {
            String reason = failure.error().message();
            Map<String, TaskRecord> kept;
            try {
                kept = storeWithRetries(List.of(failure));
            } catch (RuntimeException e) {
                log.error("worker {}: {}; its FAILURE could not be stored ({}), so its message is dead-lettered with the reason",
                        name, reason, e.toString());
                reject(d, reason + " (its FAILURE could not be stored: " + e + ")");
                return;
            }
            TaskRecord final_ = kept.get(m.id());
            if (final_ != null) {
                log.info("task {} was {} already; acknowledging its exhausted delivery", m.id(), final_.state());
                ack(d);
                return;
            }
            log.error("worker {}: {}", name, reason);
            reject(d, reason);
        }
    }

    /** Acks a message whose outcome is stored already (a retry published and recorded). */
    void ack(Delivery d) {
        settle(d, true);
    }

    void requeue(Delivery d) {
        settle(d, false);
    }

    /** Dead-letters a message that cannot be run, with the reason. */
    void reject(Delivery d, String reason) {
        if (!held.remove(d)) {
            log.debug("message {} was settled already", d.messageId());
            return;
        }
        try {
            broker.reject(d, reason);
            events.deadLettered(d.queue(), reason);
        } catch (RuntimeException e) {
            warnings.log("reject", "worker " + name + ": could not dead-letter message " + d.messageId()
                    + "; the broker will deliver it again", e);
        } finally {
            revocations.untrack(d);
            slots.release();
        }
    }

    /** Whether {@code d} is still held: not settled, and its lease not lost. */
    boolean holds(Delivery d) {
        return held.contains(d);
    }

    /**
     * Extends the lease of every held message; run periodically by the worker. A lease the broker reports lost
     * drops its message (see "A lost lease drops the message").
     */
    void renewLeases() {
        // runs on a scheduleWithFixedDelay task, which an escaping exception cancels for good: every lease would
        // then run out. So nothing escapes, neither from one message (its lost-lease path cancels a job, reports
        // an outcome) nor from the round
        try {
            for (Delivery d : held) {
                boolean kept;
                try {
                    kept = broker.extendLease(d);
                } catch (RuntimeException e) {
                    warnings.log("renew", "worker " + name + ": renewing the lease of a held message failed", e);
                    continue;
                }
                if (!kept) {
                    try {
                        leaseLost(d);
                    } catch (RuntimeException e) {
                        errors.log("lease-lost", "worker " + name + ": dropping a message whose lease was lost failed;"
                                + " it is no longer held here", e);
                    }
                }
            }
        } catch (RuntimeException e) {
            errors.log("renew-round", "worker " + name + ": a round of lease renewals failed; the next round tries again", e);
        }
        lastRenewalNanos = System.nanoTime();
    }

    /**
     * Asked by the pool just before it starts the job of {@code d}: false if its lease was lost. Costs nothing
     * while the renewer keeps up; when it is behind (the process was paused: its leases may have run out
     * unrenewed), this asks the broker about this one lease first, so a worker resumed after a pause does not
     * start what another worker may hold by now.
     */
    boolean mayStart(Delivery d) {
        if (!held.contains(d)) {
            return false;
        }
        if (System.nanoTime() - lastRenewalNanos <= 2 * renewalNanos) {
            return true;
        }
        boolean kept;
        try {
            kept = broker.extendLease(d);
        } catch (RuntimeException e) {
            return true;   // the broker cannot say: run it, as a worker that never asked would
        }
        if (!kept) {
            leaseLost(d);
        }
        return kept;
    }

    /**
     * The broker no longer counts this worker as {@code d}'s consumer. Unless it was settled meanwhile (the
     * ack that ended the lease is not news), it is dropped: not held, its job cancelled if not started.
     */
    void leaseLost(Delivery d) {
        if (!held.remove(d)) {
            return;
        }
        lostLeases.incrementAndGet();
        try {
            boolean cancelled = revocations.dropUnstarted(d);
            // one line per kind and period, not per message: a worker paused with a thousand held writes one line
            lost.log(cancelled ? "lease-lost-unstarted" : "lease-lost-running", "worker " + name + ": the lease on message "
                    + d.messageId() + " was lost (this worker went longer than the broker's visibility timeout without"
                    + " renewing it: paused, or too busy), so the broker may have handed it to another worker; "
                    + (cancelled ? "it will not run here"
                            : "if it runs here it is not acknowledged here, and its outcome counts only if it is first"), null);
        } finally {
            revocations.untrack(d);
            slots.release();
        }
    }

    /** Lets the settler finish what is queued, then stops it; waits at most {@code millis}. */
    void stop(long millis) throws InterruptedException {
        if (settleInline) {
            settleQueued();
            return;
        }
        settlerStopping = true;
        settler.join(millis);
    }

    /** Gives back whatever is still held (rate-limited tasks waiting, a stuck broker call) rather than wait for a visibility timeout. */
    void requeueAllHeld() {
        List.copyOf(held).forEach(this::requeue);
    }

    private void settleLoop() {
        List<Final> batch = new ArrayList<>();
        while (true) {
            Final first;
            try {
                first = toSettle.poll(100, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                first = null;
            }
            if (first == null) {
                if (settlerStopping && toSettle.isEmpty()) {
                    return;
                }
                continue;
            }
            batch.add(first);
            settleLock.lock();   // a lone final may be settling on the thread that finished it
            try {
                toSettle.drainTo(batch, MAX_SETTLE_BATCH - 1);
                settleBatch(batch);
            } finally {
                settleLock.unlock();
                batch.clear();
            }
        }
    }

    /** Stores the batch's records, runs their continuations, then acknowledges them: never ack before store. */
    private void settleBatch(List<Final> batch) {
        // a task revoked meanwhile keeps its REVOKED record: final states do not move. It is stored again, as
        // it is, in case a STARTED stored by this worker after the revocation replaced it
        List<TaskRecord> records = new ArrayList<>(batch.size());
        for (int i = 0; i < batch.size(); i++) {
            Final s = batch.get(i);
            TaskRecord revoked = revocations.revokedMeanwhile(s.message().id());
            if (revoked != null) {
                if (s.record() != revoked) {
                    log.info("task {} was revoked while it ran; its {} is discarded", s.message().id(), s.record().state());
                }
                batch.set(i, new Final(s.delivery(), s.message(), revoked));
                records.add(revoked);
            } else {
                records.add(s.record());
            }
        }
        if (ackingStore != null && batch.stream().allMatch(s -> continuations.nothingAfter(s.message()))) {
            storeAndAckTogether(batch, records);
            return;
        }
        Map<String, TaskRecord> kept;
        try {
            kept = storeWithRetries(records);
        } catch (RuntimeException e) {
            errors.log("store", "worker " + name + ": storing the outcomes of " + records.size() + " task(s) failed "
                    + STORE_TRIES + " times; giving their messages back so they are not lost (each give-back counts"
                    + " toward the broker's max deliveries)", e);
            batch.forEach(s -> requeue(s.delivery()));
            return;
        }
        // a task that was final already (revoked by a client a moment ago, or finished by another worker) keeps that
        // record; its continuations follow what was kept, not what this worker would have stored
        for (int i = 0; i < batch.size() && !kept.isEmpty(); i++) {
            Final s = batch.get(i);
            TaskRecord final_ = kept.get(s.message().id());
            if (final_ != null && s.record() != final_) {
                log.info("task {} was {} already; its {} here is discarded", s.message().id(), final_.state(), s.record().state());
                batch.set(i, new Final(s.delivery(), s.message(), final_));
            }
        }
        completed.addAndGet(batch.size());
        List<Delivery> done = new ArrayList<>(batch.size());
        for (Final s : batch) {
            if (!held.contains(s.delivery())) {
                // its lease was lost while it ran: the record is stored (a final one is kept once), but the workflow
                // steps are the new owner's to publish, when it runs the task or finds it final; not twice
                continue;
            }
            try (TaskMdc ignored = TaskMdc.of(s.message().id())) {
                try {
                    continuations.afterFinal(s.message(), s.record());
                    done.add(s.delivery());
                } catch (RuntimeException e) {
                    if (s.delivery().exhausted()) {
                        reject(s.delivery(), continuationsExhausted(s.delivery(), s.message(), s.record(), e));
                        continue;
                    }
                    errors.log("continuations", "worker " + name + ": the workflow steps after task " + s.message().id()
                            + " could not be published; giving its message back", e);
                    requeue(s.delivery());
                }
            }
        }
        // out of held before the broker call: a lease renewal racing the ack then knows it was settled, not lost
        done.removeIf(d -> !held.remove(d));
        try {
            broker.ackAll(done);
        } catch (RuntimeException e) {
            warnings.log("ack", "worker " + name + ": could not acknowledge " + done.size() + " message(s); the broker will"
                    + " deliver them again and they will be acknowledged without running", e);
        } finally {
            for (Delivery d : done) {
                revocations.untrack(d);
                slots.release();
            }
        }
    }

    /**
     * Settles a batch whose tasks have nothing to publish after them in one step of the backend ({@link AckingStore}):
     * the records stored and the messages acknowledged together, so none is acknowledged without its record. Those
     * leave {@code held} before the call, as before an ack (a lease renewal racing it then knows they were settled,
     * not lost); one whose lease was lost while it ran is stored and not acknowledged, as in the two-step path.
     */
    private void storeAndAckTogether(List<Final> batch, List<TaskRecord> records) {
        List<Delivery> acking = new ArrayList<>(batch.size());
        for (Final s : batch) {
            if (held.remove(s.delivery())) {
                acking.add(s.delivery());
            }
        }
        Map<String, TaskRecord> kept;
        try {
            kept = withRetries(records.size(), () -> ackingStore.storeAllUnlessFinalAndAck(records, broker, acking));
        } catch (RuntimeException e) {
            errors.log("store", "worker " + name + ": storing the outcomes of " + records.size() + " task(s) failed "
                    + STORE_TRIES + " times; giving their messages back so they are not lost (each give-back counts"
                    + " toward the broker's max deliveries)", e);
            held.addAll(acking);   // not acknowledged: still this worker's, to give back
            acking.forEach(this::requeue);
            return;
        }
        for (Final s : batch) {
            TaskRecord final_ = kept.get(s.message().id());
            if (final_ != null && s.record() != final_) {
                log.info("task {} was {} already; its {} here is discarded", s.message().id(), final_.state(), s.record().state());
            }
        }
        completed.addAndGet(batch.size());
        for (Delivery d : acking) {
            revocations.untrack(d);
            slots.release();
        }
    }

    /**
     * Stores the records with {@link ResultBackend#storeAllUnlessFinal}, trying again after each wait of
     * {@link #STORE_BACKOFF} while the store fails, and returns what it returned. Throws the last failure when
     * all {@link #STORE_TRIES} tries failed, or at once when the thread is interrupted while it waits; the
     * caller logs it and gives its messages back or dead-letters them.
     */
    Map<String, TaskRecord> storeWithRetries(List<TaskRecord> records) {
        return withRetries(records.size(), () -> backend.storeAllUnlessFinal(records));
    }

    /** {@code store}, tried as {@link #storeWithRetries} tries. */
    private Map<String, TaskRecord> withRetries(int records, Supplier<Map<String, TaskRecord>> store) {
        for (int attempt = 0; ; attempt++) {
            try {
                return store.get();
            } catch (RuntimeException e) {
                if (attempt + 1 >= STORE_TRIES) {
                    throw e;
                }
                Duration wait = STORE_BACKOFF.get(attempt);
                warnings.log("store-retry", "worker " + name + ": storing the outcomes of " + records + " task(s)"
                        + " failed; trying again in " + wait.toMillis() + " ms", e);
                try {
                    Thread.sleep(wait.toMillis());
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    throw e;
                }
            }
        }
    }

    /** Acks or requeues, then frees the slot. A broker failure here leaves the message to the broker's redelivery. */
    private void settle(Delivery d, boolean ack) {
        if (!held.remove(d)) {
            log.debug("message {} was settled already", d.messageId());
            return;
        }
        try {
            if (ack) {
                broker.ack(d);
            } else {
                broker.requeue(d);
            }
        } catch (RuntimeException e) {
            warnings.log(ack ? "ack" : "requeue", "worker " + name + ": could not " + (ack ? "acknowledge" : "requeue")
                    + " a message; the broker will deliver it again", e);
        } finally {
            revocations.untrack(d);
            slots.release();
        }
    }

}
