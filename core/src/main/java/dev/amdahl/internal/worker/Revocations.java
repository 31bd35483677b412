package dev.amdahl.internal.worker;

import dev.amdahl.ErrorType;
import dev.amdahl.TaskState;
import dev.amdahl.internal.task.Outcome;
import dev.amdahl.internal.task.TaskMdc;
import dev.amdahl.internal.wire.TaskMessage;
import dev.amdahl.spi.Delivery;
import dev.amdahl.spi.Registration;
import dev.amdahl.spi.ResultBackend;
import dev.amdahl.spi.RevocationFeed;
import dev.amdahl.spi.TaskRecord;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The worker's view of revocations: the tasks it holds, the revocations it has heard of, and what a
 * revocation does to a held task.
 *
 * <h2>Revocation</h2>
 * A revocation is a REVOKED record in the backend ({@code Amdahl.revoke}). The worker tracks every task it
 * holds in {@code tracked} <em>before</em> it looks for revocations, and hears of them from the backend's
 * revocation feed ({@link RevocationFeed#onRevoked}, one subscription), or, where the backend has none, from
 * a {@code whenReady} watch per held task. It looks in the batch's records, which the consumer reads for every
 * message (a message may reuse the id of a finished task), and, where the feed is complete
 * ({@link RevocationFeed#revocationFeedComplete}: it replayed the revocations stored before), also in
 * {@code heardRevoked}, the revocations the feed brought (the last {@value #HEARD_REVOKED_MAX}, as Celery keeps
 * its revoked ids). A revocation still on its way when the task is taken arrives through the feed a moment
 * later and finds the task held, as if it had been revoked while running.
 * So a revocation stored before the look is seen by it, and one stored after by the feed; nothing in between
 * is missed.
 * What the worker does depends on where the task is:
 * <ul>
 *   <li>not yet handed to the pool: {@link #handOver} checks the flag under the tracked entry's lock and
 *       the message is acknowledged without running it;</li>
 *   <li>queued in the pool: {@link ExecutionPool#cancel} takes it out;</li>
 *   <li>running: with terminate, the pool stops it (thread interrupted, or child process killed and
 *       replaced); without, it finishes, as in Celery;</li>
 *   <li>finished, outcome not yet stored: the {@link Settlement} stores nothing for it and acknowledges it, so
 *       the REVOKED record is never replaced by SUCCESS or FAILURE.</li>
 * </ul>
 * Every state the worker stores goes through {@link ResultBackend#storeAllUnlessFinal}, which checks and
 * stores in one atomic step: a revocation that reaches the backend between the settler's check and its
 * store still wins, since the outcome is then dropped, and a STARTED or progress report never replaces a
 * REVOKED record. Whichever final record is stored first is the task's outcome.
 */
final class Revocations {

    private static final Logger log = LoggerFactory.getLogger(Revocations.class);
    private static final int HEARD_REVOKED_MAX = 50_000;

    private final String name;
    private final ResultBackend backend;
    private final ExecutionPool pool;
    /** The tasks held, by id and by delivery, for revocations to find. */
    private final Map<String, Tracked> tracked = new ConcurrentHashMap<>();
    private final Map<Delivery, Tracked> trackedByDelivery = new ConcurrentHashMap<>();
    /** The backend's revocation feed, or {@code null} when it has none (then each task is watched). */
    private final RevocationFeed source;
    /** The subscription to {@link #source}, or {@code null} before start and without a feed. */
    private volatile Registration feed;
    /** The revocations the feed brought, oldest first, at most HEARD_REVOKED_MAX; guarded by itself. */
    private final Map<String, TaskRecord> heardRevoked = new LinkedHashMap<>(256, 0.75f, false) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, TaskRecord> eldest) {
            return size() > HEARD_REVOKED_MAX;
        }
    };

    /** A held task as revocations see it. Its monitor guards {@code job} and {@code revokedBy}. */
    private static final class Tracked {
        final String taskId;
        final Delivery delivery;
        ExecutionPool.Job job;
        TaskRecord revokedBy;
        /** Its lease was lost: not to be handed to the pool. */
        boolean dropped;
        volatile Registration watch;

        Tracked(String taskId, Delivery delivery) {
            this.taskId = taskId;
            this.delivery = delivery;
        }

        synchronized TaskRecord revokedBy() {
            return revokedBy;
        }
    }

    Revocations(String name, ResultBackend backend, ExecutionPool pool) {
        this.name = name;
        this.backend = backend;
        this.pool = pool;
        this.source = backend.capability(RevocationFeed.class).orElse(null);
    }

    /** Subscribes to the backend's revocation feed, where it has one. */
    void start() {
        feed = source == null ? null : source.onRevoked(this::revoked);
    }

    void close() {
        Registration f = feed;
        if (f != null) {
            f.cancel();
        }
    }

    /**
     * Whether the feed replayed the revocations stored before it started (see "Revocation"), so that
     * {@link #heard} may be trusted where a batch's read finds no record. Records are read for every message
     * either way.
     */
    boolean feedComplete() {
        return feed != null && source.revocationFeedComplete();
    }

    /** The REVOKED record the feed brought for {@code taskId}, or {@code null}; only meaningful when the feed is complete. */
    TaskRecord heard(String taskId) {
        synchronized (heardRevoked) {
            return heardRevoked.get(taskId);
        }
    }

    /** Starts tracking a held task; called before the look for revocations (see "Revocation"). */
    void track(Delivery d, TaskMessage m) {
        Tracked t = new Tracked(m.id(), d);
        tracked.put(m.id(), t);
        trackedByDelivery.put(d, t);
        if (feed == null) {
            try {
                t.watch = backend.whenReady(m.id(), r -> {
                    if (r.state() == TaskState.REVOKED) {
                        revoked(r);
                    }
                });
            } catch (RuntimeException e) {
                log.warn("worker {}: could not watch task {} for revocation: {}", name, m.id(), e.toString());
            }
        }
    }

    /** Stops tracking the task of a settled message. */
    void untrack(Delivery d) {
        Tracked t = trackedByDelivery.remove(d);
        if (t != null) {
            tracked.remove(t.taskId, t);
            Registration watch = t.watch;
            if (watch != null) {
                watch.cancel();
            }
        }
    }

    /** The REVOKED record of a held task revoked meanwhile, or {@code null}. */
    TaskRecord revokedMeanwhile(String taskId) {
        Tracked t = tracked.get(taskId);
        return t == null ? null : t.revokedBy();
    }

    /**
     * Hands the job to the pool unless its task was revoked meanwhile; returns the REVOKED record in that case
     * (the job is then not run, and its message is to be acknowledged), else {@code null}. A message no longer
     * held (settled on shutdown, or its lease lost) is not handed over, and {@code null} is returned: there is
     * nothing left to settle.
     */
    TaskRecord handOver(Delivery d, ExecutionPool.Job job) {
        Tracked t = trackedByDelivery.get(d);
        if (t == null) {
            // settled or dropped before its turn came (shutdown, a lost lease): it is not this worker's to run
            log.debug("message {} is no longer held; not running it", d.messageId());
            return null;
        }
        synchronized (t) {
            if (t.dropped) {
                return null;   // its lease was lost meanwhile: someone else may run it now (Settlement#leaseLost)
            }
            if (t.revokedBy == null) {
                t.job = job;
                pool.execute(job); // only queues it: cheap under the lock, and a revocation now finds the job
                return null;
            }
            return t.revokedBy;
        }
    }

    /** Whether the job of {@code d} went to the pool: it is then the job's to settle. */
    boolean handedOver(Delivery d) {
        Tracked t = trackedByDelivery.get(d);
        if (t == null) {
            return false;
        }
        synchronized (t) {
            return t.job != null;
        }
    }

    /**
     * The lease on {@code d} was lost: it must not start here. Returns whether that is certain (it was not handed
     * to the pool yet, or the pool had not started it and cancelled it); false when it runs or ran already.
     */
    boolean dropUnstarted(Delivery d) {
        Tracked t = trackedByDelivery.get(d);
        if (t == null) {
            return false;
        }
        ExecutionPool.Job job;
        synchronized (t) {
            t.dropped = true;
            job = t.job;
        }
        return job == null || pool.cancel(job, Outcome.abandoned("its lease was lost"), false);
    }

    /**
     * A revocation from the feed (or a task's watch): if this worker holds the task, it will not start it,
     * and with terminate stops it if it runs. Runs on a backend thread or the revoking thread: only
     * non-blocking calls here (the pool's cancel signals, settlement is queued).
     */
    private void revoked(TaskRecord record) {
        synchronized (heardRevoked) {
            heardRevoked.put(record.taskId(), record);   // before the lookup in tracked: see "Revocation"
        }
        Tracked t = tracked.get(record.taskId());
        if (t == null) {
            return;
        }
        boolean terminate = record.error() != null && ErrorType.TERMINATED.typeName().equals(record.error().type());
        ExecutionPool.Job job;
        synchronized (t) {
            if (t.revokedBy != null) {
                return;
            }
            t.revokedBy = record;
            job = t.job;
        }
        try (TaskMdc ignored = TaskMdc.of(record.taskId())) {
            try {
                if (job == null) {
                    log.info("task {} was revoked; it will not run", record.taskId());
                } else if (pool.cancel(job, Outcome.abandoned("the task was revoked"), terminate)) {
                    log.info("task {} was revoked{}", record.taskId(), terminate ? " and stopped" : " before it started");
                } else {
                    log.info("task {} was revoked while running{}; it finishes and its outcome is discarded", record.taskId(),
                            terminate ? ", but it had ended or this pool cannot stop it" : " without terminate");
                }
            } catch (RuntimeException e) {
                log.warn("worker {}: could not cancel revoked task {}: {}", name, record.taskId(), e.toString());
            }
        }
    }
}
