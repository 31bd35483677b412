package dev.amdahl.scaling;

import java.util.Locale;

/**
 * What one finished job moved, beside where it spent its time ({@link JobStats}): the bytes of its arguments and
 * results, and the time the caller spent moving them. The book's point about CPUs and GPUs holds for any distributed
 * job: when moving the data takes longer than computing on it, more workers do not help.
 *
 * <pre>{@code
 * DataMovement moved = tiles.dataMovement();
 * moved.bytesPerTask();      // 262,400: what one task costs the queue and the backend
 * moved.shareOfWall();       // 0.41: 41 % of the job's wall time went to encoding and publishing its data
 * moved.dominates();         // true when moving took longer than the members' run times summed
 * }</pre>
 *
 * @param tasks          the tasks of the job (messages: a chunk is one)
 * @param publishedBytes the bytes of the messages the broker carried
 * @param storedBytes    the bytes of arguments stored once in the result backend, for messages over the by-reference
 *                       threshold (their messages carried a handle)
 * @param resultBytes    the bytes of the results the workers stored and the caller read back
 * @param moveSeconds    the caller's time moving data: encoding and publishing the messages, storing what went by
 *                       reference, reading the results back
 * @param computeSeconds the members' run times, summed ({@link JobStats#parallelSeconds()})
 * @param wallSeconds    from the first submission to the last result
 */
public record DataMovement(int tasks, long publishedBytes, long storedBytes, long resultBytes, double moveSeconds,
                           double computeSeconds, double wallSeconds) {

    public DataMovement {
        if (tasks < 0 || publishedBytes < 0 || storedBytes < 0 || resultBytes < 0) {
            throw new IllegalArgumentException("counts must not be negative: tasks " + tasks + ", bytes " + publishedBytes
                    + "/" + storedBytes + "/" + resultBytes);
        }
        if (!(moveSeconds >= 0) || !(computeSeconds >= 0) || !(wallSeconds >= 0)) {
            throw new IllegalArgumentException("seconds must be finite and not negative: move " + moveSeconds + ", compute "
                    + computeSeconds + ", wall " + wallSeconds);
        }
    }

    /** Every byte moved: published, stored by reference, and results. */
    public long totalBytes() {
        return publishedBytes + storedBytes + resultBytes;
    }

    /** Bytes moved per task; 0 for a job without tasks. */
    public double bytesPerTask() {
        return tasks == 0 ? 0 : (double) totalBytes() / tasks;
    }

    /** Bytes moved per second of wall time; 0 when no time passed. */
    public double bytesPerSecond() {
        return wallSeconds == 0 ? 0 : totalBytes() / wallSeconds;
    }

    /** The share of the wall time spent moving data, from 0 to 1. */
    public double shareOfWall() {
        return wallSeconds == 0 ? 0 : Math.min(1.0, moveSeconds / wallSeconds);
    }

    /** Whether the job spent more time moving data than computing: more workers will not make it faster. */
    public boolean dominates() {
        return moveSeconds > computeSeconds;
    }

    /** {@code 64 tasks, 16.0 MiB moved (256.0 KiB/task, 4.1 MiB/s), 12% of wall time moving data}. */
    @Override
    public String toString() {
        return String.format(Locale.ROOT, "%d tasks, %s moved (%s/task, %s/s; %s by reference), %.0f%% of wall time moving data",
                tasks, bytes(totalBytes()), bytes((long) bytesPerTask()), bytes((long) bytesPerSecond()), bytes(storedBytes),
                shareOfWall() * 100);
    }

    /** {@code 512 B}, {@code 4.0 KiB}, {@code 16.0 MiB}. */
    public static String bytes(long n) {
        if (n < 1024) {
            return n + " B";
        }
        double v = n;
        String[] units = {"KiB", "MiB", "GiB", "TiB"};
        int u = -1;
        while (v >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        return String.format(Locale.ROOT, "%.1f %s", v, units[u]);
    }
}
