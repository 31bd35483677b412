package dev.amdahl.internal.worker;

import dev.amdahl.Resources;
import dev.amdahl.Worker;
import dev.amdahl.WorkerOptions;
import dev.amdahl.internal.observe.Observers;
import dev.amdahl.internal.task.ProcessTag;
import dev.amdahl.internal.task.TaskRegistry;
import dev.amdahl.internal.task.PlacementBoard;
import dev.amdahl.internal.wire.ByReference;
import dev.amdahl.internal.wire.MessageCodec;
import dev.amdahl.internal.wire.TaskMessage;
import dev.amdahl.internal.wire.Wire;
import dev.amdahl.internal.wire.MessageSigner;
import dev.amdahl.internal.workflow.Continuations;
import dev.amdahl.observe.WorkerView;
import dev.amdahl.spi.Broker;
import dev.amdahl.spi.OutboundMessage;
import dev.amdahl.spi.ResultBackend;
import dev.amdahl.spi.WorkerHeartbeat;
import dev.amdahl.spi.WorkerRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The worker: one consumer thread takes messages from the broker, a pool runs them, and each
 * outcome is stored before its message is acknowledged. This class starts and stops the parts; each
 * invariant below is owned by the class it names.
 *
 * <h2>Invariants</h2>
 * <ul>
 *   <li><b>Prefetch.</b> {@code slots} holds one permit per message the worker may still take; the
 *       consumer takes permits before polling and every settled message gives one back. So the worker
 *       never holds more than {@link WorkerOptions#prefetchOn(boolean) its prefetch} messages. ({@link QueueConsumer})</li>
 *   <li><b>Late acknowledgement.</b> A message is acked only after its final record is stored. If the
 *       store fails the message is requeued; if this process dies first, the broker redelivers it.
 *       ({@link Settlement})</li>
 *   <li><b>Redeliveries do not run twice.</b> Before running a batch, the worker reads the records of
 *       its redelivered tasks, retries and workflow steps (a retry or a step's continuations are published
 *       again when the message they came from is redelivered); a task already final (its result stored
 *       before a crash lost the ack, or revoked) is acknowledged without running. First deliveries are read
 *       too: a message reusing the id of a finished task is a redelivery. ({@link QueueConsumer})</li>
 *   <li><b>Nothing is given back for ever.</b> Every give-back (a store or a workflow step that failed, the
 *       backend unreachable, shutdown) is a delivery at the broker; the delivery past the broker's maximum comes
 *       {@linkplain dev.amdahl.spi.Delivery#exhausted() exhausted}, and the worker stores the task's FAILURE
 *       (DELIVERIES_EXHAUSTED) without running it and dead-letters it with the reason. Repeated errors are
 *       logged at a bounded rate. ({@link Settlement}, {@link ThrottledLog})</li>
 *   <li><b>Leases.</b> Held messages' leases are renewed at a third of the broker's visibility timeout unless
 *       {@link WorkerOptions#leaseRenewal()} says otherwise; a lease the broker reports lost drops its message:
 *       not started, not settled here. ({@link Settlement})</li>
 *   <li><b>Every held message is settled exactly once</b>: acked, requeued or rejected, also on shutdown.
 *       Settling removes it from {@code held} first; whoever removes it settles it. ({@link Settlement})</li>
 *   <li><b>A retry is never lost.</b> The next try is published (with one more retry and its ETA) before
 *       RETRY is stored and before the current message is acked; if publishing fails the current message
 *       goes back to the broker instead. ({@link Retries})</li>
 *   <li><b>Rate limits hold messages, not threads.</b> A task over its rate limit waits on the timer with
 *       its message held (leases renewed, prefetch slot taken) and reaches the pool only when its turn
 *       comes, so pool threads run other tasks meanwhile. ({@link Limits})</li>
 *   <li><b>A revoked task stays REVOKED.</b> A revocation stored before the worker looks is seen by the
 *       look, one stored after by the revocation feed; a revoked task is not started, is stopped with
 *       terminate, and its outcome never replaces the REVOKED record. ({@link Revocations},
 *       {@link Settlement})</li>
 * </ul>
 *
 * <p>The parts: {@link QueueConsumer} (polling, prefetch, which messages run), {@link Runs} (the pool's jobs
 * and what their outcomes mean), {@link Settlement} (storing, acking, requeuing; lease renewal of what is
 * held), {@link Revocations}, {@link Limits} (time and rate limits), {@link Retries}.
 */
public final class WorkerRuntime implements Worker {

    private static final Logger log = LoggerFactory.getLogger(WorkerRuntime.class);

    private final String name;
    private final WorkerOptions options;
    private final ExecutionPool pool;
    /** Set first on close: the consumer takes no more messages. */
    private final AtomicBoolean closing = new AtomicBoolean();
    /** Cleared once the pool has given back what it had not started; what {@link #isRunning()} reports. */
    private volatile boolean running = true;
    private final CountDownLatch terminated = new CountDownLatch(1);
    private final ScheduledExecutorService leaseRenewer;
    private final Thread shutdownHook;
    private final Runnable onClosed;
    private final Revocations revocations;
    private final Settlement settlement;
    private final Limits limits;
    private final QueueConsumer consumer;
    /** How often held messages' leases are renewed: set, or derived from the broker's visibility timeout. */
    private final Duration leaseRenewal;
    /** How many messages it holds at most: the options', or the broker's default. */
    private final int prefetch;
    private final WorkerEvents events;
    /** This worker as observers sample it. */
    private final WorkerView view;
    private final WorkerActivity activity;
    private final Heartbeats heartbeats;
    /** The derived queues it consumes and the resources its tasks hold. */
    private final Placement placement;
    /** Learns the derived queues in use; fails the tasks no live worker can place. */
    private final Unplaceables unplaceables;
    /** The periodic tasks this worker's application fires, for its heartbeat; none unless told. */
    private volatile Supplier<List<String>> schedules = List::of;

    /**
     * @param registry the tasks, for their rate limits; {@code null} for none
     * @param ticker   nanoseconds for the rate limits, {@link System#nanoTime()} but in tests
     * @param wire     reads the messages taken and writes the retries and workflow steps published
     * @param observers told of each task's life and of the worker's start and stop
     * @param references reads back arguments that travel by reference and sends large workflow steps so; {@code null}
     *                   where the wire cannot carry handles
     */
    public WorkerRuntime(WorkerOptions options, Broker broker, ResultBackend backend, Clock clock, ExecutionPool pool, Runnable onClosed,
                  TaskRegistry registry, LongSupplier ticker, Wire wire, Observers observers, ByReference references) {
        this.options = options;
        this.name = options.name() != null ? options.name() : defaultName();
        this.pool = pool;
        this.onClosed = onClosed;
        this.prefetch = options.prefetchOn(broker.isShared());
        PrefetchSlots slots = new PrefetchSlots(prefetch);
        this.leaseRenewal = leaseRenewal(options, broker.visibilityTimeout());
        WorkerRecords records = new WorkerRecords(name, clock);
        this.events = new WorkerEvents(name, observers);
        this.view = new View(broker);
        Continuations continuations = new Continuations(backend, (queue, m, priority) ->
                broker.publish(queue, encodeStep(wire, references, m, priority)), clock,
                wire.hasStepsAfterFinal() ? wire::afterFinal : null);
        this.placement = new Placement(options.resources() != null ? options.resources() : Resources.detected(), options.queues());
        this.revocations = new Revocations(name, backend, pool);
        this.settlement = new Settlement(name, broker, backend, continuations, revocations, slots, leaseRenewal, events);
        this.limits = new Limits(name, pool, backend, clock, registry, ticker);
        Retries retries = new Retries(broker, backend, clock, records, settlement, wire);
        this.activity = new WorkerActivity(clock);
        Runs runs = new Runs(options.maxDeliveries(), backend, records, limits, revocations, settlement, retries, activity);
        this.consumer = new QueueConsumer(options, broker, backend, clock, slots, closing::get, settlement, revocations, limits,
                runs, records, wire, events, placement, references);
        WorkerRegistry workerRegistry = backend.capability(WorkerRegistry.class).orElse(null);
        this.unplaceables = new Unplaceables(name, options.queues(), options.unplaceableAfter(), placement,
                new PlacementBoard(backend, clock), workerRegistry, registry, broker, clock);
        this.leaseRenewer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "amdahl-lease-" + name);
            t.setDaemon(true);
            return t;
        });
        this.shutdownHook = new Thread(this::close, "amdahl-shutdown-" + name);
        this.heartbeats = new Heartbeats(workerRegistry, name, options, activity,
                settlement::heldCount, registry == null ? List::of : registry::names, () -> schedules.get(), placement.capacity(),
                unplaceables::current);
    }

    /** What this worker's heartbeat lists as the periodic tasks fired beside it. */
    public void describeSchedules(Supplier<List<String>> schedules) {
        this.schedules = schedules;
    }

    /** The heartbeat this worker would send now. */
    public WorkerHeartbeat heartbeat() {
        return heartbeats.current();
    }

    public void start() {
        long every = Math.max(1, leaseRenewal.toMillis());
        leaseRenewer.scheduleWithFixedDelay(settlement::renewLeases, every, every, TimeUnit.MILLISECONDS);
        Runtime.getRuntime().addShutdownHook(shutdownHook);
        revocations.start();
        settlement.start();
        consumer.start();
        events.observers().workerStarted(view);
        heartbeats.start(leaseRenewer);
        unplaceables.start(leaseRenewer);
        log.info("worker {} consuming {} with {} {} (prefetch {}, leases renewed every {} ms)", name, options.queues(),
                options.concurrency(), options.pool().name().toLowerCase(), prefetch, leaseRenewal.toMillis());
    }

    static String defaultName() {
        return "amdahl-" + ProcessTag.current();
    }

    @Override
    public String name() {
        return name;
    }

    /** How many messages this worker holds now: taken and not yet settled, nor dropped for a lost lease. */
    public int heldCount() {
        return settlement.heldCount();
    }

    /** How often this worker renews its leases. */
    public Duration leaseRenewal() {
        return leaseRenewal;
    }

    @Override
    public WorkerOptions options() {
        return options;
    }

    @Override
    public long completedCount() {
        return settlement.completedCount();
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
        log.info("worker {} shutting down: {} message(s) held", name, settlement.heldCount());
        try {
            pool.stopAccepting();
            running = false;
            pool.awaitRunning(options.shutdownGrace());
            consumer.awaitStopped();
            settlement.stop(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            // rate-limited tasks still waiting, and whatever else is held (a stuck broker call), go back
            // rather than wait for a visibility timeout
            limits.shutdown();
            placement.clearWaiting();
            settlement.requeueAllHeld();
            leaseRenewer.shutdownNow();
            heartbeats.stop();
            revocations.close();
            try {
                Runtime.getRuntime().removeShutdownHook(shutdownHook);
            } catch (IllegalStateException alreadyShuttingDown) {
                // closed by the hook itself
            }
            events.observers().workerStopped(view);
            onClosed.run();
            terminated.countDown();
            log.info("worker {} stopped after {} task(s)", name, settlement.completedCount());
        }
    }

    @Override
    public boolean awaitTermination(Duration timeout) throws InterruptedException {
        return terminated.await(timeout.toNanos(), TimeUnit.NANOSECONDS);
    }

    /** What this worker offers to tasks that declare needs. */
    public Resources resources() {
        return placement.capacity();
    }

    /** How much of {@code resource} its running tasks hold now. */
    public long resourceInUse(String resource) {
        return placement.inUse(resource);
    }

    /** Looks for derived queues and unplaceable tasks now, as the worker does every two seconds (for tests). */
    public void sweepPlacement() {
        unplaceables.sweep();
    }

    /**
     * A workflow step's message as a worker publishes it: refused over the message limits, as by value; by reference
     * when it is over the threshold (a chord's callback carrying its members' results), so the queue does not carry them.
     */
    private static OutboundMessage encodeStep(Wire wire, ByReference references, TaskMessage m, int priority) {
        OutboundMessage out = wire.encode(m, priority);
        return references != null && references.over(out.body().length) ? wire.encode(references.offload(m).message(), priority) : out;
    }

    /** How many tasks run now. */
    public int runningCount() {
        return events.runningCount();
    }

    /** The worker as {@link dev.amdahl.observe.TaskObserver}s sample it. */
    private final class View implements WorkerView {
        private final Broker broker;

        View(Broker broker) {
            this.broker = broker;
        }

        @Override
        public String name() {
            return name;
        }

        @Override
        public List<String> queues() {
            return options.queues();
        }

        @Override
        public int concurrency() {
            return options.concurrency();
        }

        @Override
        public int prefetch() {
            return prefetch;
        }

        @Override
        public int runningCount() {
            return events.runningCount();
        }

        @Override
        public int heldCount() {
            return settlement.heldCount();
        }

        @Override
        public long queueDepth(String queue) {
            return broker.depth(queue);
        }

        @Override
        public String toString() {
            return WorkerRuntime.this.toString();
        }
    }

    @Override
    public String toString() {
        return "Worker[" + name + ", " + options.queues() + ", " + options.pool() + " x" + options.concurrency() + "]";
    }

    /**
     * The lease renewal on a broker with {@code visibilityTimeout}: {@link WorkerOptions#leaseRenewal()} when set,
     * else a third of the timeout (so two renewals can fail or come late before the lease runs out), else
     * {@link WorkerOptions#DEFAULT_LEASE_RENEWAL}.
     *
     * @throws IllegalArgumentException for a renewal set no shorter than the visibility timeout: every lease would run
     *                                  out before it is renewed, and every long task would run twice
     */
    static Duration leaseRenewal(WorkerOptions options, Optional<Duration> visibilityTimeout) {
        if (options.leaseRenewal() != null) {
            visibilityTimeout.filter(t -> options.leaseRenewal().compareTo(t) >= 0).ifPresent(t -> {
                throw new IllegalArgumentException("the lease renewal of " + written(options.leaseRenewal()) + " is not shorter"
                        + " than the broker's visibility timeout of " + written(t) + ": every lease would run out before it is"
                        + " renewed and long tasks would run twice; renew at most every " + written(t.dividedBy(3)) + " (or leave it unset: a"
                        + " third of the visibility timeout), or raise the broker's visibility-timeout");
            });
            return options.leaseRenewal();
        }
        return visibilityTimeout.map(t -> t.dividedBy(3)).filter(d -> !d.isZero()).orElse(WorkerOptions.DEFAULT_LEASE_RENEWAL);
    }

    /** {@code 40s}, {@code 1m30s}, {@code 0.5s}: as a person (or a URL option) writes it, not {@code PT40S}. */
    static String written(Duration d) {
        return d.toString().substring(2).toLowerCase(java.util.Locale.ROOT);
    }
}
