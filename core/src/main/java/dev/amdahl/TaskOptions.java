package dev.amdahl;

import dev.amdahl.internal.task.QueueNames;
import dev.amdahl.internal.worker.RateLimit;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.StringJoiner;

/**
 * How a task is delivered and run: its queue and priority, when it may run and until when, how it is
 * retried, how long it may take, how often it may start, and whether a repeated submission is the same
 * one. Immutable; made by {@link #builder()}, {@link #ofDefaults()} or {@link #from(TaskOptions)}.
 * Every option is optional: one that is not set falls back to the task's registration, then to the
 * application.
 *
 * <pre>{@code
 * // at registration: the task's defaults
 * Task<Url, Page> fetch = app.task("web.fetch", Url.class, Page.class, TaskOptions.builder()
 *         .retryOn(IOException.class).maxRetries(5)
 *         .backoff(RetryBackoff.exponential(Duration.ofSeconds(1), Duration.ofMinutes(1), 0.5))
 *         .softTimeLimit(Duration.ofSeconds(20)).hardTimeLimit(Duration.ofSeconds(30))
 *         .rateLimit("10/s")                 // per worker
 *         .globalRateLimit("100/m")          // across all workers, counted in the result backend
 *         .build(), Crawler::fetch);
 *
 * // per submission: overrides
 * fetch.withOptions(TaskOptions.builder().countdown(Duration.ofMinutes(5)).priority(9).build()).submit(url);
 * }</pre>
 *
 * <p>Options are checked as they are set: a negative countdown, a priority outside 0..9, a malformed rate
 * limit or a soft time limit above the hard one is an {@link IllegalArgumentException} at once.
 *
 * <h2>Where each option acts</h2>
 * Queue, priority, countdown/ETA, expiry, max retries, time limits and the idempotency key belong to a
 * submission: they travel in the message. {@link Builder#retryOn retryOn}, {@link Builder#backoff backoff}
 * {@link Builder#rateLimit rateLimit} and {@link Builder#globalRateLimit globalRateLimit} belong to the task: the worker applies the ones the task was
 * registered with, so {@link Task#withOptions} refuses to change them.
 */
public final class TaskOptions {

    /** How many times a task is retried when {@link Builder#maxRetries} is not set (Celery's default). */
    public static final int DEFAULT_MAX_RETRIES = 3;

    /** The backoff when none is set: exponential from 1 s, at most 5 min, with half jitter. */
    public static final RetryBackoff DEFAULT_BACKOFF = RetryBackoff.exponential(Duration.ofSeconds(1), Duration.ofMinutes(5), 0.5);

    /** How long an idempotency key is remembered after the task's ETA when no window is set. */
    public static final Duration DEFAULT_IDEMPOTENCY_WINDOW = Duration.ofHours(1);

    private static final TaskOptions DEFAULTS = new Builder().build();

    // null means "not set": merging falls back to the base
    private final String queue;
    private final Integer priority;
    private final Duration countdown;
    private final Instant eta;
    private final Duration expiresIn;
    private final Instant expiresAt;
    private final Integer maxRetries;
    private final Set<Class<? extends Throwable>> retryOn;
    private final RetryBackoff backoff;
    private final Duration softTimeLimit;
    private final Duration hardTimeLimit;
    private final RateLimit rateLimit;
    private final RateLimit globalRateLimit;
    private final String idempotencyKey;
    private final Duration idempotencyWindow;

    private TaskOptions(Builder b) {
        this.queue = b.queue;
        this.priority = b.priority;
        this.countdown = b.countdown;
        this.eta = b.eta;
        this.expiresIn = b.expiresIn;
        this.expiresAt = b.expiresAt;
        this.maxRetries = b.maxRetries;
        this.retryOn = b.retryOn == null ? null : Set.copyOf(b.retryOn);
        this.backoff = b.backoff;
        this.softTimeLimit = b.softTimeLimit;
        this.hardTimeLimit = b.hardTimeLimit;
        this.rateLimit = b.rateLimit;
        this.globalRateLimit = b.globalRateLimit;
        this.idempotencyKey = b.idempotencyKey;
        this.idempotencyWindow = b.idempotencyWindow;
        checkConsistent();
    }

