package dev.amdahl;

import dev.amdahl.internal.task.QueueNames;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * How a worker runs: which queues it consumes, how many tasks it runs at once and where. Immutable;
 * made by {@link #builder()}, {@link #ofDefaults()} or {@link #from(WorkerOptions)}.
 *
 * <pre>{@code
 * Worker worker = app.startWorker(WorkerOptions.builder()
 *         .queues("tiles", "amdahl")
 *         .concurrency(8)
 *         .pool(Pool.PROCESSES)
 *         .build());
 * }</pre>
 *
 * @param queues          the queues to consume, served fairly
 * @param concurrency     how many tasks run at once
 * @param prefetch        how many messages the worker holds at most (running plus waiting); at least concurrency, or
 *                        {@code 0} (the default) for the broker's default, {@link #prefetchOn(boolean)}
 * @param pool            where tasks run
 * @param shutdownGrace   on close or SIGTERM, how long running tasks may take to finish before they are interrupted and requeued
 * @param leaseRenewal    how often the worker tells the broker it still holds its messages; {@code null} (the default)
 *                        for a third of the broker's visibility timeout ({@link #DEFAULT_LEASE_RENEWAL} for a broker
 *                        that has none). Set it only to renew more often: renewing less often than every visibility
 *                        timeout lets the broker hand a running task to a second worker
 * @param trackStarted    whether STARTED is stored when a task starts: one more write per task, so off by
 *                        default, as Celery's {@code task_track_started}; a task that reports progress is STARTED anyway
 * @param maxDeliveries   a message whose process-pool child died this many times while running it is failed
 *                        ({@link ErrorType#WORKER_LOST}), not redelivered: the worker sees those deaths itself. The
 *                        broker's own limit ({@code max-deliveries} in its URL) counts every delivery, including
 *                        those of a whole worker that died, and ends in {@link ErrorType#DELIVERIES_EXHAUSTED};
 *                        whichever is lower ends the task first
 * @param name            the worker's name in records and logs, {@code null} for {@code amdahl-<pid>@<host>}
 * @param resources       what the worker offers to tasks that declare needs ({@link Resources}); {@code null} (the
 *                        default) for {@link Resources#detected()}. It consumes, beside each of its queues, the derived
 *                        queues ({@code tiles@gpu=1}) whose needs it meets, and runs no more of their tasks at once than
 *                        each quantity allows
 * @param unplaceableAfter how long tasks may wait in a derived queue that no live worker can serve before a worker of
 *                        its base queue fails them, naming the resource nobody offers
 */
public record WorkerOptions(List<String> queues, int concurrency, int prefetch, Pool pool, Duration shutdownGrace,
                            Duration leaseRenewal, boolean trackStarted, int maxDeliveries, String name, Resources resources,
                            Duration unplaceableAfter) {

    /** How long a task no live worker can place waits, unless set, before it fails. */
    public static final Duration DEFAULT_UNPLACEABLE_AFTER = Duration.ofMinutes(5);

    /** The queue tasks go to and workers consume unless told otherwise. */
    public static final String DEFAULT_QUEUE = "amdahl";

    /** How often leases are renewed on a broker that reports no visibility timeout, unless set. */
    public static final Duration DEFAULT_LEASE_RENEWAL = Duration.ofSeconds(10);

    /**
     * How often the worker renews its leases, when set. {@code null} (the default) means it is derived from the
     * broker: a third of its visibility timeout, or {@link #DEFAULT_LEASE_RENEWAL} for a broker that has none.
     */
    @Override
    public Duration leaseRenewal() {
        return leaseRenewal;
    }

    /** The default prefetch per concurrency slot on a broker other processes share, as Celery's prefetch multiplier. */
    public static final int DEFAULT_PREFETCH_MULTIPLIER = 4;

    /**
     * The default prefetch per concurrency slot on a broker in this process (the embedded one): there a poll is no
     * round trip and a held message costs no more than a waiting one, while a short pipeline costs the worker a wake-up
     * of its consumer and of a pool thread every few tasks.
     */
    public static final int LOCAL_PREFETCH_MULTIPLIER = 32;

    /**
     * The prefetch a worker on a broker that is {@code shared} by other processes (or not: the embedded one) uses: the
     * one set, else {@link #DEFAULT_PREFETCH_MULTIPLIER} or {@link #LOCAL_PREFETCH_MULTIPLIER} times the concurrency.
     */
    public int prefetchOn(boolean shared) {
        return prefetch != 0 ? prefetch : concurrency * (shared ? DEFAULT_PREFETCH_MULTIPLIER : LOCAL_PREFETCH_MULTIPLIER);
    }

    public WorkerOptions {
        queues = List.copyOf(queues);
        if (queues.isEmpty()) {
            throw new IllegalArgumentException("a worker needs at least one queue to consume");
        }
        queues.forEach(QueueNames::check);
        if (concurrency < 1) {
            throw new IllegalArgumentException("concurrency must be at least 1, was " + concurrency);
        }
        if (prefetch != 0 && prefetch < concurrency) {
            throw new IllegalArgumentException("prefetch (" + prefetch + ") must be at least concurrency (" + concurrency
                    + "), or the pool would wait for messages it is not allowed to take");
        }
        Objects.requireNonNull(pool, "pool");
        if (shutdownGrace.isNegative()) {
            throw new IllegalArgumentException("shutdownGrace must not be negative, was " + shutdownGrace);
        }
        if (leaseRenewal != null && (leaseRenewal.isNegative() || leaseRenewal.isZero())) {
            throw new IllegalArgumentException("leaseRenewal must be positive, was " + leaseRenewal);
        }
        if (maxDeliveries < 1) {
            throw new IllegalArgumentException("maxDeliveries must be at least 1, was " + maxDeliveries);
        }
        for (String q : queues) {
            if (q.indexOf('@') >= 0) {
                throw new IllegalArgumentException("queue '" + q + "' is a derived queue: give the worker its base queue and the"
                        + " resources it offers (resources(...)), and it consumes the derived queues it can serve");
            }
        }
        if (unplaceableAfter == null || unplaceableAfter.isNegative() || unplaceableAfter.isZero()) {
            throw new IllegalArgumentException("unplaceableAfter must be positive, was " + unplaceableAfter);
        }
    }

    /** A worker that offers the resources {@link Resources#detected() detected} on its machine. */
    public WorkerOptions(List<String> queues, int concurrency, int prefetch, Pool pool, Duration shutdownGrace,
                         Duration leaseRenewal, boolean trackStarted, int maxDeliveries, String name) {
        this(queues, concurrency, prefetch, pool, shutdownGrace, leaseRenewal, trackStarted, maxDeliveries, name, null,
                DEFAULT_UNPLACEABLE_AFTER);
    }

    /** One worker thread per available processor on the default queue. */
    public static WorkerOptions ofDefaults() {
        return builder().build();
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A builder starting from {@code base}. */
    public static Builder from(WorkerOptions base) {
        Builder b = new Builder();
        b.queues = base.queues;
        b.concurrency = base.concurrency;
        b.prefetch = base.prefetch == 0 ? null : base.prefetch;
        b.pool = base.pool;
        b.shutdownGrace = base.shutdownGrace;
        b.leaseRenewal = base.leaseRenewal;
        b.trackStarted = base.trackStarted;
        b.maxDeliveries = base.maxDeliveries;
        b.name = base.name;
        b.resources = base.resources;
        b.unplaceableAfter = base.unplaceableAfter;
        return b;
    }

    /** Builds {@link WorkerOptions}; every setter validates when {@link #build()} runs. */
    public static final class Builder {
        private List<String> queues = List.of(DEFAULT_QUEUE);
        private int concurrency = Runtime.getRuntime().availableProcessors();
        private Integer prefetch;
        private Pool pool = Pool.THREADS;
        private Duration shutdownGrace = Duration.ofSeconds(30);
        private Duration leaseRenewal;
        private boolean trackStarted;
        private int maxDeliveries = 3;
        private String name;
        private Resources resources;
        private Duration unplaceableAfter = DEFAULT_UNPLACEABLE_AFTER;

        private Builder() {
        }

        public Builder queues(String... queues) {
            this.queues = List.of(queues);
            return this;
        }

        public Builder queues(List<String> queues) {
            this.queues = List.copyOf(queues);
            return this;
        }

        public Builder concurrency(int concurrency) {
            this.concurrency = concurrency;
            return this;
        }

        /**
         * Defaults to four times the concurrency, as Celery's prefetch multiplier, and to 32 times on the embedded
         * broker ({@link WorkerOptions#prefetchOn(boolean)}).
         */
        public Builder prefetch(int prefetch) {
            this.prefetch = prefetch;
            return this;
        }

        public Builder pool(Pool pool) {
            this.pool = pool;
            return this;
        }

        public Builder shutdownGrace(Duration grace) {
            this.shutdownGrace = grace;
            return this;
        }

        /** How often leases are renewed; unset, a third of the broker's visibility timeout. */
        public Builder leaseRenewal(Duration interval) {
            this.leaseRenewal = interval;
            return this;
        }

        public Builder trackStarted(boolean trackStarted) {
            this.trackStarted = trackStarted;
            return this;
        }

        public Builder maxDeliveries(int maxDeliveries) {
            this.maxDeliveries = maxDeliveries;
            return this;
        }

        public Builder name(String name) {
            this.name = name;
            return this;
        }

        /** What the worker offers ({@code gpu=2,mem=16g,zone=eu}); unset, {@link Resources#detected()}. */
        public Builder resources(Resources resources) {
            this.resources = resources;
            return this;
        }

        /** How long a task no live worker can place may wait before it fails (default five minutes). */
        public Builder unplaceableAfter(Duration wait) {
            this.unplaceableAfter = wait;
            return this;
        }

        public WorkerOptions build() {
            if (prefetch != null && prefetch == 0) {
                throw new IllegalArgumentException("prefetch must be at least concurrency (" + concurrency + "), was 0; leave"
                        + " it unset for the broker's default");
            }
            return new WorkerOptions(queues, concurrency, prefetch == null ? 0 : prefetch, pool, shutdownGrace, leaseRenewal, trackStarted, maxDeliveries, name,
                    resources, unplaceableAfter);
        }
    }
}
