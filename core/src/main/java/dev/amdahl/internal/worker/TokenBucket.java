package dev.amdahl.internal.worker;

import java.util.function.LongSupplier;

/**
 * A worker's rate limit for one task name: a token bucket of capacity one that refills at the limit's
 * rate, as Celery's. Instead of refusing a run, {@link #reserve()} books the next free slot and says how
 * long to wait for it, so runs queue up evenly spaced and none is lost.
 *
 * <p>Time comes from {@code ticker} (nanoseconds, {@link System#nanoTime()} in production) so tests
 * can move it by hand.
 */
public final class TokenBucket {

    private final RateLimit limit;
    private final long interval;
    private final LongSupplier ticker;
    /** When the next run may start; guarded by this. Never more than one interval in the past, so there is no burst. */
    private long nextFree;

    public TokenBucket(RateLimit limit, LongSupplier ticker) {
        this.limit = limit;
        this.interval = limit.nanosPerPermit();
        this.ticker = ticker;
        this.nextFree = ticker.getAsLong();
    }

    /** Books the next run; returns the nanoseconds to wait before it may start (0: now). */
    public synchronized long reserve() {
        long now = ticker.getAsLong();
        long start = nextFree - now > 0 ? nextFree : now;   // overflow-safe comparison of nanoTime values
        nextFree = start + interval;
        return start - now;
    }

    RateLimit limit() {
        return limit;
    }
}
