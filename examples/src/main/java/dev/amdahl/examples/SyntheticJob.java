package dev.amdahl.examples;

import dev.amdahl.Amdahl;
import dev.amdahl.GroupFuture;
import dev.amdahl.TaskCatalog;
import java.time.Duration;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.locks.LockSupport;

/**
 * A job whose serial fraction is known because it is set: {@code tasks} tasks that each wait
 * {@code taskMillis} on a worker, and a serial part that the client waits in the fan-in, sized so that
 * it is {@code serialFraction} of the one-worker run time {@code T(1) = serial + tasks·taskMillis}.
 * Everything is time, not computation, so the job scales with the slots of a thread or virtual-thread
 * pool, not with the machine's cores: a scaling analysis can be tried at 64 workers on a laptop, and its
 * fitted {@code S} checked against the true one.
 *
 * <pre>{@code
 * SyntheticJob job = new SyntheticJob(0.05, 4, 64);      // S = 0.05, 64 tasks of 4 ms
 * job.serialMillis();                                    // 13.47: 5 % of 269.47 ms
 * ScalingBenchmark.builder().workers(1, 2, 4, 8).heldOut(List.of(16, 32)).build()
 *         .run(() -> Amdahl.builder().include(job.catalog()).build(), job.benchmark());
 * }</pre>
 *
 * <p>Two things keep a measured run from being exactly the model, and a user of this job should know
 * them. The framework's own cost per task (submitting, dispatching, storing the result) is added to the
 * set times; with tasks of a few milliseconds it is a few per cent. And a worker count that does not
 * divide {@code tasks} leaves the last wave part empty, so the parallel part takes
 * {@code ceil(tasks/n)} task times rather than {@code tasks/n}: use worker counts that divide the task
 * count (powers of two with 64 tasks) to see Amdahl's curve rather than that staircase.
 *
 * @param serialFraction the part of the one-worker run time spent in the serial fan-in, in [0, 1)
 * @param taskMillis     how long each task waits, in milliseconds, more than 0 and at most a minute
 * @param tasks          how many tasks one run submits, at least 1
 */
public record SyntheticJob(double serialFraction, double taskMillis, int tasks) implements DemoJob {

    /** The default: S = 0.05, 64 tasks of 10 ms, 0.67 s on one worker. */
    public static final SyntheticJob DEFAULT = new SyntheticJob(0.05, 10, 64);

    /** Checks the settings, naming the one that is wrong. */
    public SyntheticJob {
        if (!(serialFraction >= 0.0 && serialFraction < 1.0)) {
            throw new IllegalArgumentException("the synthetic job's serial fraction must be in [0, 1), got "
                    + serialFraction);
        }
        if (!(taskMillis > 0.0 && taskMillis * 1_000 <= SyntheticTasks.MAX_MICROS)) {
            throw new IllegalArgumentException("a synthetic task's time must be more than 0 and at most 60000 ms, got "
                    + taskMillis);
        }
        if (tasks < 1) {
            throw new IllegalArgumentException("the synthetic job needs at least 1 task, got " + tasks);
        }
    }

    /** The serial part's length, {@code S/(1−S) · tasks · taskMillis}, in milliseconds. */
    public double serialMillis() {
        return serialFraction / (1.0 - serialFraction) * tasks * taskMillis;
    }

    /** The run time on one worker that the settings imply, {@code serial + tasks · taskMillis}, in milliseconds. */
    public double oneWorkerMillis() {
        return serialMillis() + tasks * taskMillis;
    }

    /**
     * This job with {@code factor} times the tasks and the same serial part: Gustafson's scaled problem,
     * whose parallel work grows with the workers while the serial part stays.
     */
    public SyntheticJob scaled(int factor) {
        if (factor < 1) {
            throw new IllegalArgumentException("a scale factor must be at least 1, got " + factor);
        }
        double parallel = (double) tasks * factor * taskMillis;
        double serial = serialMillis();
        return new SyntheticJob(serial / (serial + parallel), taskMillis, tasks * factor);
    }

    @Override
    public String name() {
        return "synthetic";
    }

    @Override
    public String description() {
        return String.format(Locale.ROOT, "synthetic job, S = %s: %d tasks of %s ms and a serial part of %.2f ms"
                + " (%.2f ms on one worker)", plain(serialFraction), tasks, plain(taskMillis), serialMillis(),
                oneWorkerMillis());
    }

    @Override
    public Class<? extends TaskCatalog> catalog() {
        return SyntheticTasks.class;
    }

    @Override
    public int taskCount() {
        return tasks;
    }

    @Override
    public JobRun run(Amdahl app, JobProgress progress) {
        long taskMicros = Math.round(taskMillis * 1_000);
        long serialNanos = Math.round(serialMillis() * 1_000_000);
        long start = System.nanoTime();
        GroupFuture<Long> waits = SyntheticTasks.await(app).map(Collections.nCopies(tasks, taskMicros));
        // the serial part is the fan-in, so the job's own statistics count it as serial, as they would a real one
        long tookMicros = GroupRuns.combine(waits, progress, took -> {
            long deadline = System.nanoTime() + serialNanos;
            for (long left = serialNanos; left > 0; left = deadline - System.nanoTime()) {
                LockSupport.parkNanos(left);
            }
            return took.stream().mapToLong(Long::longValue).sum();
        });
        Duration wall = Duration.ofNanos(System.nanoTime() - start);
        String summary = String.format(Locale.ROOT, "%d tasks waited %.1f ms in all", tasks, tookMicros / 1e3);
        return new JobRun(wall, tasks, summary, waits.stats());
    }

    /** A run of as many tasks of 1 ms with no serial part: the path through the broker warmed, no time spent. */
    @Override
    public void warmUp(Amdahl app) {
        new SyntheticJob(0.0, Math.min(1.0, taskMillis), tasks).run(app, JobProgress.NONE);
    }

    private static String plain(double value) {
        return java.math.BigDecimal.valueOf(value).stripTrailingZeros().toPlainString();
    }
}
