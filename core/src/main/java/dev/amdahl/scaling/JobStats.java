package dev.amdahl.scaling;

/**
 * Where one finished job spent its time: the part that ran on one thread and the part that ran
 * in parallel, summed as if on one worker. From that split follow the measured serial fraction and
 * the speedup that no number of workers can beat.
 *
 * <pre>{@code
 * // a chord: 2 s to split and stitch, 98 s of tiles summed over all workers
 * JobStats stats = new JobStats(2.0, 98.0);
 * stats.serialFraction();      // 0.02
 * stats.ceiling();             // 50.0: at most 50x faster, however many workers
 * stats.predictedSpeedup(16);  // 12.31
 * }</pre>
 *
 * @param serialSeconds   time spent where only one worker could make progress (submitting,
 *                        splitting, the fan-in of a chord), in seconds
 * @param parallelSeconds the sum over all tasks that could run side by side, in seconds, i.e. the
 *                        time they would take one after another on a single worker
 */
public record JobStats(double serialSeconds, double parallelSeconds) {

    /** Checks that both parts are finite, not negative, and not both zero. */
    public JobStats {
        requireSeconds("serialSeconds", serialSeconds);
        requireSeconds("parallelSeconds", parallelSeconds);
        if (serialSeconds + parallelSeconds == 0.0) {
            throw new IllegalArgumentException("a job needs some time: serial and parallel seconds are both 0");
        }
    }

    /** Run time on one worker, {@code serial + parallel}. */
    public double totalSeconds() {
        return serialSeconds + parallelSeconds;
    }

    /** The measured serial fraction {@code S = serial / (serial + parallel)}. */
    public double serialFraction() {
        return serialSeconds / totalSeconds();
    }

    /** Amdahl's ceiling {@code 1/S}; infinite when nothing ran serially. */
    public double ceiling() {
        return law().limit();
    }

    /** Amdahl's prediction of the speedup of this job on {@code n} workers. */
    public double predictedSpeedup(int n) {
        return law().speedup(n);
    }

    /** Amdahl's law for this job's serial fraction. */
    public AmdahlLaw law() {
        return AmdahlLaw.ofSerialFraction(serialFraction());
    }

    private static void requireSeconds(String name, double seconds) {
        if (!(seconds >= 0.0) || Double.isInfinite(seconds)) {
            throw new IllegalArgumentException(name + " must be a finite number of seconds >= 0, got " + seconds);
        }
    }
}
