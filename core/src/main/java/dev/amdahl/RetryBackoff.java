package dev.amdahl;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.DoubleSupplier;

/**
 * How long a task waits before its next retry, as RabbitMQ's {@code RecoveryDelayHandler}: a function
 * of the retry number. Used when a task is retried automatically ({@link TaskOptions.Builder#retryOn})
 * or by {@link TaskContext#retry(Throwable)} without a countdown.
 *
 * <pre>{@code
 * RetryBackoff backoff = RetryBackoff.exponential(Duration.ofSeconds(1), Duration.ofMinutes(5), 0.5);
 * backoff.delay(1);   // between 0.5 s and 1 s
 * backoff.delay(4);   // between 4 s and 8 s
 * backoff.delay(20);  // between 2.5 min and 5 min: capped
 * RetryBackoff custom = retry -> Duration.ofSeconds(retry * 10L);   // linear
 * }</pre>
 */
@FunctionalInterface
public interface RetryBackoff {

    /**
     * The delay before retry number {@code retry}.
     *
     * @param retry 1 for the first retry, 2 for the second, ...
     * @return a delay, not negative
     */
    Duration delay(int retry);

    /** The same delay before every retry. */
    static RetryBackoff fixed(Duration delay) {
        TaskOptions.checkNotNegative(delay, "the backoff delay");
        return retry -> delay;
    }

    /**
     * {@code base * 2^(retry-1)}, at most {@code cap}, then shortened by a random part of up to
     * {@code jitter} of itself, so that tasks failing together do not retry together.
     *
     * @param base   the first delay
     * @param cap    the longest delay
     * @param jitter 0 (no randomness) to 1 (anywhere between 0 and the computed delay)
     * @throws IllegalArgumentException when base is negative, cap is below base, or jitter is outside 0..1
     */
    static RetryBackoff exponential(Duration base, Duration cap, double jitter) {
        return exponential(base, cap, jitter, () -> ThreadLocalRandom.current().nextDouble());
    }

    /** {@link #exponential(Duration, Duration, double)} with its randomness injected, for tests. */
    static RetryBackoff exponential(Duration base, Duration cap, double jitter, DoubleSupplier random) {
        TaskOptions.checkNotNegative(base, "the backoff base");
        Objects.requireNonNull(cap, "cap");
        Objects.requireNonNull(random, "random");
        if (cap.compareTo(base) < 0) {
            throw new IllegalArgumentException("the backoff cap (" + cap + ") must not be below its base (" + base + ")");
        }
        if (!(jitter >= 0 && jitter <= 1)) {
            throw new IllegalArgumentException("the backoff jitter must be between 0 and 1, was " + jitter);
        }
        long baseNanos = base.toNanos();
        long capNanos = cap.toNanos();
        return retry -> {
            if (retry < 1) {
                throw new IllegalArgumentException("retries are numbered from 1, was " + retry);
            }
            // shift only while it cannot overflow; past that the cap applies anyway
            long nanos = retry > 62 || baseNanos > (Long.MAX_VALUE >> (retry - 1)) ? capNanos
                    : Math.min(capNanos, baseNanos << (retry - 1));
            return Duration.ofNanos(nanos - (long) (nanos * jitter * random.getAsDouble()));
        };
    }
}
