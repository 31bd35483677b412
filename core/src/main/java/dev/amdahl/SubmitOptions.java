package dev.amdahl;

import dev.amdahl.internal.task.QueueNames;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.StringJoiner;

/**
 * How one submission of a task is delivered and run: its queue and priority, when it may run and until when,
 * how often it may be retried, how long it may take, and whether a repeated submission is the same one. These
 * options travel in the message. Immutable; made by {@link #builder()}, {@link #ofDefaults()} or
 * {@link #from(SubmitOptions)}, and given to {@link Task#withOptions}. Every option is optional: one that is
 * not set falls back to the task's registration ({@link TaskOptions}), then to the application.
 *
 * <pre>{@code
 * fetch.withOptions(SubmitOptions.builder().countdown(Duration.ofMinutes(5)).priority(9).build()).submit(url);
 * fetch.withOptions(SubmitOptions.builder().idempotencyKey("order-42").build()).submit(url);
 * }</pre>
 *
 * <p>Each setter checks its value at once (a negative countdown, a priority outside 0..9); {@link Builder#build()}
 * checks how they fit together and names both options of a conflict: a countdown and an ETA, an expiry in and
 * an expiry at, a soft time limit above the hard one, an expiry before the earliest run. What the worker applies
 * from the registration alone (retryOn, backoff, rate limits) is not here: see {@link TaskOptions}.
 */
public final class SubmitOptions {

    /** How long an idempotency key is remembered after the task's ETA when no window is set. */
    public static final Duration DEFAULT_IDEMPOTENCY_WINDOW = Duration.ofHours(1);

    private static final SubmitOptions DEFAULTS = new Builder().build();

    // null means "not set": merging falls back to the base
    private final String queue;
    private final Integer priority;
    private final Duration countdown;
    private final Instant eta;
    private final Duration expiresIn;
    private final Instant expiresAt;
    private final Integer maxRetries;
    private final Duration softTimeLimit;
    private final Duration hardTimeLimit;
    private final String idempotencyKey;
    private final Duration idempotencyWindow;
    private final Resources resources;

    private SubmitOptions(Builder b) {
        this.queue = b.queue;
        this.priority = b.priority;
        this.countdown = b.countdown;
        this.eta = b.eta;
        this.expiresIn = b.expiresIn;
        this.expiresAt = b.expiresAt;
        this.maxRetries = b.maxRetries;
        this.softTimeLimit = b.softTimeLimit;
        this.hardTimeLimit = b.hardTimeLimit;
        this.idempotencyKey = b.idempotencyKey;
        this.idempotencyWindow = b.idempotencyWindow;
        this.resources = b.resources;
        checkConsistent();
    }

