package dev.amdahl.internal.worker;

import dev.amdahl.internal.task.TaskMdc;
import dev.amdahl.internal.wire.TaskMessage;
import dev.amdahl.internal.workflow.Continuations;
import dev.amdahl.spi.Broker;
import dev.amdahl.spi.Delivery;
import dev.amdahl.spi.ResultBackend;
import dev.amdahl.spi.TaskRecord;
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
 *       workflow continuations are published. If the store or the continuations fail the message is
 *       requeued; if this process dies first, the broker redelivers it. A failed ack leaves the message to
 *       the broker's redelivery, where the consumer finds its record final and acks it without running it.</li>
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
 * the settler never waits to fill a batch.
 *
 * <p>Held messages keep their leases: {@link #renewLeases} extends every one until it is settled.
 */
final class Settlement {

    private static final Logger log = LoggerFactory.getLogger(Settlement.class);
    private static final int MAX_SETTLE_BATCH = 512;

    private final String name;
    private final Broker broker;
    private final ResultBackend backend;
    private final Continuations continuations;
    private final Revocations revocations;
    /** The prefetch slots: each settled message gives its one back. */
    private final Semaphore slots;
    /** Messages taken and not yet settled; their leases are renewed while held. */
    private final Set<Delivery> held = ConcurrentHashMap.newKeySet();
    private final AtomicLong completed = new AtomicLong();
    /** Final records waiting to be stored and acknowledged; drained by {@link #settler}. */
    private final LinkedBlockingQueue<Final> toSettle = new LinkedBlockingQueue<>();
    private final Thread settler;
    private volatile boolean settlerStopping;

    /** A finished message and the record to store for it. */
    private record Final(Delivery delivery, TaskMessage message, TaskRecord record) {
    }

    Settlement(String name, Broker broker, ResultBackend backend, Continuations continuations, Revocations revocations,
               Semaphore slots) {
        this.name = name;
        this.broker = broker;
        this.backend = backend;
        this.continuations = continuations;
        this.revocations = revocations;
        this.slots = slots;
        this.settler = new Thread(this::settleLoop, "amdahl-settler-" + name);
        this.settler.setDaemon(true);
    }

    void start() {
        settler.start();
    }

    /** The consumer took these: they are held until settled. */
    void hold(Collection<Delivery> deliveries) {
        held.addAll(deliveries);
    }

    int heldCount() {
        return held.size();
    }

    /** Tasks whose outcome was stored. */
    long completedCount() {
        return completed.get();
    }

    /** Queues {@code record} to be stored, then the message acked, by the settler (batched). */
    void storeThenAck(Delivery d, TaskMessage m, TaskRecord record) {
        toSettle.add(new Final(d, m, record));
    }

    /** Runs the workflow continuations of a final task, then acks; if they fail the message comes back. */
    void continueThenAck(Delivery d, TaskMessage m, TaskRecord record) {
        try {
            continuations.afterFinal(m, record);
        } catch (RuntimeException e) {
            log.error("worker {}: the workflow steps after task {} could not be published; giving its message back",
                    name, m.id(), e);
            requeue(d);
            return;
        }
        ack(d);
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
        try {
            broker.reject(d, reason);
        } finally {
            release(d);
        }
    }

    /** Extends the lease of every held message; run periodically by the worker. */
    void renewLeases() {
        for (Delivery d : held) {
            try {
                broker.extendLease(d);
            } catch (RuntimeException e) {
                log.warn("worker {}: renewing the lease of {} failed: {}", name, d.messageId(), e.toString());
            }
        }
    }

    /** Lets the settler finish what is queued, then stops it; waits at most {@code millis}. */
    void stop(long millis) throws InterruptedException {
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
            toSettle.drainTo(batch, MAX_SETTLE_BATCH - 1);
            settleBatch(batch);
            batch.clear();
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
        Map<String, TaskRecord> kept;
        try {
            kept = backend.storeAllUnlessFinal(records);
        } catch (RuntimeException e) {
            log.error("worker {}: storing the outcomes of {} task(s) failed; giving their messages back so they are not lost",
                    name, batch.size(), e);
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
            try (TaskMdc ignored = TaskMdc.of(s.message().id())) {
                try {
                    continuations.afterFinal(s.message(), s.record());
                    done.add(s.delivery());
                } catch (RuntimeException e) {
                    log.error("worker {}: the workflow steps after task {} could not be published; giving its message back",
                            name, s.message().id(), e);
                    requeue(s.delivery());
                }
            }
        }
        try {
            broker.ackAll(done);
        } catch (RuntimeException e) {
            log.warn("worker {}: could not acknowledge {} message(s) ({}); the broker will deliver them again and they"
                    + " will be acknowledged without running", name, done.size(), e.toString());
        } finally {
            done.forEach(this::release);
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
            log.warn("worker {}: could not {} message {} ({}); the broker will deliver it again", name,
                    ack ? "acknowledge" : "requeue", d.messageId(), e.toString());
        } finally {
            revocations.untrack(d);
            slots.release();
        }
    }

    /** After a batch ack or a reject, which settled the message at the broker: forgets it and frees its slot. */
    private void release(Delivery d) {
        revocations.untrack(d);
        if (held.remove(d)) {
            slots.release();
        }
    }
}
