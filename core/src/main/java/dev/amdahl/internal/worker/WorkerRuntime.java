package dev.amdahl.internal.worker;

import dev.amdahl.ErrorType;
import dev.amdahl.TaskState;
import dev.amdahl.Worker;
import dev.amdahl.WorkerOptions;
import dev.amdahl.internal.task.Outcome;
import dev.amdahl.internal.task.ProcessTag;
import dev.amdahl.internal.task.RegisteredTask;
import dev.amdahl.internal.task.RunControl;
import dev.amdahl.internal.task.TaskRegistry;
import dev.amdahl.internal.wire.MalformedMessageException;
import dev.amdahl.internal.wire.MessageCodec;
import dev.amdahl.internal.wire.TaskMessage;
import dev.amdahl.internal.workflow.Continuations;
import dev.amdahl.spi.Broker;
import dev.amdahl.spi.Delivery;
import dev.amdahl.spi.OutboundMessage;
import dev.amdahl.spi.Registration;
import dev.amdahl.spi.ResultBackend;
import dev.amdahl.spi.RevocationFeed;
import dev.amdahl.spi.TaskError;
import dev.amdahl.spi.TaskRecord;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * The worker: one consumer thread takes messages from the broker, a pool runs them, and each
 * outcome is stored before its message is acknowledged.
 *
 * <h2>Invariants</h2>
 * <ul>
 *   <li><b>Prefetch.</b> {@code slots} holds one permit per message the worker may still take; the
 *       consumer takes permits before polling and every settled message gives one back. So the worker
 *       never holds more than {@link WorkerOptions#prefetch()} messages.</li>
 *   <li><b>Late acknowledgement.</b> A message is acked only after its final record is stored. If the
 *       store fails the message is requeued; if this process dies first, the broker redelivers it.</li>
 *   <li><b>Redeliveries do not run twice.</b> Before running a batch, the worker reads the records of
 *       its redelivered tasks, retries and workflow steps (a retry or a step's continuations are published
 *       again when the message they came from is redelivered); a task already final (its result stored before a crash lost the ack, or
 *       revoked) is acknowledged without running. First deliveries are read too unless the revocation feed
 *       is complete (see below).</li>
 *   <li><b>Every held message is settled exactly once</b>: acked, requeued or rejected, also on shutdown.
 *       Settling removes it from {@code held} first; whoever removes it settles it.</li>
 *   <li><b>A retry is never lost.</b> The next try is published (with one more retry and its ETA) before
 *       RETRY is stored and before the current message is acked; if publishing fails the current message
 *       goes back to the broker instead.</li>
 *   <li><b>Rate limits hold messages, not threads.</b> A task over its rate limit waits on the timer with
 *       its message held (leases renewed, prefetch slot taken) and reaches the pool only when its turn
 *       comes, so pool threads run other tasks meanwhile.</li>
 *   <li><b>A revoked task stays REVOKED.</b> See below.</li>
 * </ul>
 *
 * <h2>Revocation</h2>
 * A revocation is a REVOKED record in the backend ({@link Amdahl#revoke}). The worker tracks every task it
 * holds in {@code tracked} <em>before</em> it looks for revocations, and hears of them from the backend's
 * revocation feed ({@link RevocationFeed#onRevoked}, one subscription), or, where the backend has none, from
 * a {@code whenReady} watch per held task. It looks in one of two places:
 * <ul>
 *   <li>where the feed is complete ({@link RevocationFeed#revocationFeedComplete}: it replayed the revocations
 *       stored before), in {@code heardRevoked}, the revocations the feed brought (the last
 *       {@value #HEARD_REVOKED_MAX}, as Celery keeps its revoked ids). That costs no round trip, which is
 *       about a third of an idle worker's latency; a revocation still on its way when the task is taken
 *       arrives through the feed a moment later and finds the task held, as if it had been revoked while
 *       running;</li>
 *   <li>otherwise in the batch's records, read from the backend.</li>
 * </ul>
 * So a revocation stored before the look is seen by it, and one stored after by the feed; nothing in between
 * is missed.
 * What the worker does depends on where the task is:
 * <ul>
 *   <li>not yet handed to the pool: {@link #execute} checks the flag under the tracked entry's lock and
 *       acknowledges the message without running it;</li>
 *   <li>queued in the pool: {@link ExecutionPool#cancel} takes it out;</li>
 *   <li>running: with terminate, the pool stops it (thread interrupted, or child process killed and
 *       replaced); without, it finishes, as in Celery;</li>
 *   <li>finished, outcome not yet stored: the settler stores nothing for it and acknowledges it, so the
 *       REVOKED record is never replaced by SUCCESS or FAILURE.</li>
 * </ul>
 * Every state the worker stores goes through {@link ResultBackend#storeAllUnlessFinal}, which checks and
 * stores in one atomic step: a revocation that reaches the backend between the settler's check and its
 * store still wins, since the outcome is then dropped, and a STARTED or progress report never replaces a
 * REVOKED record. Whichever final record is stored first is the task's outcome.
 *
 * <h2>Batched settlement</h2>
 * Final outcomes go to one settler thread, which stores the records of everything that finished
 * meanwhile with one {@code storeAll}, runs their workflow continuations, and acknowledges them with
 * one {@code ackAll}: two round trips per batch instead of two per task, which is what lets a worker
 * on a remote broker keep up with short tasks. Latency stays that of one round trip each way, since
 * the settler never waits to fill a batch.
 */
public final class WorkerRuntime implements Worker {

    private static final Logger log = LoggerFactory.getLogger(WorkerRuntime.class);
    private static final Duration POLL_WAIT = Duration.ofMillis(500);
    private static final long MAX_BACKOFF_MS = 5_000;
    private static final int MAX_SETTLE_BATCH = 512;
    private static final int HEARD_REVOKED_MAX = 50_000;

    private final String name;
    private final WorkerOptions options;
    private final Broker broker;
    private final ResultBackend backend;
    private final Clock clock;
    private final ExecutionPool pool;
    private final Semaphore slots;
    /** Messages taken and not yet settled; their leases are renewed while held. */
    private final Set<Delivery> held = ConcurrentHashMap.newKeySet();
    /** Set first on close: the consumer takes no more messages. */
    private final AtomicBoolean closing = new AtomicBoolean();
    /** Cleared once the pool has given back what it had not started; what {@link #isRunning()} reports. */
    private volatile boolean running = true;
    private final AtomicLong completed = new AtomicLong();
    private final CountDownLatch terminated = new CountDownLatch(1);
    private final Thread consumer;
    private final ScheduledExecutorService leaseRenewer;
    /** Time limits and rate-limit delays; apart from the lease renewer, whose broker calls may block. */
    private final ScheduledExecutorService timer;
    private final TaskRegistry registry;
    private final Map<String, TokenBucket> buckets = new ConcurrentHashMap<>();
    private final GlobalRateLimiter globalWindows;
    private final LongSupplier ticker;
    private final Thread shutdownHook;
    private final Runnable onClosed;
    private final Continuations continuations;
    /** Final records waiting to be stored and acknowledged; drained by {@link #settler}. */
    private final LinkedBlockingQueue<Settlement> toSettle = new LinkedBlockingQueue<>();
    private final Thread settler;
    private volatile boolean settlerStopping;
    /** The tasks held, by id and by delivery, for revocations to find. */
    private final Map<String, Tracked> tracked = new ConcurrentHashMap<>();
    private final Map<Delivery, Tracked> trackedByDelivery = new ConcurrentHashMap<>();
    /** The backend's revocation feed, or {@code null} when it has none (then each task is watched). */
    private volatile Registration revocations;
    /** The revocations the feed brought, oldest first, at most HEARD_REVOKED_MAX; guarded by itself. */
    private final Map<String, TaskRecord> heardRevoked = new java.util.LinkedHashMap<>(256, 0.75f, false) {
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
        volatile Registration watch;

        Tracked(String taskId, Delivery delivery) {
            this.taskId = taskId;
            this.delivery = delivery;
        }

        synchronized TaskRecord revokedBy() {
            return revokedBy;
        }
    }

    private record Settlement(Delivery delivery, TaskMessage message, TaskRecord record) {
    }

    public WorkerRuntime(WorkerOptions options, Broker broker, ResultBackend backend, Clock clock, ExecutionPool pool, Runnable onClosed) {
        this(options, broker, backend, clock, pool, onClosed, null, System::nanoTime);
    }

    /**
     * @param registry the tasks, for their rate limits; {@code null} for none
     * @param ticker   nanoseconds for the rate limits, {@link System#nanoTime()} but in tests
     */
    public WorkerRuntime(WorkerOptions options, Broker broker, ResultBackend backend, Clock clock, ExecutionPool pool, Runnable onClosed,
                  TaskRegistry registry, LongSupplier ticker) {
        this.registry = registry;
        this.ticker = ticker;
        this.options = options;
        this.name = options.name() != null ? options.name() : defaultName();
        this.broker = broker;
        this.backend = backend;
        this.clock = clock;
        this.pool = pool;
        this.onClosed = onClosed;
        this.slots = new Semaphore(options.prefetch());
        this.consumer = new Thread(this::consume, "amdahl-consumer-" + name);
        this.settler = new Thread(this::settleLoop, "amdahl-settler-" + name);
        this.settler.setDaemon(true);
        this.leaseRenewer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "amdahl-lease-" + name);
            t.setDaemon(true);
            return t;
        });
        ScheduledThreadPoolExecutor timerThread = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "amdahl-timer-" + name);
            t.setDaemon(true);
            return t;
        });
        timerThread.setRemoveOnCancelPolicy(true);   // most time limits are cancelled: do not keep them until due
        this.timer = timerThread;
        this.shutdownHook = new Thread(this::close, "amdahl-shutdown-" + name);
        this.globalWindows = new GlobalRateLimiter(backend);
        this.continuations = new Continuations(backend, (queue, m, priority) ->
                broker.publish(queue, new OutboundMessage(m.id(), MessageCodec.encode(m), priority, m.eta())), clock);
    }

    public void start() {
        long every = options.leaseRenewal().toMillis();
        leaseRenewer.scheduleWithFixedDelay(this::renewLeases, every, every, TimeUnit.MILLISECONDS);
        Runtime.getRuntime().addShutdownHook(shutdownHook);
        revocations = backend.capability(RevocationFeed.class).map(feed -> feed.onRevoked(this::revoked)).orElse(null);
        settler.start();
        consumer.start();
        log.info("worker {} consuming {} with {} {} (prefetch {})", name, options.queues(), options.concurrency(),
                options.pool().name().toLowerCase(), options.prefetch());
    }

    static String defaultName() {
        return "amdahl-" + ProcessTag.current();
    }


    private void consume() {
        long backoff = 0;
        while (!closing.get()) {
            int taken;
            try {
                slots.acquire();
                taken = 1 + slots.drainPermits();
            } catch (InterruptedException e) {
                break;
            }
            List<Delivery> batch;
            try {
                batch = broker.poll(options.queues(), taken, POLL_WAIT);
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
                held.addAll(batch);
                handle(batch);
            }
        }
    }

    private boolean pause(long millis) {
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
                messages.add(MessageCodec.decode(d.body()));
                runnable.add(d);
            } catch (MalformedMessageException e) {
                rejectMalformed(d, e);
            }
        }
        if (messages.isEmpty()) {
            return;
        }
        for (int i = 0; i < messages.size(); i++) {
            track(runnable.get(i), messages.get(i));   // before the look: see "Revocation"
        }
        boolean feedComplete = revocations != null
                && backend.capability(RevocationFeed.class).map(RevocationFeed::revocationFeedComplete).orElse(false);
        List<String> toRead = new ArrayList<>();
        for (int i = 0; i < messages.size(); i++) {
            TaskMessage m = messages.get(i);
            // what can arrive twice is read: redeliveries, and what a worker published (a retry, a workflow step),
            // which it publishes again when the message it came from is redelivered
            if (!feedComplete || runnable.get(i).redelivered() || m.workflow() != null || m.retries() > 0) {
                toRead.add(m.id());
            }
        }
        Map<String, TaskRecord> known;
        try {
            known = toRead.isEmpty() ? Map.of() : backend.getAll(toRead);
        } catch (RuntimeException e) {
            log.warn("worker {}: the result backend is unreachable ({}); giving {} message(s) back", name, e.toString(), messages.size());
            runnable.forEach(this::requeue);
            return;
        }
        List<TaskRecord> started = new ArrayList<>();
        List<Runnable> toRun = new ArrayList<>();
        Instant now = clock.instant();
        for (int i = 0; i < messages.size(); i++) {
            Delivery d = runnable.get(i);
            TaskMessage m = messages.get(i);
            TaskRecord existing = known.get(m.id());
            if (existing == null && feedComplete) {
                synchronized (heardRevoked) {
                    existing = heardRevoked.get(m.id());
                }
            }
            if (existing != null && existing.state().isReady()) {
                log.debug("task {} is {} already; acknowledging its redelivery without running it", m.id(), existing.state());
                // its continuations may not have run before the ack was lost: run them (they are idempotent enough)
                continueThenAck(d, m, existing);
                continue;
            }
            if (m.expires() != null && now.isAfter(m.expires())) {
                storeThenAck(d, m, record(m, TaskState.REVOKED, null, TaskError.of(ErrorType.EXPIRED.typeName(),
                        "task '" + m.task() + "' (id " + m.id() + ") expired at " + m.expires() + " before a worker took it"), null));
                continue;
            }
            if (options.trackStarted()) {
                started.add(record(m, TaskState.STARTED, null, null, null));
            }
            ExecutionPool.Job job = job(d, m, now);
            long wait = rateLimitWait(m.task());
            if (wait > 0) {
                log.debug("task {} waits {} ms for its rate limit", m.id(), wait / 1_000_000);
                toRun.add(() -> later(wait, () -> execute(d, m, job)));
            } else {
                toRun.add(() -> execute(d, m, job));
            }
        }
        if (!started.isEmpty()) {
            try {
                backend.storeAllUnlessFinal(started);
            } catch (RuntimeException e) {
                log.warn("worker {}: could not store STARTED for {} task(s): {}", name, started.size(), e.toString());
            }
        }
        toRun.forEach(Runnable::run);
    }

    private void track(Delivery d, TaskMessage m) {
        Tracked t = new Tracked(m.id(), d);
        tracked.put(m.id(), t);
        trackedByDelivery.put(d, t);
        if (revocations == null) {
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

    private void untrack(Delivery d) {
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
    private TaskRecord revokedMeanwhile(String taskId) {
        Tracked t = tracked.get(taskId);
        return t == null ? null : t.revokedBy();
    }

    /** Hands the job to the pool unless its task was revoked meanwhile; then acknowledges it unrun. */
    private void execute(Delivery d, TaskMessage m, ExecutionPool.Job job) {
        Tracked t = trackedByDelivery.get(d);
        TaskRecord revoked;
        if (t == null) {
            pool.execute(job);
            return;
        }
        synchronized (t) {
            revoked = t.revokedBy;
            if (revoked == null) {
                t.job = job;
                pool.execute(job); // only queues it: cheap under the lock, and a revocation now finds the job
                return;
            }
        }
        MDC.put("taskId", m.id());
        try {
            log.info("task {} was revoked before it started; acknowledging it without running it", m.id());
        } finally {
            MDC.remove("taskId");
        }
        storeThenAck(d, m, revoked);
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
        MDC.put("taskId", record.taskId());
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
        } finally {
            MDC.remove("taskId");
        }
    }

    /** A job whose progress reports are stored, and whose time limits run from when the pool starts it. */
    private ExecutionPool.Job job(Delivery d, TaskMessage m, Instant receivedAt) {
        ExecutionPool.Job[] self = new ExecutionPool.Job[1];
        RunControl control = new RunControl(
                progress -> backend.storeAllUnlessFinal(List.of(new TaskRecord(m.id(), m.task(), TaskState.STARTED, null, null,
                        m.retries(), name, receivedAt, null, 0, progress))),
                () -> armTimeLimits(self[0]));
        self[0] = new ExecutionPool.Job(m, d.deliveryCount(), outcome -> finish(d, m, outcome), control);
        return self[0];
    }

    /**
     * Schedules the job's soft and hard time limits from now; returns how to cancel them. The hard limit
     * asks the pool to end the job; if the pool cannot, the task runs on and the limit is only logged.
     */
    private AutoCloseable armTimeLimits(ExecutionPool.Job job) {
        TaskMessage m = job.message();
        if (m.softTimeLimit() == null && m.hardTimeLimit() == null) {
            return null;
        }
        Instant startedAt = clock.instant();
        long start = System.nanoTime();
        List<ScheduledFuture<?>> timers = new ArrayList<>(2);
        try {
            if (m.softTimeLimit() != null) {
                timers.add(timer.schedule(() -> {
                    MDC.put("taskId", m.id());
                    try {
                        log.info("task {} reached its soft time limit of {}; interrupting it", m.id(), m.softTimeLimit());
                        pool.interrupt(job);
                    } finally {
                        MDC.remove("taskId");
                    }
                }, m.softTimeLimit().toNanos(), TimeUnit.NANOSECONDS));
            }
            if (m.hardTimeLimit() != null) {
                timers.add(timer.schedule(() -> {
                    MDC.put("taskId", m.id());
                    try {
                        TaskError error = TaskError.of(ErrorType.TIME_LIMIT_EXCEEDED.typeName(), "task '" + m.task() + "' (id " + m.id()
                                + ") exceeded its hard time limit of " + m.hardTimeLimit() + " and was stopped");
                        Outcome failure = Outcome.failure(error, startedAt, clock.instant(), System.nanoTime() - start);
                        if (!pool.terminate(job, failure)) {
                            log.warn("task {} exceeded its hard time limit of {}, but this pool cannot stop it", m.id(), m.hardTimeLimit());
                        }
                    } finally {
                        MDC.remove("taskId");
                    }
                }, m.hardTimeLimit().toNanos(), TimeUnit.NANOSECONDS));
            }
        } catch (RejectedExecutionException shuttingDown) {
            // the worker is closing: the pool's shutdown bounds the task instead
        }
        return () -> timers.forEach(t -> t.cancel(false));
    }

    /**
     * How long the task named {@code task} must wait for its rate limits, booking its turn: on this worker
     * (a token bucket), then across all workers (a window counter in the result backend).
     */
    private long rateLimitWait(String task) {
        RegisteredTask<?, ?> t = registry == null ? null : registry.find(task);
        if (t == null) {
            return 0;
        }
        long wait = 0;
        RateLimit limit = t.defaults().rateLimit().map(RateLimit::parse).orElse(null);
        if (limit != null) {
            TokenBucket bucket = buckets.compute(task, (k, b) -> b != null && b.limit().equals(limit) ? b : new TokenBucket(limit, ticker));
            wait = bucket.reserve();
        }
        RateLimit global = t.defaults().globalRateLimit().map(RateLimit::parse).orElse(null);
        if (global != null) {
            wait = Math.max(wait, globalWindows.book(task, global, clock.millis() + wait / 1_000_000) * 1_000_000);
        }
        return wait;
    }

    /** Runs {@code action} after {@code nanos}; if the worker is closing, its message goes back with the rest held. */
    private void later(long nanos, Runnable action) {
        try {
            timer.schedule(action, nanos, TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException closing) {
            log.debug("worker {} is closing; a rate-limited task goes back to the broker", name);
        }
    }

    private void rejectMalformed(Delivery d, MalformedMessageException e) {
        log.warn("worker {}: rejecting message {} from {}: {}", name, d.messageId(), d.queue(), e.getMessage());
        if (e.taskId() != null) {
            // let a waiting client learn why, when the message got far enough to name its task
            try {
                backend.storeAllUnlessFinal(List.of(new TaskRecord(e.taskId(), null, TaskState.FAILURE, null,
                        TaskError.of(e), 0, name, null, clock.instant(), 0)));
            } catch (RuntimeException storeFailure) {
                log.warn("could not store the failure of malformed message {}: {}", e.taskId(), storeFailure.toString());
            }
        }
        try {
            broker.reject(d, e.getMessage());
        } finally {
            release(d);
        }
    }

    private void finish(Delivery d, TaskMessage m, Outcome outcome) {
        MDC.put("taskId", m.id());
        try {
            TaskRecord revoked = revokedMeanwhile(m.id());
            if (revoked != null) {
                // whatever the outcome (a cancel reports ABANDONED), the message is done: the settler keeps the REVOKED record
                storeThenAck(d, m, revoked);
                return;
            }
            switch (outcome.kind()) {
                case SUCCESS, FAILURE -> storeThenAck(d, m, outcome.record(m, name));
                case RETRY -> retry(d, m, outcome);
                case ABANDONED -> requeue(d);
                case CRASHED -> {
                    if (d.deliveryCount() >= options.maxDeliveries()) {
                        TaskError cause = outcome.error();
                        storeThenAck(d, m, record(m, TaskState.FAILURE, null, TaskError.of(cause.type(), "task '" + m.task()
                                + "' (id " + m.id() + ") was delivered " + d.deliveryCount() + " times and its worker process died"
                                + " every time; giving up. Last: " + cause.message()), outcome));
                    } else {
                        log.warn("task {}: {}; delivering it again", m.id(), outcome.error().message());
                        requeue(d);
                    }
                }
                default -> throw new AssertionError(outcome.kind());
            }
        } finally {
            MDC.remove("taskId");
        }
    }

    /**
     * Publishes the next try, stores RETRY, then acks this message. Publishing comes first so that the
     * task exists in the broker at every moment: if it fails, this message is requeued and runs again;
     * if storing RETRY fails after it, the next try is out already and acking is safe (the record just
     * shows the older state until the next try reports).
     */
    private void retry(Delivery d, TaskMessage m, Outcome outcome) {
        Instant eta = clock.instant().plus(outcome.retryDelay());
        TaskMessage next = m.retried(eta);
        if (next.expires() != null && eta.isAfter(next.expires())) {
            TaskError cause = outcome.error();
            storeThenAck(d, m, record(m, TaskState.FAILURE, null, new TaskError(cause.type(), "not retried: the next try at " + eta
                    + " would come after the task expires at " + next.expires() + "; last error: " + cause.message(),
                    cause.stackTrace()), outcome));
            return;
        }
        try {
            // a message id of its own, so a broker that keys messages by id never confuses it with the one held now
            broker.publish(d.queue(), new OutboundMessage(m.id() + "/retry-" + next.retries(), MessageCodec.encode(next),
                    d.priority(), outcome.retryDelay().isZero() ? null : eta));
        } catch (RuntimeException e) {
            log.warn("worker {}: could not publish the retry of task {} ({}); giving its message back", name, m.id(), e.toString());
            requeue(d);
            return;
        }
        try {
            backend.storeAllUnlessFinal(List.of(record(next, TaskState.RETRY, null, outcome.error(), outcome)));
        } catch (RuntimeException e) {
            log.warn("worker {}: could not store RETRY for task {} ({}); its next try is published", name, m.id(), e.toString());
        }
        settle(d, true);
    }

    private void storeThenAck(Delivery d, TaskMessage m, TaskRecord record) {
        toSettle.add(new Settlement(d, m, record));
    }

    private void settleLoop() {
        List<Settlement> batch = new ArrayList<>();
        while (true) {
            Settlement first;
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
    private void settleBatch(List<Settlement> batch) {
        // a task revoked meanwhile keeps its REVOKED record: final states do not move. It is stored again, as
        // it is, in case a STARTED stored by this worker after the revocation replaced it
        List<TaskRecord> records = new ArrayList<>(batch.size());
        for (int i = 0; i < batch.size(); i++) {
            Settlement s = batch.get(i);
            TaskRecord revoked = revokedMeanwhile(s.message().id());
            if (revoked != null) {
                if (s.record() != revoked) {
                    log.info("task {} was revoked while it ran; its {} is discarded", s.message().id(), s.record().state());
                }
                batch.set(i, new Settlement(s.delivery(), s.message(), revoked));
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
            Settlement s = batch.get(i);
            TaskRecord final_ = kept.get(s.message().id());
            if (final_ != null && s.record() != final_) {
                log.info("task {} was {} already; its {} here is discarded", s.message().id(), final_.state(), s.record().state());
                batch.set(i, new Settlement(s.delivery(), s.message(), final_));
            }
        }
        completed.addAndGet(batch.size());
        List<Delivery> done = new ArrayList<>(batch.size());
        for (Settlement s : batch) {
            MDC.put("taskId", s.message().id());
            try {
                continuations.afterFinal(s.message(), s.record());
                done.add(s.delivery());
            } catch (RuntimeException e) {
                log.error("worker {}: the workflow steps after task {} could not be published; giving its message back",
                        name, s.message().id(), e);
                requeue(s.delivery());
            } finally {
                MDC.remove("taskId");
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

    /** Runs the workflow continuations of a final task, then acks; if they fail the message comes back. */
    private void continueThenAck(Delivery d, TaskMessage m, TaskRecord record) {
        try {
            continuations.afterFinal(m, record);
        } catch (RuntimeException e) {
            log.error("worker {}: the workflow steps after task {} could not be published; giving its message back",
                    name, m.id(), e);
            requeue(d);
            return;
        }
        settle(d, true);
    }

    private void requeue(Delivery d) {
        settle(d, false);
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
            untrack(d);
            slots.release();
        }
    }

    private void release(Delivery d) {
        untrack(d);
        if (held.remove(d)) {
            slots.release();
        }
    }

    private void renewLeases() {
        for (Delivery d : held) {
            try {
                broker.extendLease(d);
            } catch (RuntimeException e) {
                log.warn("worker {}: renewing the lease of {} failed: {}", name, d.messageId(), e.toString());
            }
        }
    }

    private TaskRecord record(TaskMessage m, TaskState state, String result, TaskError error, Outcome timing) {
        return new TaskRecord(m.id(), m.task(), state, result, error, m.retries(), name,
                timing == null ? clock.instant() : timing.startedAt(), state.isReady() ? clock.instant() : null,
                timing == null ? 0 : timing.runtimeNanos());
    }


    @Override
    public String name() {
        return name;
    }

    @Override
    public WorkerOptions options() {
        return options;
    }

    @Override
    public long completedCount() {
        return completed.get();
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    @Override
    public void close() {
        if (!closing.compareAndSet(false, true)) {
            try {
                terminated.await(options.shutdownGrace().toMillis() + 10_000, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return;
        }
        log.info("worker {} shutting down: {} message(s) held", name, held.size());
        try {
            pool.stopAccepting();
            running = false;
            pool.awaitRunning(options.shutdownGrace());
            consumer.join(POLL_WAIT.toMillis() * 4 + 1_000);
            if (consumer.isAlive()) {
                consumer.interrupt();
                consumer.join(1_000);
            }
            settlerStopping = true;
            settler.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            // rate-limited tasks still waiting, and whatever else is held (a stuck broker call), go back
            // rather than wait for a visibility timeout
            timer.shutdownNow();
            List.copyOf(held).forEach(this::requeue);
            leaseRenewer.shutdownNow();
            Registration feed = revocations;
            if (feed != null) {
                feed.cancel();
            }
            try {
                Runtime.getRuntime().removeShutdownHook(shutdownHook);
            } catch (IllegalStateException alreadyShuttingDown) {
                // closed by the hook itself
            }
            onClosed.run();
            terminated.countDown();
            log.info("worker {} stopped after {} task(s)", name, completed.get());
        }
    }

    @Override
    public boolean awaitTermination(Duration timeout) throws InterruptedException {
        return terminated.await(timeout.toNanos(), TimeUnit.NANOSECONDS);
    }

    @Override
    public String toString() {
        return "Worker[" + name + ", " + options.queues() + ", " + options.pool() + " x" + options.concurrency() + "]";
    }
}
