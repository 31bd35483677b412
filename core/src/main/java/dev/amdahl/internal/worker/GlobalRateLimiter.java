package dev.amdahl.internal.worker;

import dev.amdahl.internal.task.BackendKeys;
import dev.amdahl.spi.ResultBackend;
import java.time.Duration;

/**
 * Rate limits across all workers: a fixed-window counter per task name and window in the result
 * backend. A worker books a run by incrementing the counter of the window it wants; when that window is
 * full (the count passes the limit) it tries the next one, so at most {@code permits} runs start in any
 * window whichever workers start them, and a run that finds no room waits rather than being lost.
 *
 * <p>Fixed windows allow up to twice the rate across a window boundary in the worst case (a full window's
 * runs at its end, the next window's at its start); per-worker token buckets smooth that where it matters.
 * Counters live twice their window in the backend, so they clean up after themselves.
 */
public final class GlobalRateLimiter {

    /** How many windows ahead a booking looks before it settles for the furthest one. */
    private static final int MAX_WINDOWS_AHEAD = 1_000;

    private final ResultBackend backend;

    public GlobalRateLimiter(ResultBackend backend) {
        this.backend = backend;
    }

    /**
     * Books a run of {@code task} no earlier than {@code notBeforeMillis} (epoch ms) under {@code limit};
     * returns the milliseconds from {@code notBeforeMillis} to the start of the window it got.
     */
    public long book(String task, RateLimit limit, long notBeforeMillis) {
        long windowMillis = Math.max(1, limit.perNanos() / 1_000_000);
        Duration keep = Duration.ofMillis(2 * windowMillis);
        long first = Math.floorDiv(notBeforeMillis, windowMillis);
        for (long w = first; w < first + MAX_WINDOWS_AHEAD; w++) {
            if (backend.increment(BackendKeys.rateWindow(task, w), 1, keep) <= limit.permits()) {
                return Math.max(0, w * windowMillis - notBeforeMillis);
            }
        }
        return (MAX_WINDOWS_AHEAD - 1) * windowMillis;
    }
}
