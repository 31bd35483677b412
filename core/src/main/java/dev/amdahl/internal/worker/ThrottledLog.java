package dev.amdahl.internal.worker;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.LongSupplier;
import org.slf4j.Logger;

/**
 * Logs a repeated error at a bounded rate: the first occurrence of a kind with its stack trace, then at most one
 * line per {@code every} saying how many more there were meanwhile. A backend that refuses every store would
 * otherwise write a stack trace per message, thousands a second, and bury the one line that says what is wrong.
 *
 * <p>A kind is what the caller names it (what failed) plus the exception's class and its root cause's class, not
 * its message: messages name task ids and hosts, so keying on them would make every failure the first of its kind,
 * stack trace and all. A different error (another class or root cause) is logged at once. Counts are per kind; a
 * kind quiet for {@code every} starts again with a stack trace. At most {@value #MAX_KINDS} kinds are kept, the
 * least recently seen forgotten first, so a burst of new kinds never resets the count of a busy one.
 * Thread-safe: one lock guards the map while a kind is read and updated; lines are written outside it.
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
    /** By kind, least recently seen first (access order), so the eldest is the one to forget. */
    private final Map<String, Kind> kinds = new LinkedHashMap<>(64, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Kind> eldest) {
            return size() > MAX_KINDS;
        }
    };

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
     * @param what names the kind together with the error's class and root cause's class (e.g. "store")
     */
    void log(String what, String line, Throwable error) {
        String key = kind(what, error);
        long now = ticker.getAsLong();
        long out;   // -1: count it; 0: first of its kind; n > 0: n more were counted since the last line
        synchronized (kinds) {
            Kind kind = kinds.get(key);
            if (kind == null || now - kind.loggedAt >= 2 * everyNanos && kind.suppressed == 0) {
                kinds.put(key, new Kind(now));
                out = 0;
            } else if (now - kind.loggedAt >= everyNanos) {
                out = kind.suppressed + 1;
                kind.loggedAt = now;
                kind.suppressed = 0;
            } else {
                kind.suppressed++;
                out = -1;
            }
        }
        if (out == 0) {
            sink.log(line, error);
        } else if (out > 0) {
            sink.log(line + " (" + out + " time(s) in the last " + Math.max(1, everyNanos / 1_000_000_000L)
                    + " s" + (error == null ? ")" : "; the first was logged with its stack trace): " + error), null);
        }
    }

    private static String kind(String what, Throwable error) {
        if (error == null) {
            return what;
        }
        Throwable root = error;
        for (int depth = 0; root.getCause() != null && root.getCause() != root && depth < 32; depth++) {
            root = root.getCause();
        }
        return what + '|' + error.getClass().getName() + '|' + root.getClass().getName();
    }
}
