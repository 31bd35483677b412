package dev.amdahl.cli;

import java.time.Duration;

/** Durations as a person reads them: {@code 850 ms}, {@code 12.5 s}, {@code 3m 20s}, {@code 2h 5m}. */
final class Durations {

    private Durations() {
    }

    static String format(Duration d) {
        long ms = d.toMillis();
        if (ms < 1_000) {
            return ms + " ms";
        }
        if (ms < 60_000) {
            return String.format(java.util.Locale.ROOT, "%.1f s", ms / 1000.0);
        }
        long s = d.toSeconds();
        if (s < 3_600) {
            return (s / 60) + "m " + (s % 60) + "s";
        }
        return (s / 3_600) + "h " + (s % 3_600 / 60) + "m";
    }
}
