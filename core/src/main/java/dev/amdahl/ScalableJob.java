package dev.amdahl;

import dev.amdahl.scaling.JobStats;

/**
 * A job of one's own that {@code amdahl scale --job CLASS} can time at several worker counts: its tasks,
 * how to make its input for a given size, and how to run it once through an application. The class needs a
 * public no-argument constructor and goes on {@code AMDAHL_CLASSPATH}.
 *
 * <pre>{@code
 * public final class Thumbnails implements ScalableJob<List<Path>> {
 *     public void register(Amdahl app) {                           // the tasks, as any TaskCatalog
 *         app.task("thumb.make", Path.class, Path.class, Thumbs::make);
 *     }
 *     public List<Path> prepare(int size) {                        // untimed: size 1 is one batch
 *         return Photos.sample(200 * size);
 *     }
 *     public JobStats run(Amdahl app, List<Path> photos) {         // timed: submit, wait, combine
 *         GroupFuture<Path> thumbs = app.task("thumb.make", Path.class, Path.class).map(photos);
 *         thumbs.combine(Duration.ofMinutes(5), Thumbs::index);
 *         return thumbs.stats();
 *     }
 * }
 * // AMDAHL_CLASSPATH=thumbs.jar ./amdahl scale --job com.example.Thumbnails --workers 1,2,4,8 --predict 16
 * }</pre>
 *
 * <p>The input is made once per size and reused by every run, so {@link #run} must not change it. A run
 * must wait for its outcome: the benchmark times the call. Size 1 is the job a scaling run times at every
 * worker count; a weak-scaling run ({@code --weak}) gives {@code n} workers size {@code n}.
 *
 * @param <W> the input of one run
 */
public interface ScalableJob<W> extends TaskCatalog {

    /** One line saying what a run computes, for reports; the class name by default. */
    default String description() {
        return getClass().getName();
    }

    /**
     * Makes the input of a run of {@code size} units of work; not timed.
     *
     * @param size at least 1; a run of size {@code k} should do about {@code k} times the work of size 1
     */
    W prepare(int size);

    /**
     * Runs the job once on {@code app} and waits for its outcome; timed.
     *
     * @return the job's own measurement ({@link GroupFuture#stats()}), or null if it has none
     */
    JobStats run(Amdahl app, W work);

    /**
     * This job at {@code size} as a {@link ScalingBenchmark.Job}: the input made once now, then every warm-up
     * and timed run on it.
     */
    default ScalingBenchmark.Job benchmark(int size) {
        W work = prepare(size);
        ScalableJob<W> job = this;
        return app -> job.run(app, work);
    }
}