    /** No option set: everything falls back to the task's registration and the application. */
    public static SubmitOptions ofDefaults() {
        return DEFAULTS;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A builder starting from {@code base}, to change some of its options. */
    public static Builder from(SubmitOptions base) {
        Builder b = new Builder();
        b.queue = base.queue;
        b.priority = base.priority;
        b.countdown = base.countdown;
        b.eta = base.eta;
        b.expiresIn = base.expiresIn;
        b.expiresAt = base.expiresAt;
        b.maxRetries = base.maxRetries;
        b.softTimeLimit = base.softTimeLimit;
        b.hardTimeLimit = base.hardTimeLimit;
        b.idempotencyKey = base.idempotencyKey;
        b.idempotencyWindow = base.idempotencyWindow;
        b.resources = base.resources;
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

    /** How many times the task may be retried, when set; the registration's otherwise. */
    public OptionalInt maxRetries() {
        return maxRetries == null ? OptionalInt.empty() : OptionalInt.of(maxRetries);
    }

    /** The soft time limit, when set. */
    public Optional<Duration> softTimeLimit() {
        return Optional.ofNullable(softTimeLimit);
    }

    /** The hard time limit, when set. */
    public Optional<Duration> hardTimeLimit() {
        return Optional.ofNullable(hardTimeLimit);
    }

    /** The idempotency key, when set. */
    public Optional<String> idempotencyKey() {
        return Optional.ofNullable(idempotencyKey);
    }

    /** How long the idempotency key is remembered after the task's ETA (or submission). */
    public Duration idempotencyWindow() {
        return idempotencyWindow == null ? DEFAULT_IDEMPOTENCY_WINDOW : idempotencyWindow;
    }

    /**
     * What the task needs of the worker that runs it, when set: only workers offering it take the task (it goes to
     * the derived queue {@code queue@needs}); see {@link Resources}.
     */
    public Optional<Resources> resources() {
        return Optional.ofNullable(resources);
    }

    /**
     * These options with every option set in {@code overrides} replacing this one's. A countdown or an ETA
     * replaces both (they are two ways to say one thing), and so does either form of expiry.
     *
     * @throws IllegalArgumentException when the result is inconsistent (a soft limit above the hard one)
     */
    SubmitOptions overriddenBy(SubmitOptions overrides) {
        if (overrides == DEFAULTS) {
            return this;
        }
        Builder b = from(this);
        SubmitOptions o = overrides;
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
        if (o.softTimeLimit != null) {
            b.softTimeLimit = o.softTimeLimit;
        }
        if (o.hardTimeLimit != null) {
            b.hardTimeLimit = o.hardTimeLimit;
        }
        if (o.idempotencyKey != null) {
            b.idempotencyKey = o.idempotencyKey;
        }
        if (o.idempotencyWindow != null) {
            b.idempotencyWindow = o.idempotencyWindow;
        }
        if (o.resources != null) {
            b.resources = o.resources;   // the needs of this submission, whole: no need is half inherited
        }
        return b.build();
    }

    private void checkConsistent() {
        if (countdown != null && eta != null) {
            throw new IllegalArgumentException("countdown (" + countdown + ") and eta (" + eta + ") are both set: they say"
                    + " the same thing two ways, so set one");
        }
        if (expiresIn != null && expiresAt != null) {
            throw new IllegalArgumentException("expiresIn (" + expiresIn + ") and expiresAt (" + expiresAt + ") are both set:"
                    + " they say the same thing two ways, so set one");
        }
        TaskOptions.checkLimits(softTimeLimit, hardTimeLimit);
        if (countdown != null && expiresIn != null && expiresIn.compareTo(countdown) <= 0) {
            throw new IllegalArgumentException("expiresIn (" + expiresIn + ") is not after countdown (" + countdown
                    + "): the task would expire before it may run");
        }
        if (eta != null && expiresAt != null && !expiresAt.isAfter(eta)) {
            throw new IllegalArgumentException("expiresAt (" + expiresAt + ") is not after eta (" + eta
                    + "): the task would expire before it may run");
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SubmitOptions t && Objects.equals(queue, t.queue) && Objects.equals(priority, t.priority)
                && Objects.equals(countdown, t.countdown) && Objects.equals(eta, t.eta)
                && Objects.equals(expiresIn, t.expiresIn) && Objects.equals(expiresAt, t.expiresAt)
                && Objects.equals(maxRetries, t.maxRetries) && Objects.equals(softTimeLimit, t.softTimeLimit)
                && Objects.equals(hardTimeLimit, t.hardTimeLimit)
                && Objects.equals(idempotencyKey, t.idempotencyKey) && Objects.equals(idempotencyWindow, t.idempotencyWindow)
                && Objects.equals(resources, t.resources);
    }

    @Override
    public int hashCode() {
        return Objects.hash(queue, priority, countdown, eta, expiresIn, expiresAt, maxRetries, softTimeLimit, hardTimeLimit,
                idempotencyKey, idempotencyWindow, resources);
    }

    @Override
    public String toString() {
        StringJoiner s = new StringJoiner(", ", "SubmitOptions[", "]");
        TaskOptions.add(s, "queue", queue);
        TaskOptions.add(s, "priority", priority);
        TaskOptions.add(s, "countdown", countdown);
        TaskOptions.add(s, "eta", eta);
        TaskOptions.add(s, "expiresIn", expiresIn);
        TaskOptions.add(s, "expiresAt", expiresAt);
        TaskOptions.add(s, "maxRetries", maxRetries);
        TaskOptions.add(s, "softTimeLimit", softTimeLimit);
        TaskOptions.add(s, "hardTimeLimit", hardTimeLimit);
        TaskOptions.add(s, "idempotencyKey", idempotencyKey);
        TaskOptions.add(s, "idempotencyWindow", idempotencyWindow);
        TaskOptions.add(s, "resources", resources);
        return s.toString();
    }

    /**
     * Builds {@link SubmitOptions}. Each setter checks its value at once; {@link #build()} checks how they fit
     * together and names both options when they conflict: no setter silently undoes another.
     */
    public static final class Builder {
        private String queue;
        private Integer priority;
        private Duration countdown;
        private Instant eta;
        private Duration expiresIn;
        private Instant expiresAt;
        private Integer maxRetries;
        private Duration softTimeLimit;
        private Duration hardTimeLimit;
        private String idempotencyKey;
        private Duration idempotencyWindow;
        private Resources resources;

        private Builder() {
        }

        /** The queue to submit to; otherwise the registration's, then a name matched by the application's routes. */
        public Builder queue(String queue) {
            QueueNames.check(queue);
            this.queue = queue;
            return this;
        }

        /** 0 (lowest, the default) to 9 (highest); a worker takes ready tasks of higher priority first where the broker supports it. */
        public Builder priority(int priority) {
            this.priority = TaskOptions.checkPriority(priority);
            return this;
        }

        /** Run no earlier than this long after submission (Celery's {@code countdown}); do not also set an {@link #eta}. */
        public Builder countdown(Duration countdown) {
            TaskOptions.checkNotNegative(countdown, "countdown");
            this.countdown = countdown;
            return this;
        }

        /** Run no earlier than this time; do not also set a {@link #countdown}. */
        public Builder eta(Instant eta) {
            this.eta = Objects.requireNonNull(eta, "eta");
            return this;
        }

        /** A task that reaches a worker more than this long after submission ends REVOKED without running. */
        public Builder expiresIn(Duration expiresIn) {
            TaskOptions.checkPositive(expiresIn, "expiresIn");
            this.expiresIn = expiresIn;
            return this;
        }

        /** A task that reaches a worker after this time ends REVOKED without running; do not also set {@link #expiresIn}. */
        public Builder expiresAt(Instant expiresAt) {
            this.expiresAt = Objects.requireNonNull(expiresAt, "expiresAt");
            return this;
        }

        /** How many times this run may be retried before it fails for good. */
        public Builder maxRetries(int maxRetries) {
            this.maxRetries = TaskOptions.checkMaxRetries(maxRetries);
            return this;
        }

        /** See {@link TaskOptions.Builder#softTimeLimit}. */
        public Builder softTimeLimit(Duration limit) {
            TaskOptions.checkPositive(limit, "softTimeLimit");
            this.softTimeLimit = limit;
            return this;
        }

        /** See {@link TaskOptions.Builder#hardTimeLimit}. */
        public Builder hardTimeLimit(Duration limit) {
            TaskOptions.checkPositive(limit, "hardTimeLimit");
            this.hardTimeLimit = limit;
            return this;
        }

        /**
         * A second submission with this key while the first is pending, or within {@link #idempotencyWindow}
         * after its ETA, returns the first one's future instead of running again. Keys are per task name.
         * Needs a result backend with the {@link dev.amdahl.spi.IdempotencyKeys} capability.
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
            TaskOptions.checkPositive(window, "idempotencyWindow");
            this.idempotencyWindow = window;
            return this;
        }

        /**
         * What this submission needs of its worker, replacing the registration's needs whole ({@link Resources#none()}:
         * none, any worker of the queue). A task no live worker can place fails after the workers'
         * {@link WorkerOptions#unplaceableAfter()}, naming the resource no worker offers.
         */
        public Builder resources(Resources resources) {
            this.resources = Objects.requireNonNull(resources, "resources");
            return this;
        }

        /** As {@link #resources(Resources)}, read by {@link Resources#parse}: {@code "gpu=1,mem=4g"}. */
        public Builder resources(String resources) {
            return resources(Resources.parse(resources));
        }

        /** @throws IllegalArgumentException naming the options that conflict */
        public SubmitOptions build() {
            return new SubmitOptions(this);
        }
    }
}
