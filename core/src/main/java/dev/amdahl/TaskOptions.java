package dev.amdahl;

import dev.amdahl.internal.worker.RateLimit;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.StringJoiner;

/**
 * How a task is registered: how it is retried, how often it may start, and the defaults of its submissions
 * (queue, priority, expiry, retries, time limits). Given once to {@link Amdahl#task}; a submission changes
 * the defaults with {@link SubmitOptions}, never the rest, so the compiler keeps the two apart. Immutable;
 * made by {@link #builder()}, {@link #ofDefaults()} or {@link #from(TaskOptions)}.
 *
 * <pre>{@code
 * Task<Url, Page> fetch = app.task("web.fetch", Url.class, Page.class, TaskOptions.builder()
 *         .retryOn(IOException.class).maxRetries(5)
 *         .backoff(RetryBackoff.exponential(Duration.ofSeconds(1), Duration.ofMinutes(1), 0.5))
 *         .softTimeLimit(Duration.ofSeconds(20)).hardTimeLimit(Duration.ofSeconds(30))
 *         .rateLimit("10/s")                 // per worker
 *         .globalRateLimit("100/m")          // across all workers, counted in the result backend
 *         .build(), Crawler::fetch);
 *
 * fetch.withOptions(SubmitOptions.builder().countdown(Duration.ofMinutes(5)).priority(9).build()).submit(url);
 * }</pre>
 *
 * <h2>Where each option acts</h2>
 * {@link Builder#retryOn retryOn}, {@link Builder#backoff backoff}, {@link Builder#rateLimit rateLimit} and
 * {@link Builder#globalRateLimit globalRateLimit} belong to the task: workers apply the ones it was registered
 * with. Queue, priority, expiry, max retries and time limits are the defaults of every submission
 * ({@link #submitDefaults()}): they travel in each message, and a submission may override them.
 *
 * <p>Options are checked as they are set (a priority outside 0..9, a malformed rate limit) and together at
 * {@link Builder#build()} (a soft time limit above the hard one), naming what is wrong.
 */
public final class TaskOptions {

    /** How many times a task is retried when {@link Builder#maxRetries} is not set (Celery's default). */
    public static final int DEFAULT_MAX_RETRIES = 3;

    /** The backoff when none is set: exponential from 1 s, at most 5 min, with half jitter. */
    public static final RetryBackoff DEFAULT_BACKOFF = RetryBackoff.exponential(Duration.ofSeconds(1), Duration.ofMinutes(5), 0.5);

    private static final TaskOptions DEFAULTS = new Builder().build();

    // the defaults of every submission; the rest: null means "not set", the application's defaults apply
    private final SubmitOptions submitDefaults;
    private final Set<Class<? extends Throwable>> retryOn;
    private final RetryBackoff backoff;
    private final RateLimit rateLimit;
    private final RateLimit globalRateLimit;

    private TaskOptions(Builder b) {
        this.submitDefaults = b.submitDefaults.build();
        this.retryOn = b.retryOn == null ? null : Set.copyOf(b.retryOn);
        this.backoff = b.backoff;
        this.rateLimit = b.rateLimit;
        this.globalRateLimit = b.globalRateLimit;
    }

