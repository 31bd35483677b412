package dev.amdahl.internal.worker;

import dev.amdahl.Worker;
import dev.amdahl.WorkerOptions;
import dev.amdahl.internal.task.ProcessTag;
import dev.amdahl.internal.task.TaskRegistry;
import dev.amdahl.internal.wire.MessageCodec;
import dev.amdahl.internal.wire.MessageSigner;
import dev.amdahl.internal.workflow.Continuations;
import dev.amdahl.spi.Broker;
import dev.amdahl.spi.OutboundMessage;
import dev.amdahl.spi.ResultBackend;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.LongSupplier;
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
 *       never holds more than {@link WorkerOptions#prefetch()} messages. ({@link QueueConsumer})</li>
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

    /**
     * @param registry the tasks, for their rate limits; {@code null} for none
     * @param ticker   nanoseconds for the rate limits, {@link System#nanoTime()} but in tests
     * @param codec    reads the messages, within the application's message limits
     * @param signer   signs the retries and workflow steps published, verifies the messages taken
     */
    public WorkerRuntime(WorkerOptions options, Broker broker, ResultBackend backend, Clock clock, ExecutionPool pool, Runnable onClosed,
                  TaskRegistry registry, LongSupplier ticker, MessageCodec codec, MessageSigner signer) {
        this.options = options;
        this.name = options.name() != null ? options.name() : defaultName();
        this.pool = pool;
        this.onClosed = onClosed;
        Semaphore slots = new Semaphore(options.prefetch());
        this.leaseRenewal = leaseRenewal(options, broker.visibilityTimeout());
        WorkerRecords records = new WorkerRecords(name, clock);
        Continuations continuations = new Continuations(backend, (queue, m, priority) ->
                broker.publish(queue, new OutboundMessage(m.id(), signer.sign(codec.encodeChecked(m)), priority, m.eta())), clock);
        this.revocations = new Revocations(name, backend, pool);
        this.settlement = new Settlement(name, broker, backend, continuations, revocations, slots, leaseRenewal);
        this.limits = new Limits(name, pool, backend, clock, registry, ticker);
        Retries retries = new Retries(broker, backend, clock, records, settlement, signer);
        Runs runs = new Runs(options.maxDeliveries(), backend, records, limits, revocations, settlement, retries);
        this.consumer = new QueueConsumer(options, broker, backend, clock, slots, closing::get, settlement, revocations, limits,
                runs, records, codec, signer);
        this.leaseRenewer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "amdahl-lease-" + name);
            t.setDaemon(true);
            return t;
        });
        this.shutdownHook = new Thread(this::close, "amdahl-shutdown-" + name);
    }

    public void start() {
        long every = Math.max(1, leaseRenewal.toMillis());
        leaseRenewer.scheduleWithFixedDelay(settlement::renewLeases, every, every, TimeUnit.MILLISECONDS);
        Runtime.getRuntime().addShutdownHook(shutdownHook);
        revocations.start();
        settlement.start();
        consumer.start();
        log.info("worker {} consuming {} with {} {} (prefetch {}, leases renewed every {} ms)", name, options.queues(),
                options.concurrency(), options.pool().name().toLowerCase(), options.prefetch(), leaseRenewal.toMillis());
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
            settlement.requeueAllHeld();
            leaseRenewer.shutdownNow();
            revocations.close();
            try {
                Runtime.getRuntime().removeShutdownHook(shutdownHook);
            } catch (IllegalStateException alreadyShuttingDown) {
                // closed by the hook itself
            }
            onClosed.run();
            terminated.countDown();
            log.info("worker {} stopped after {} task(s)", name, settlement.completedCount());
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
                throw new IllegalArgumentException("the lease renewal of " + options.leaseRenewal() + " is not shorter than"
                        + " the broker's visibility timeout of " + t + ": every lease would run out before it is renewed and"
                        + " long tasks would run twice; renew at most every " + t.dividedBy(3) + " (or leave it unset: a"
                        + " third of the visibility timeout), or raise the broker's visibility-timeout");
            });
            return options.leaseRenewal();
        }
        return visibilityTimeout.map(t -> t.dividedBy(3)).filter(d -> !d.isZero()).orElse(WorkerOptions.DEFAULT_LEASE_RENEWAL);
    }
}
