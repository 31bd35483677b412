package dev.amdahl.internal.worker;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;
import org.slf4j.Logger;

/**
 * Logs a repeated error at a bounded rate: the first occurrence of a kind with its stack trace, then at most one
 * line per {@code every} saying how many more there were meanwhile. A backend that refuses every store would
 * otherwise write a stack trace per message, thousands a second, and bury the one line that says what is wrong.
 *
 * <p>A kind is what the caller names it (what failed) plus the exception's class and message, so a different
 * error is logged at once. Counts are per kind; a kind quiet for {@code every} starts again with a stack trace.
 * Thread-safe: the map's compute holds one kind's state while it is read and updated.
 */
final class ThrottledLog {

    /** Where the lines go: a logger's warn or error, or a test's list. */
    @FunctionalInterface
    interface Sink {
        void log(String line, Throwable error);
    }

    private static final int MAX_KINDS = 1_000;

    private final Sink sink;
    private final long everyNanos;
    private final LongSupplier ticker;
    private final Map<String, Kind> kinds = new ConcurrentHashMap<>();

    /** One kind's state: when its last line was written and how many occurrences were not written since. */
    private static final class Kind {
        long loggedAt;
        long suppressed;

        Kind(long loggedAt) {
            this.loggedAt = loggedAt;
        }
    }

    ThrottledLog(Sink sink, long everyNanos, LongSupplier ticker) {
        this.sink = sink;
        this.everyNanos = everyNanos;
        this.ticker = ticker;
    }

    /** Errors of {@code log}, at most one line per kind every 10 seconds. */
    static ThrottledLog errors(Logger log) {
        return new ThrottledLog(log::error, 10_000_000_000L, System::nanoTime);
    }

    /** Warnings of {@code log} (the error's stack trace only the first time), at most one line per kind every 10 seconds. */
    static ThrottledLog warnings(Logger log) {
        return new ThrottledLog(log::warn, 10_000_000_000L, System::nanoTime);
    }

    /**
     * Logs {@code line} and {@code error}, or counts it when the same kind was logged less than {@code every} ago.
     *
     * @param what names the kind together with the error's class and message (e.g. "store")
     */
    void log(String what, String line, Throwable error) {
        String key = what + '|' + (error == null ? "" : error.getClass().getName() + ':' + error.getMessage());
        long now = ticker.getAsLong();
        long[] out = {-1};   // -1: count it; 0: first of its kind; n > 0: n more were counted since the last line
        if (kinds.size() > MAX_KINDS) {
            kinds.clear();   // messages naming ids make every key new: forget rather than grow
        }
        kinds.compute(key, (k, kind) -> {
            if (kind == null || now - kind.loggedAt >= 2 * everyNanos && kind.suppressed == 0) {
                out[0] = 0;
                return new Kind(now);
            }
            if (now - kind.loggedAt >= everyNanos) {
                out[0] = kind.suppressed + 1;
                kind.loggedAt = now;
                kind.suppressed = 0;
                return kind;
            }
            kind.suppressed++;
            return kind;
        });
        if (out[0] == 0) {
            sink.log(line, error);
        } else if (out[0] > 0) {
            sink.log(line + " (" + out[0] + " time(s) in the last " + Math.max(1, everyNanos / 1_000_000_000L)
                    + " s; the first was logged with its stack trace)" + (error == null ? "" : ": " + error), null);
        }
    }
}