    /** No option set: the application's defaults apply. */
    public static TaskOptions ofDefaults() {
        return DEFAULTS;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A builder starting from {@code base}, to change some of its options. */
    public static Builder from(TaskOptions base) {
        Builder b = new Builder();
        b.submitDefaults = SubmitOptions.from(base.submitDefaults);
        b.retryOn = base.retryOn == null ? null : new LinkedHashSet<>(base.retryOn);
        b.backoff = base.backoff;
        b.rateLimit = base.rateLimit;
        b.globalRateLimit = base.globalRateLimit;
        return b;
    }

    /** The queue, when set. */
    public Optional<String> queue() {
        return submitDefaults.queue();
    }

    /** The default priority of submissions, 0 (lowest) to 9, when set. */
    public OptionalInt priority() {
        return submitDefaults.priority();
    }

    /** How long after submission the task expires by default, when set. */
    public Optional<Duration> expiresIn() {
        return submitDefaults.expiresIn();
    }

    /** How many times the task may be retried, when set; {@link #DEFAULT_MAX_RETRIES} otherwise. */
    public OptionalInt maxRetries() {
        return submitDefaults.maxRetries();
    }

    /** The soft time limit, when set. */
    public Optional<Duration> softTimeLimit() {
        return submitDefaults.softTimeLimit();
    }

    /** The hard time limit, when set. */
    public Optional<Duration> hardTimeLimit() {
        return submitDefaults.hardTimeLimit();
    }

    /** What the task needs of the worker that runs it, when set; see {@link Resources}. */
    public Optional<Resources> resources() {
        return submitDefaults.resources();
    }

    /** The exception types that retry the task automatically; empty when none. */
    public Set<Class<? extends Throwable>> retryOn() {
        return retryOn == null ? Set.of() : retryOn;
    }

    /** The backoff between retries, when set; {@link #DEFAULT_BACKOFF} otherwise. */
    public Optional<RetryBackoff> backoff() {
        return Optional.ofNullable(backoff);
    }

    /** The rate limit per worker as written ({@code "10/s"}), when set. */
    public Optional<String> rateLimit() {
        return Optional.ofNullable(rateLimit).map(RateLimit::text);
    }

    /** The rate limit across all workers as written ({@code "100/m"}), when set. */
    public Optional<String> globalRateLimit() {
        return Optional.ofNullable(globalRateLimit).map(RateLimit::text);
    }

    /** The submission options every submission starts from: queue, priority, expiry, max retries, time limits. */
    public SubmitOptions submitDefaults() {
        return submitDefaults;
    }

    static void checkLimits(Duration soft, Duration hard) {
        if (soft != null && hard != null && soft.compareTo(hard) > 0) {
            throw new IllegalArgumentException("softTimeLimit (" + soft + ") is above hardTimeLimit (" + hard
                    + "): the soft limit warns the task before the hard one stops it, so it must come first");
        }
    }

    static int checkPriority(int priority) {
        if (priority < 0 || priority > 9) {
            throw new IllegalArgumentException("priority must be between 0 and 9, was " + priority);
        }
        return priority;
    }

    static int checkMaxRetries(int maxRetries) {
        if (maxRetries < 0) {
            throw new IllegalArgumentException("maxRetries must not be negative, was " + maxRetries);
        }
        return maxRetries;
    }

    static void checkNotNegative(Duration d, String what) {
        Objects.requireNonNull(d, what);
        if (d.isNegative()) {
            throw new IllegalArgumentException(what + " must not be negative, was " + d);
        }
    }

    static void checkPositive(Duration d, String what) {
        Objects.requireNonNull(d, what);
        if (d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException(what + " must be positive, was " + d);
        }
    }

    static void add(StringJoiner s, String name, Object value) {
        if (value != null) {
            s.add(name + "=" + value);
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TaskOptions t && submitDefaults.equals(t.submitDefaults) && Objects.equals(retryOn, t.retryOn) && Objects.equals(backoff, t.backoff)
                && Objects.equals(rateLimit, t.rateLimit) && Objects.equals(globalRateLimit, t.globalRateLimit);
    }

    @Override
    public int hashCode() {
        return Objects.hash(submitDefaults, retryOn, backoff, rateLimit, globalRateLimit);
    }

    @Override
    public String toString() {
        StringJoiner s = new StringJoiner(", ", "TaskOptions[", "]");
        if (!submitDefaults.equals(SubmitOptions.ofDefaults())) {
            s.add("submitDefaults=" + submitDefaults);
        }
        add(s, "retryOn", retryOn == null ? null : retryOn.stream().map(Class::getSimpleName).sorted().toList());
        add(s, "backoff", backoff);
        add(s, "rateLimit", rateLimit);
        add(s, "globalRateLimit", globalRateLimit);
        return s.toString();
    }

    /**
     * Builds {@link TaskOptions}. Each setter checks its value at once; {@link #build()} checks how they fit
     * together and names both options when they conflict.
     */
    public static final class Builder {
        private SubmitOptions.Builder submitDefaults = SubmitOptions.builder();
        private Set<Class<? extends Throwable>> retryOn;
        private RetryBackoff backoff;
        private RateLimit rateLimit;
        private RateLimit globalRateLimit;

        private Builder() {
        }

        /** The queue the task's submissions go to; a name matched by the application's routes otherwise. */
        public Builder queue(String queue) {
            submitDefaults.queue(queue);
            return this;
        }

        /** The default priority of its submissions: 0 (lowest, the default) to 9 (highest). */
        public Builder priority(int priority) {
            submitDefaults.priority(priority);
            return this;
        }

        /** A submission that reaches a worker more than this long after it was made ends REVOKED without running. */
        public Builder expiresIn(Duration expiresIn) {
            submitDefaults.expiresIn(expiresIn);
            return this;
        }

        /** How many times the task may be retried before it fails for good (default {@value TaskOptions#DEFAULT_MAX_RETRIES}). */
        public Builder maxRetries(int maxRetries) {
            submitDefaults.maxRetries(maxRetries);
            return this;
        }

        /**
         * What the task needs of the worker that runs it ({@code "gpu=1,mem=4g"}, {@code "zone=eu"}): its submissions go
         * to the derived queue {@code queue@gpu=1,mem=4g}, which only workers offering as much consume, and a worker runs
         * no more of them at once than it offers ({@code gpu=2}: two). A submission may replace the needs
         * ({@link SubmitOptions.Builder#resources}). See {@link Resources}.
         */
        public Builder resources(String resources) {
            submitDefaults.resources(resources);
            return this;
        }

        /** As {@link #resources(String)}. */
        public Builder resources(Resources resources) {
            submitDefaults.resources(resources);
            return this;
        }

        /**
         * Exceptions that retry the task automatically (Celery's {@code autoretry_for}); subclasses count.
         * Any other exception fails the task at once.
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

        /** The delay before each retry (default {@link TaskOptions#DEFAULT_BACKOFF}). */
        public Builder backoff(RetryBackoff backoff) {
            this.backoff = Objects.requireNonNull(backoff, "backoff");
            return this;
        }

        /**
         * After this long the task's thread is interrupted and {@link TaskContext#softTimeLimitExceeded()}
         * turns true, so the task can clean up and end; see {@link SoftTimeLimitExceeded}.
         */
        public Builder softTimeLimit(Duration limit) {
            submitDefaults.softTimeLimit(limit);
            return this;
        }

        /**
         * After this long the task ends in FAILURE whatever it does. On the process pool its child JVM is
         * killed and replaced; on thread pools its thread is interrupted and abandoned, and a new thread
         * takes its place (a thread that ignores interrupts runs on in the background).
         */
        public Builder hardTimeLimit(Duration limit) {
            submitDefaults.hardTimeLimit(limit);
            return this;
        }

        /**
         * At most this many runs per worker: {@code "100/s"}, {@code "10/m"}, {@code "1000/h"}.
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
         * first window that has. Windows follow the workers' clocks, so keep them in sync (NTP).
         *
         * @throws IllegalArgumentException when the text is malformed, e.g. {@code "100/x"}
         */
        public Builder globalRateLimit(String rateLimit) {
            this.globalRateLimit = RateLimit.parse(rateLimit);
            return this;
        }

        /** @throws IllegalArgumentException naming the options that conflict */
        public TaskOptions build() {
            return new TaskOptions(this);
        }
    }
}
