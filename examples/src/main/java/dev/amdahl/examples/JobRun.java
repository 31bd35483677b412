package dev.amdahl.examples;

import java.time.Duration;

/**
 * What one run of a {@link DemoJob} took.
 *
 * <pre>{@code
 * JobRun run = job.run(app);
 * double speedup = baseline.wallTime().toNanos() / (double) run.wallTime().toNanos();
 * }</pre>
 *
 * @param wallTime from the first submission to the combined result
 * @param tasks    how many tasks the run submitted
 * @param summary  the job's answer in words, e.g. {@code pi = 3.14162 (error 3.0e-05)}
 */
public record JobRun(Duration wallTime, int tasks, String summary) {

    /** Tasks finished per second of wall time. */
    public double tasksPerSecond() {
        double seconds = wallTime.toNanos() / 1e9;
        return seconds > 0 ? tasks / seconds : Double.POSITIVE_INFINITY;
    }
}
