package dev.amdahl.internal.worker;

import dev.amdahl.AmdahlException;
import dev.amdahl.ErrorType;
import dev.amdahl.TaskState;
import dev.amdahl.WorkerOptions;
import dev.amdahl.internal.task.TaskMdc;
import dev.amdahl.internal.wire.ByReference;
import dev.amdahl.internal.wire.MalformedMessageException;
import dev.amdahl.internal.wire.TaskMessage;
import dev.amdahl.internal.wire.UnverifiedMessageException;
import dev.amdahl.internal.wire.Wire;
import dev.amdahl.observe.TaskOutcome;
import dev.amdahl.spi.Broker;
import dev.amdahl.spi.Delivery;
import dev.amdahl.spi.RecordsReadAhead;
import dev.amdahl.spi.ResultBackend;
import dev.amdahl.spi.TaskError;
import dev.amdahl.spi.TaskRecord;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The consumer thread: takes messages from the broker within the prefetch limit, decides which of them run,
 * and hands those to the pool, through their rate limits.
 *
 * <ul>
 *   <li><b>Prefetch.</b> {@code slots} holds one permit per message the worker may still take; the consumer
 *       takes permits before polling and every settled message gives one back ({@link Settlement}). So the
 *       worker never holds more than {@link WorkerOptions#prefetchOn(boolean) its prefetch} messages.</li>
 *   <li><b>Redeliveries do not run twice.</b> Before running a batch, the consumer reads the records of its
 *       redelivered tasks, retries and workflow steps (a retry or a step's continuations are published again
 *       when the message they came from is redelivered); a task already final (its result stored before a
 *       crash lost the ack, or revoked) is acknowledged without running. First deliveries are read too: a second
 *       message reusing the id of a finished task is treated as a redelivery (acked unrun). That is one
 *       {@code getAll} per polled batch, amortised over the batch; none where the broker brought the records
 *       with the deliveries ({@link RecordsReadAhead}), for the tasks whose records it brought.</li>
 *   <li><b>A record read ahead is used only with a complete revocation feed.</b> It was read when the broker
 *       handed the delivery out, before the task was tracked for revocations: a revocation stored in between is
 *       in neither that read nor (if the feed brought it before the tracking) the tracked task. With a complete
 *       feed it is in {@link Revocations#heard}, which is consulted for every carried read that is not final;
 *       without one the consumer reads the record itself, after the tracking, as {@link Revocations} requires.
 *       A carried read is used only for the task its delivery names (the decoded message's id is the
 *       delivery's message id, and the record's task id is that id).</li>
 *   <li><b>Exhausted deliveries are reported, not run.</b> The delivery the broker hands out past its maximum
 *       ({@link Delivery#exhausted()}) stores FAILURE with {@link ErrorType#DELIVERIES_EXHAUSTED} for whoever
 *       waits on the task, then is rejected with the same reason; a malformed one is rejected as any malformed
 *       message is.</li>
 * </ul>
 */
final class QueueConsumer {

    private static final Logger log = LoggerFactory.getLogger(QueueConsumer.class);
    private static final Duration POLL_WAIT = Duration.ofMillis(500);
    /** The wait of a poll that left a derived queue out for want of room: how late a freed GPU is used, at most. */
    private static final Duration BRIEF_POLL_WAIT = Duration.ofMillis(50);
    private static final long MAX_BACKOFF_MS = 5_000;
    /** How long the consumer of a broker in this process waits for a batch of free slots; see {@link PrefetchSlots}. */
    private static final long BATCH_PATIENCE_NANOS = 1_000_000;

    private final Wire wire;
    private final String name;
    private final WorkerOptions options;
    private final Broker broker;
    private final ResultBackend backend;
    private final Clock clock;
    private final PrefetchSlots slots;
    /**
     * How many free slots the consumer waits for before it polls: half the prefetch on a broker in this process, where
     * a poll is no round trip and one per message costs a wake-up per task (see {@link PrefetchSlots}); one elsewhere.
     */
    private final int pollBatch;
    /** True once the worker closes: take no more messages. */
    private final BooleanSupplier closing;
    private final Settlement settlement;
    private final Revocations revocations;
    private final Limits limits;
    private final Runs runs;
    private final WorkerRecords records;
    private final WorkerEvents events;
    private final Thread thread;
    private final ThrottledLog unreachable = ThrottledLog.warnings(log);
    private final ThrottledLog rejected = ThrottledLog.warnings(log);
    private final ThrottledLog failures = ThrottledLog.errors(log);
    /** Which queues to poll, and when a task from a derived queue may start. */
    private final Placement placement;
    /** Reads back the arguments that travelled by reference; {@code null} where none can. */
    private final ByReference references;
    /** The backend's reads that come with this broker's deliveries; {@code null} where they do not. */
    private final RecordsReadAhead readAhead;
    private final ThrottledLog readAheadFailures = ThrottledLog.warnings(log);

    QueueConsumer(WorkerOptions options, Broker broker, ResultBackend backend, Clock clock, PrefetchSlots slots, BooleanSupplier closing,
                  Settlement settlement, Revocations revocations, Limits limits, Runs runs, WorkerRecords records,
                  Wire wire, WorkerEvents events, Placement placement, ByReference references) {
        this.placement = placement;
        this.references = references;
        this.wire = wire;
        this.events = events;
        this.name = records.worker();
        this.options = options;
        this.broker = broker;
        this.backend = backend;
        this.clock = clock;
        this.slots = slots;
        this.pollBatch = broker.isShared() ? 1 : Math.max(1, options.prefetchOn(false) / 2);
        this.closing = closing;
        this.settlement = settlement;
        this.revocations = revocations;
        this.limits = limits;
        this.runs = runs;
        this.records = records;
        // asked once: the backend may switch the broker's reading ahead on here, for the broker's life
        this.readAhead = backend.capability(RecordsReadAhead.class).filter(r -> r.readsAheadFor(broker)).orElse(null);
        this.thread = new Thread(this::consume, "amdahl-consumer-" + name);
    }

    void start() {
        thread.start();
    }

    /** Waits for the loop to see the closing flag (a poll in flight ends within its wait), interrupting it if it does not. */
    void awaitStopped() throws InterruptedException {
        thread.join(POLL_WAIT.toMillis() * 4 + 1_000);
        if (thread.isAlive()) {
            thread.interrupt();
            thread.join(1_000);
        }
    }

    private void consume() {
        long backoff = 0;
        while (!closing.getAsBoolean()) {
            int taken;
            try {
                taken = slots.takeBatch(pollBatch, BATCH_PATIENCE_NANOS);
            } catch (InterruptedException e) {
                break;
            }
            List<Delivery> batch;
            try {
                Placement.Poll poll = placement.queues();
                batch = broker.poll(poll.queues(), taken, poll.brief() ? BRIEF_POLL_WAIT : POLL_WAIT);
                backoff = 0;
            } catch (InterruptedException e) {
                slots.release(taken);
                break;
            } catch (RuntimeException e) {
                slots.release(taken);
                backoff = Math.min(MAX_BACKOFF_MS, Math.max(100, backoff * 2));
                log.warn("worker {}: polling the broker failed ({}); retrying in {} ms", name, e.toString(), backoff);
                if (!pause(backoff)) {
                    break;
                }
                continue;
            }
            slots.release(taken - batch.size());
            if (!batch.isEmpty()) {
                settlement.hold(batch);
                try {
                    handle(batch);
                } catch (RuntimeException e) {
                    giveBack(batch, e);
                }
            }
        }
    }

    /**
     * A bug or a broken backend threw out of {@link #handle}: the consumer thread must not end with it, or the
     * messages it holds keep their leases for ever (the renewer extends them) and nothing more is taken. What of the
     * batch is still held and not handed to the pool goes back to the broker (a give-back, counted as a delivery).
     */
    private void giveBack(List<Delivery> batch, RuntimeException e) {
        int given = 0;
        for (Delivery d : batch) {
            if (settlement.holds(d) && !revocations.handedOver(d)) {
                settlement.requeue(d);
                given++;
            }
        }
        failures.log("handle", "worker " + name + ": handling " + batch.size() + " message(s) failed unexpectedly; gave "
                + given + " back to the broker (each give-back counts toward its max deliveries) and went on consuming", e);
    }

    private static boolean pause(long millis) {
        try {
            Thread.sleep(millis);
            return true;
        } catch (InterruptedException e) {
            return false;
        }
    }

    private void handle(List<Delivery> batch) {
        List<Delivery> runnable = new ArrayList<>(batch.size());
        List<TaskMessage> messages = new ArrayList<>(batch.size());
        for (Delivery d : batch) {
            try {
                messages.add(wire.decode(d));
                runnable.add(d);
            } catch (MalformedMessageException e) {
                rejectMalformed(d, e);
            } catch (UnverifiedMessageException e) {
                rejectUnverified(d, e);
            }
        }
        if (messages.isEmpty()) {
            return;
        }
        for (int i = 0; i < messages.size(); i++) {
            revocations.track(runnable.get(i), messages.get(i));   // before the look: see Revocations
        }
        boolean feedComplete = revocations.feedComplete();
        // every message's record is read, in one call for the batch: a redelivery, a retry or workflow step published
        // again when the message it came from was redelivered, and a message reusing a finished task's id (another
        // client, a replayed message) all arrive for a task that may be final already. What the broker brought with
        // the deliveries is not read again; it is older than the tracking, so only with a complete feed (see above)
        RecordsReadAhead.ReadAhead carried = feedComplete && readAhead != null ? carried(runnable) : RecordsReadAhead.ReadAhead.none();
        boolean[] fromCarried = new boolean[messages.size()];
        List<String> toRead = new ArrayList<>(messages.size());
        for (int i = 0; i < messages.size(); i++) {
            TaskMessage m = messages.get(i);
            String messageId = runnable.get(i).messageId();
            TaskRecord r = carried.records().get(m.id());
            fromCarried[i] = m.id().equals(messageId) && carried.read().contains(messageId) && (r == null || r.taskId().equals(m.id()));
            if (!fromCarried[i]) {
                toRead.add(m.id());
            }
        }
        Map<String, TaskRecord> known;
        Map<String, ByReference.Resolution> resolved;
        try {
            known = toRead.isEmpty() ? Map.of() : backend.getAll(toRead);
            resolved = references == null ? Map.of() : references.resolve(messages);
        } catch (RuntimeException e) {
            unreachable.log("read", "worker " + name + ": the result backend is unreachable; giving " + messages.size()
                    + " message(s) back (each give-back counts toward the broker's max deliveries)", e);
            for (int i = 0; i < messages.size(); i++) {
                Delivery d = runnable.get(i);
                if (d.exhausted()) {
                    settlement.reject(d, exhausted(d, messages.get(i)) + " (its FAILURE could not be stored: " + e + ")");
                } else {
                    settlement.requeue(d);
                }
            }
            return;
        }
        List<TaskRecord> started = new ArrayList<>();
        List<Runnable> toRun = new ArrayList<>();
        Instant now = clock.instant();
        for (int i = 0; i < messages.size(); i++) {
            Delivery d = runnable.get(i);
            TaskMessage m = messages.get(i);
            TaskRecord existing = fromCarried[i] ? carried.records().get(m.id()) : known.get(m.id());
            if (fromCarried[i] && (existing == null || !existing.state().isReady())) {
                // read before the tracking: a revocation stored since reached the feed before the tracking (heard
                // here) or after it (the tracked task hears it)
                TaskRecord heard = revocations.heard(m.id());
                if (heard != null) {
                    existing = heard;
                }
            } else if (existing == null && feedComplete) {
                // not dead: the read can find no record for a task whose revocation the feed brought, when the REVOKED
                // record expired or was forgotten since (the feed keeps the last revocations, as Celery keeps revoked
                // ids) or is not readable yet (a feed that outran the store). The revocation still holds
                existing = revocations.heard(m.id());
            }
            if (existing != null && existing.state().isReady()) {
                try (TaskMdc ignored = TaskMdc.of(m.id())) {
                    if (d.redelivered()) {
                        log.debug("task {} is {} already; acknowledging its redelivery without running it", m.id(), existing.state());
                    } else {
                        log.info("task {} is {} already; a message reusing its id is acknowledged without running it",
                                m.id(), existing.state());
                    }
                }
                // its continuations may not have run before the ack was lost: run them (they are idempotent enough)
                settlement.continueThenAck(d, m, existing);
                continue;
            }
            WorkerEvents.Run run = events.received(d, m, now);
            if (d.exhausted()) {
                // the broker's last word on a message nobody settled: tell whoever waits, do not run it again
                settlement.giveUp(d, m, records.of(m, TaskState.FAILURE,
                        TaskError.of(ErrorType.DELIVERIES_EXHAUSTED.typeName(), exhausted(d, m)), null));
                run.finished(TaskOutcome.REJECTED, 0);
                continue;
            }
            String unplaceable = placement.failing(d.queue());
            if (unplaceable != null) {
                // no live worker offers what its queue needs, and the wait is over: its caller hears which resource
                settlement.storeThenAck(d, m, records.of(m, TaskState.FAILURE, TaskError.of(ErrorType.UNPLACEABLE.typeName(),
                        "task '" + m.task() + "' (id " + m.id() + ") failed: " + unplaceable), null));
                run.finished(TaskOutcome.FAILURE, 0);
                continue;
            }
            if (!limits.knows(m.task())) {
                // no code for it here, and none will come by running it again: a FAILURE for whoever waits, and a dead
                // letter (as Celery rejects an unregistered task) that can be replayed once a worker knows the task
                settlement.giveUp(d, m, records.of(m, TaskState.FAILURE, TaskError.of(new AmdahlException("task '" + m.task()
                        + "' (id " + m.id() + ") is not registered in this worker; it knows " + limits.known()
                        + ". Register it (or include its TaskCatalog) in the worker's application")), null));
                run.finished(TaskOutcome.REJECTED, 0);
                continue;
            }
            if (m.expires() != null && now.isAfter(m.expires())) {
                settlement.storeThenAck(d, m, records.of(m, TaskState.REVOKED, TaskError.of(ErrorType.EXPIRED.typeName(),
                        "task '" + m.task() + "' (id " + m.id() + ") expired at " + m.expires() + " before a worker took it"), null));
                run.finished(TaskOutcome.EXPIRED, 0);
                continue;
            }
            ByReference.Resolution reference = resolved.get(m.id());
            if (reference != null && reference.missing() != null) {
                // its argument is gone, and no retry brings it back: a FAILURE that says so
                settlement.storeThenAck(d, m, records.of(m, TaskState.FAILURE,
                        TaskError.of(ErrorType.REFERENCE_EXPIRED.typeName(), reference.missing()), null));
                run.finished(TaskOutcome.FAILURE, 0);
                continue;
            }
            if (options.trackStarted()) {
                started.add(records.of(m, TaskState.STARTED, null, null));
            }
            ExecutionPool.Job job = runs.job(d, m, reference == null ? m : reference.message(), now, run, () -> placement.release(d));
            long wait;
            try {
                wait = limits.rateLimitWait(m.task());
            } catch (AmdahlException refused) {
                // the backend cannot do what the task's global rate limit asks (it counts nothing across processes):
                // running it again will not change that, so its caller hears why, naming what can
                settlement.giveUp(d, m, records.of(m, TaskState.FAILURE, TaskError.of(refused), null));
                run.finished(TaskOutcome.REJECTED, 0);
                continue;
            }
            if (wait > 0) {
                log.debug("task {} waits {} ms for its rate limit", m.id(), wait / 1_000_000);
                toRun.add(() -> limits.later(wait, () -> place(d, m, job, run)));
            } else {
                toRun.add(() -> place(d, m, job, run));
            }
        }
        if (!started.isEmpty()) {
            try {
                backend.storeAllUnlessFinal(started);
            } catch (RuntimeException e) {
                unreachable.log("started", "worker " + name + ": could not store STARTED for " + started.size() + " task(s);"
                        + " running them anyway", e);
            }
        }
        toRun.forEach(Runnable::run);
    }

    /**
     * The reads the broker brought with {@code batch}; none where taking them fails (a bug, or a backend that broke its
     * word to make no round trip): the consumer then reads those records itself, which is never wrong.
     */
    private RecordsReadAhead.ReadAhead carried(List<Delivery> batch) {
        try {
            return readAhead.readAhead(batch);
        } catch (RuntimeException e) {
            readAheadFailures.log("read-ahead", "worker " + name + ": taking the records read ahead for " + batch.size()
                    + " message(s) failed; reading them from the result backend instead", e);
            return RecordsReadAhead.ReadAhead.none();
        }
    }

    /**
     * Runs the job once its resources are granted ({@link Placement}); gives the message back when this worker does not
     * offer them at all (it reached a queue this worker no longer serves).
     */
    private void place(Delivery d, TaskMessage m, ExecutionPool.Job job, WorkerEvents.Run run) {
        if (!placement.run(d, () -> execute(d, m, job, run))) {
            log.warn("worker {}: task {} from {} needs what this worker does not offer ({}); giving it back", name, m.id(),
                    d.queue(), placement.capacity());
            run.finished(TaskOutcome.REQUEUED, 0);
            settlement.requeue(d);
        }
    }

    /** Hands the job to the pool unless its task was revoked meanwhile; then acknowledges it unrun. */
    private void execute(Delivery d, TaskMessage m, ExecutionPool.Job job, WorkerEvents.Run run) {
        if (!settlement.holds(d)) {
            placement.release(d);
            run.finished(TaskOutcome.REQUEUED, 0);
            return;   // its lease was lost while it waited (a rate limit, a paused process): not this worker's to run
        }
        TaskRecord revoked = revocations.handOver(d, job);
        if (revoked == null) {
            return;
        }
        placement.release(d);
        run.finished(TaskOutcome.REVOKED, 0);
        try (TaskMdc ignored = TaskMdc.of(m.id())) {
            log.info("task {} was revoked before it started; acknowledging it without running it", m.id());
        }
        settlement.storeThenAck(d, m, revoked);
    }

    /** Stores nothing, unlike {@link #rejectMalformed}: see {@link UnverifiedMessageException}. */
    private void rejectUnverified(Delivery d, UnverifiedMessageException e) {
        log.warn("worker {}: rejecting message {} from {} without running it: {}", name, d.messageId(), d.queue(), e.getMessage());
        settlement.reject(d, e.getMessage());
    }

    /**
     * The reason an exhausted delivery is given up: what a caller of {@code get()} reads. Every give-back counts
     * as a delivery, so it names the likely causes without asserting one.
     */
    private static String exhausted(Delivery d, TaskMessage m) {
        int deliveries = d.deliveryCount() - 1;
        return "task '" + m.task() + "' (id " + m.id() + ") was delivered " + deliveries + " time(s) without an outcome"
                + " being stored, and the broker allows " + deliveries + " deliveries, so it is not run again. Likely causes, in"
                + " any mix: the worker that took it crashed or was killed (a task that halts or exits its JVM, runs out of memory,"
                + " or is killed by the OS), was stopped and gave it back, lost its lease (paused, or too busy to renew it),"
                + " or could not store its outcome or publish its workflow steps (the result backend or broker unreachable);"
                + " the workers' logs say which";
    }

    private void rejectMalformed(Delivery d, MalformedMessageException e) {
        // a flood of bad messages writes one line per period with a count, not one per message
        rejected.log("malformed", "worker " + name + ": rejecting message " + d.messageId() + " from " + d.queue() + ": "
                + e.getMessage(), null);
        if (e.taskId() != null) {
            // let a waiting client learn why, when the message got far enough to name its task; tried as outcomes
            // are, so one connection reset does not leave it waiting for ever
            try {
                settlement.storeWithRetries(List.of(records.malformed(e.taskId(), e.errorType() == null ? TaskError.of(e)
                        : TaskError.of(e.errorType(), e.reason()))));
            } catch (RuntimeException storeFailure) {
                unreachable.log("malformed-store", "worker " + name + ": could not store the failure of malformed message "
                        + e.taskId() + " after " + Settlement.STORE_TRIES + " tries; whoever waits on it is not told", storeFailure);
            }
        }
        settlement.reject(d, e.getMessage());
    }
}
