package dev.amdahl.examples;

import dev.amdahl.Amdahl;
import dev.amdahl.ScalingBenchmark;
import dev.amdahl.TaskCatalog;
import dev.amdahl.scaling.JobStats;

/**
 * A job made of many tasks that can be run, and timed, on any {@link Amdahl} application whose
 * workers know the job's {@link #catalog()}: the unit that {@code amdahl demo} runs and that a
 * scaling benchmark runs again at several worker counts.
 *
 * <pre>{@code
 * DemoJob job = DemoJobs.named("mandelbrot").orElseThrow();
 * try (Amdahl app = Amdahl.builder().include(job.catalog()).build();
 *      Worker worker = app.startWorker(WorkerOptions.builder().concurrency(4).build())) {
 *     job.warmUp(app);
 *     JobRun run = job.run(app);
 *     System.out.printf("%d tasks in %s (%.1f tasks/s), serial fraction %.4f%n",
 *             run.tasks(), run.wallTime(), run.tasksPerSecond(), run.stats().serialFraction());
 * }
 *
 * // at several worker counts, fitted
 * ScalingBenchmark.Result result = ScalingBenchmark.builder().workers(1, 2, 4).build()
 *         .run(() -> Amdahl.builder().include(job.catalog()).build(), job.benchmark());
 * }</pre>
 *
 * <p>A run submits all its tasks, waits for every result and combines them (stitching tiles, summing
 * hits); its wall time covers all three, so the serial parts count as they would for a user.
 * Implementations are immutable and can be run any number of times.
 */
public interface DemoJob {

    /** The short name the command line uses, e.g. {@code mandelbrot}. */
    String name();

    /** One line saying what a run computes, with its size. */
    String description();

    /** The catalog the job's tasks come from; workers must include it. */
    Class<? extends TaskCatalog> catalog();

    /** How many tasks one run submits. */
    int taskCount();

    /**
     * Runs the job once on {@code app} and waits for it.
     *
     * @param progress told after each finished task, from the calling thread
     * @throws dev.amdahl.TaskFailedException at the first task that fails
     */
    JobRun run(Amdahl app, JobProgress progress);

    /** {@link #run(Amdahl, JobProgress)} without progress reports. */
    default JobRun run(Amdahl app) {
        return run(app, JobProgress.NONE);
    }

    /**
     * Runs a small version of the job on {@code app}, untimed, so that the JIT compiler has compiled
     * the task code and the path through the broker before the first timed run. Without it the first
     * run is slower for reasons that have nothing to do with the number of workers, and speedups
     * against it come out too high. Does nothing by default.
     */
    default void warmUp(Amdahl app) {
    }

    /**
     * How many timed runs per worker count a demo makes unless told: three, for a median and a spread; one for a job
     * whose single run takes seconds at its default size, so that the demo stays within a minute.
     */
    default int defaultRepeats() {
        return 3;
    }

    /**
     * This job as a {@link ScalingBenchmark.Job}: each run returns its {@link JobRun#stats()}, and the
     * warm-up is this job's own {@link #warmUp}, smaller than a run.
     */
    default ScalingBenchmark.Job benchmark() {
        DemoJob job = this;
        return new ScalingBenchmark.Job() {
            @Override
            public JobStats run(Amdahl app) {
                return job.run(app).stats();
            }

            @Override
            public void warmUp(Amdahl app) {
                job.warmUp(app);
            }
        };
    }
}