    /** No option set: everything falls back to the task's registration and the application. */
    public static TaskOptions ofDefaults() {
        return DEFAULTS;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A builder starting from {@code base}, to change some of its options. */
    public static Builder from(TaskOptions base) {
        Builder b = new Builder();
        b.queue = base.queue;
        b.priority = base.priority;
        b.countdown = base.countdown;
        b.eta = base.eta;
        b.expiresIn = base.expiresIn;
        b.expiresAt = base.expiresAt;
        b.maxRetries = base.maxRetries;
        b.retryOn = base.retryOn == null ? null : new LinkedHashSet<>(base.retryOn);
        b.backoff = base.backoff;
        b.softTimeLimit = base.softTimeLimit;
        b.hardTimeLimit = base.hardTimeLimit;
        b.rateLimit = base.rateLimit;
        b.globalRateLimit = base.globalRateLimit;
        b.idempotencyKey = base.idempotencyKey;
        b.idempotencyWindow = base.idempotencyWindow;
        return b;
    }

    /** The queue, when set. */
    public Optional<String> queue() {
        return Optional.ofNullable(queue);
    }

    /** The priority, 0 (lowest, the default) to 9, when set. */
    public OptionalInt priority() {
        return priority == null ? OptionalInt.empty() : OptionalInt.of(priority);
    }

    /** The delay from submission to the earliest run, when set. */
    public Optional<Duration> countdown() {
        return Optional.ofNullable(countdown);
    }

    /** The earliest time to run, when set. */
    public Optional<Instant> eta() {
        return Optional.ofNullable(eta);
    }

    /** How long after submission the task expires, when set. */
    public Optional<Duration> expiresIn() {
        return Optional.ofNullable(expiresIn);
    }

    /** When the task expires, when set. */
    public Optional<Instant> expiresAt() {
        return Optional.ofNullable(expiresAt);
    }

    /** How many times the task may be retried, when set; {@link #DEFAULT_MAX_RETRIES} otherwise. */
    public OptionalInt maxRetries() {
        return maxRetries == null ? OptionalInt.empty() : OptionalInt.of(maxRetries);
    }

    /** The exception types that retry the task automatically; empty when none. */
    public Set<Class<? extends Throwable>> retryOn() {
        return retryOn == null ? Set.of() : retryOn;
    }

    /** The backoff between retries, when set; {@link #DEFAULT_BACKOFF} otherwise. */
    public Optional<RetryBackoff> backoff() {
        return Optional.ofNullable(backoff);
    }

    /** The soft time limit, when set. */
    public Optional<Duration> softTimeLimit() {
        return Optional.ofNullable(softTimeLimit);
    }

    /** The hard time limit, when set. */
    public Optional<Duration> hardTimeLimit() {
        return Optional.ofNullable(hardTimeLimit);
    }

    /** The rate limit per worker as written ({@code "10/s"}), when set. */
    public Optional<String> rateLimit() {
        return Optional.ofNullable(rateLimit).map(RateLimit::text);
    }

    /** The rate limit across all workers as written ({@code "100/m"}), when set. */
    public Optional<String> globalRateLimit() {
        return Optional.ofNullable(globalRateLimit).map(RateLimit::text);
    }

    /** The idempotency key, when set. */
    public Optional<String> idempotencyKey() {
        return Optional.ofNullable(idempotencyKey);
    }

    /** How long the idempotency key is remembered after the task's ETA (or submission). */
    public Duration idempotencyWindow() {
        return idempotencyWindow == null ? DEFAULT_IDEMPOTENCY_WINDOW : idempotencyWindow;
    }

    // --- internal views ---

    /**
     * These options with every option set in {@code overrides} replacing this one's. A countdown or an
     * ETA replaces both (they are two ways to say one thing), and so does either form of expiry.
     *
     * @throws IllegalArgumentException when the result is inconsistent (a soft limit above the hard one)
     */
    TaskOptions overriddenBy(TaskOptions overrides) {
        if (overrides == DEFAULTS) {
            return this;
        }
        Builder b = from(this);
        TaskOptions o = overrides;
        if (o.queue != null) {
            b.queue = o.queue;
        }
        if (o.priority != null) {
            b.priority = o.priority;
        }
        if (o.countdown != null || o.eta != null) {
            b.countdown = o.countdown;
            b.eta = o.eta;
        }
        if (o.expiresIn != null || o.expiresAt != null) {
            b.expiresIn = o.expiresIn;
            b.expiresAt = o.expiresAt;
        }
        if (o.maxRetries != null) {
            b.maxRetries = o.maxRetries;
        }
        if (o.retryOn != null) {
            b.retryOn = new LinkedHashSet<>(o.retryOn);
        }
        if (o.backoff != null) {
            b.backoff = o.backoff;
        }
        if (o.softTimeLimit != null) {
            b.softTimeLimit = o.softTimeLimit;
        }
        if (o.hardTimeLimit != null) {
            b.hardTimeLimit = o.hardTimeLimit;
        }
        if (o.rateLimit != null) {
            b.rateLimit = o.rateLimit;
        }
        if (o.globalRateLimit != null) {
            b.globalRateLimit = o.globalRateLimit;
        }
        if (o.idempotencyKey != null) {
            b.idempotencyKey = o.idempotencyKey;
        }
        if (o.idempotencyWindow != null) {
            b.idempotencyWindow = o.idempotencyWindow;
        }
        return b.build();
    }

    /**
     * The options the worker applies from the task's registration, which a submission cannot change;
     * names the first one {@code overrides} sets differently from {@code this}, or {@code null}.
     */
    String taskLevelConflict(TaskOptions overrides) {
        if (overrides.retryOn != null && !overrides.retryOn.equals(retryOn())) {
            return "retryOn";
        }
        if (overrides.backoff != null && overrides.backoff != backoff) {
            return "backoff";
        }
        if (overrides.rateLimit != null && !overrides.rateLimit.equals(rateLimit)) {
            return "rateLimit";
        }
        if (overrides.globalRateLimit != null && !overrides.globalRateLimit.equals(globalRateLimit)) {
            return "globalRateLimit";
        }
        return null;
    }

    private void checkConsistent() {
        if (countdown != null && eta != null) {
            throw new IllegalArgumentException("countdown (" + countdown + ") and eta (" + eta + ") are both set: choose one");
        }
        if (expiresIn != null && expiresAt != null) {
            throw new IllegalArgumentException("expiresIn (" + expiresIn + ") and expiresAt (" + expiresAt + ") are both set: choose one");
        }
        if (softTimeLimit != null && hardTimeLimit != null && softTimeLimit.compareTo(hardTimeLimit) > 0) {
            throw new IllegalArgumentException("softTimeLimit (" + softTimeLimit + ") is above hardTimeLimit (" + hardTimeLimit
                    + "): the soft limit warns the task before the hard one stops it, so it must come first");
        }
        if (countdown != null && expiresIn != null && expiresIn.compareTo(countdown) <= 0) {
            throw new IllegalArgumentException("expiresIn (" + expiresIn + ") is not after countdown (" + countdown
                    + "): the task would expire before it may run");
        }
        if (eta != null && expiresAt != null && !expiresAt.isAfter(eta)) {
            throw new IllegalArgumentException("expiresAt (" + expiresAt + ") is not after eta (" + eta
                    + "): the task would expire before it may run");
        }
    }

    static void checkNotNegative(Duration d, String what) {
        Objects.requireNonNull(d, what);
        if (d.isNegative()) {
            throw new IllegalArgumentException(what + " must not be negative, was " + d);
        }
    }

    private static void checkPositive(Duration d, String what) {
        Objects.requireNonNull(d, what);
        if (d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException(what + " must be positive, was " + d);
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TaskOptions t && Objects.equals(queue, t.queue) && Objects.equals(priority, t.priority)
                && Objects.equals(countdown, t.countdown) && Objects.equals(eta, t.eta)
                && Objects.equals(expiresIn, t.expiresIn) && Objects.equals(expiresAt, t.expiresAt)
                && Objects.equals(maxRetries, t.maxRetries) && Objects.equals(retryOn, t.retryOn)
                && Objects.equals(backoff, t.backoff) && Objects.equals(softTimeLimit, t.softTimeLimit)
                && Objects.equals(hardTimeLimit, t.hardTimeLimit) && Objects.equals(rateLimit, t.rateLimit)
                && Objects.equals(globalRateLimit, t.globalRateLimit)
                && Objects.equals(idempotencyKey, t.idempotencyKey) && Objects.equals(idempotencyWindow, t.idempotencyWindow);
    }

    @Override
    public int hashCode() {
        return Objects.hash(queue, priority, countdown, eta, expiresIn, expiresAt, maxRetries, retryOn, backoff,
                softTimeLimit, hardTimeLimit, rateLimit, globalRateLimit, idempotencyKey, idempotencyWindow);
    }

    @Override
    public String toString() {
        StringJoiner s = new StringJoiner(", ", "TaskOptions[", "]");
        add(s, "queue", queue);
        add(s, "priority", priority);
        add(s, "countdown", countdown);
        add(s, "eta", eta);
        add(s, "expiresIn", expiresIn);
        add(s, "expiresAt", expiresAt);
        add(s, "maxRetries", maxRetries);
        add(s, "retryOn", retryOn == null ? null : retryOn.stream().map(Class::getSimpleName).sorted().toList());
        add(s, "backoff", backoff);
        add(s, "softTimeLimit", softTimeLimit);
        add(s, "hardTimeLimit", hardTimeLimit);
        add(s, "rateLimit", rateLimit);
        add(s, "globalRateLimit", globalRateLimit);
        add(s, "idempotencyKey", idempotencyKey);
        add(s, "idempotencyWindow", idempotencyWindow);
        return s.toString();
    }

    private static void add(StringJoiner s, String name, Object value) {
        if (value != null) {
            s.add(name + "=" + value);
        }
    }

    /**
     * Builds {@link TaskOptions}. Each setter checks its value at once; {@link #build()} checks how they
     * fit together and names both options when they conflict.
     */
    public static final class Builder {
        private String queue;
        private Integer priority;
        private Duration countdown;
        private Instant eta;
        private Duration expiresIn;
        private Instant expiresAt;
        private Integer maxRetries;
        private Set<Class<? extends Throwable>> retryOn;
        private RetryBackoff backoff;
        private Duration softTimeLimit;
        private Duration hardTimeLimit;
        private RateLimit rateLimit;
        private RateLimit globalRateLimit;
        private String idempotencyKey;
        private Duration idempotencyWindow;

        private Builder() {
        }

        /** The queue to submit to; a name matched by the application's routes otherwise. */
        public Builder queue(String queue) {
            QueueNames.check(queue);
            this.queue = queue;
            return this;
        }

        /** 0 (lowest, the default) to 9 (highest); a worker takes ready tasks of higher priority first where the broker supports it. */
        public Builder priority(int priority) {
            if (priority < 0 || priority > 9) {
                throw new IllegalArgumentException("priority must be between 0 and 9, was " + priority);
            }
            this.priority = priority;
            return this;
        }

        /** Run no earlier than this long after submission (Celery's {@code countdown}). Replaces an {@link #eta}. */
        public Builder countdown(Duration countdown) {
            checkNotNegative(countdown, "countdown");
            this.countdown = countdown;
            this.eta = null;
            return this;
        }

        /** Run no earlier than this time. Replaces a {@link #countdown}. */
        public Builder eta(Instant eta) {
            this.eta = Objects.requireNonNull(eta, "eta");
            this.countdown = null;
            return this;
        }

        /** A task that reaches a worker more than this long after submission ends REVOKED without running. */
        public Builder expiresIn(Duration expiresIn) {
            checkPositive(expiresIn, "expiresIn");
            this.expiresIn = expiresIn;
            this.expiresAt = null;
            return this;
        }

        /** A task that reaches a worker after this time ends REVOKED without running. */
        public Builder expiresAt(Instant expiresAt) {
            this.expiresAt = Objects.requireNonNull(expiresAt, "expiresAt");
            this.expiresIn = null;
            return this;
        }

        /** How many times the task may be retried before it fails for good (default {@value TaskOptions#DEFAULT_MAX_RETRIES}). */
        public Builder maxRetries(int maxRetries) {
            if (maxRetries < 0) {
                throw new IllegalArgumentException("maxRetries must not be negative, was " + maxRetries);
            }
            this.maxRetries = maxRetries;
            return this;
        }

        /**
         * Exceptions that retry the task automatically (Celery's {@code autoretry_for}); subclasses count.
         * Any other exception fails the task at once. A task-level option.
         */
        @SafeVarargs
        public final Builder retryOn(Class<? extends Throwable>... types) {
            return retryOn(List.of(types));
        }

        /** As {@link #retryOn(Class[])}. */
        public Builder retryOn(Iterable<Class<? extends Throwable>> types) {
            Set<Class<? extends Throwable>> set = new LinkedHashSet<>();
            for (Class<? extends Throwable> t : types) {
                set.add(Objects.requireNonNull(t, "retryOn type"));
            }
            this.retryOn = set;
            return this;
        }

        /** The delay before each retry (default {@link TaskOptions#DEFAULT_BACKOFF}). A task-level option. */
        public Builder backoff(RetryBackoff backoff) {
            this.backoff = Objects.requireNonNull(backoff, "backoff");
            return this;
        }

        /**
         * After this long the task's thread is interrupted and {@link TaskContext#softTimeLimitExceeded()}
         * turns true, so the task can clean up and end; see {@link SoftTimeLimitExceeded}.
         */
        public Builder softTimeLimit(Duration limit) {
            checkPositive(limit, "softTimeLimit");
            this.softTimeLimit = limit;
            return this;
        }

        /**
         * After this long the task ends in FAILURE whatever it does. On the process pool its child JVM is
         * killed and replaced; on thread pools its thread is interrupted and abandoned, and a new thread
         * takes its place (a thread that ignores interrupts runs on in the background).
         */
        public Builder hardTimeLimit(Duration limit) {
            checkPositive(limit, "hardTimeLimit");
            this.hardTimeLimit = limit;
            return this;
        }

        /**
         * At most this many runs per worker: {@code "100/s"}, {@code "10/m"}, {@code "1000/h"}. A task-level option.
         *
         * @throws IllegalArgumentException when the text is malformed, e.g. {@code "100/x"}
         */
        public Builder rateLimit(String rateLimit) {
            this.rateLimit = RateLimit.parse(rateLimit);
            return this;
        }

        /**
         * At most this many runs start per window of the limit's unit ({@code "100/s"}: per second), across
         * all workers: each worker books a run in the window's counter in the result backend
         * ({@link dev.amdahl.spi.ResultBackend#increment}), and a run the window has no room for waits for the
         * first window that has. Windows follow the workers' clocks, so keep them in sync (NTP). A task-level option.
         *
         * @throws IllegalArgumentException when the text is malformed, e.g. {@code "100/x"}
         */
        public Builder globalRateLimit(String rateLimit) {
            this.globalRateLimit = RateLimit.parse(rateLimit);
            return this;
        }

        /**
         * A second submission with this key while the first is pending, or within
         * {@link #idempotencyWindow} after its ETA, returns the first one's future instead of running
         * again. Keys are per task name.
         */
        public Builder idempotencyKey(String key) {
            if (key == null || key.isEmpty() || key.length() > 200) {
                throw new IllegalArgumentException("an idempotency key must be 1 to 200 characters, was '" + key + "'");
            }
            this.idempotencyKey = key;
            return this;
        }

        /** How long an idempotency key is remembered after the task's ETA (default one hour). */
        public Builder idempotencyWindow(Duration window) {
            checkPositive(window, "idempotencyWindow");
            this.idempotencyWindow = window;
            return this;
        }

        /** @throws IllegalArgumentException naming the options that conflict */
        public TaskOptions build() {
            return new TaskOptions(this);
        }
    }
}
