package dev.amdahl.examples;

import dev.amdahl.scaling.JobStats;
import java.time.Duration;
import java.util.Objects;

/**
 * What one run of a {@link DemoJob} took.
 *
 * <pre>{@code
 * JobRun run = job.run(app);
 * double speedup = baseline.wallTime().toNanos() / (double) run.wallTime().toNanos();
 * run.stats().serialFraction();   // measured from the run's own events
 * run.stats().ceiling();          // Amdahl's limit for this job: 1/S
 * }</pre>
 *
 * @param wallTime from the first submission to the combined result
 * @param tasks    how many tasks the run submitted
 * @param summary  the job's answer in words, e.g. {@code pi = 3.14162 (error 3.0e-05)}
 * @param stats    where the run spent its time, from {@link dev.amdahl.GroupFuture#stats()}: the serial
 *                 part (submitting the tasks, combining their results) and the tasks' summed run time
 */
public record JobRun(Duration wallTime, int tasks, String summary, JobStats stats) {

    /** Checks that nothing is missing. */
    public JobRun {
        Objects.requireNonNull(wallTime, "wallTime");
        Objects.requireNonNull(summary, "summary");
        Objects.requireNonNull(stats, "stats");
    }

    /** Tasks finished per second of wall time. */
    public double tasksPerSecond() {
        double seconds = wallTime.toNanos() / 1e9;
        return seconds > 0 ? tasks / seconds : Double.POSITIVE_INFINITY;
    }
}
