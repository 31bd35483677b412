package dev.amdahl.examples;

import dev.amdahl.Amdahl;
import dev.amdahl.GroupFuture;
import dev.amdahl.TaskCatalog;
import java.time.Duration;
import java.util.List;
import java.util.Locale;

/**
 * Estimates pi with {@value MonteCarloPiTasks#PI} tasks, one per chunk of samples.
 *
 * <pre>{@code
 * PiJob job = PiJob.of(200_000_000, 64);
 * PiJob.Estimate estimate = job.estimate(app, JobProgress.NONE);
 * System.out.println(estimate.pi());
 * }</pre>
 *
 * @param samples    how many random points in all
 * @param chunkCount how many tasks they are split into
 * @param seed       the seed the chunks' seeds derive from; the same seed gives the same estimate
 */
public record PiJob(long samples, int chunkCount, long seed) implements DemoJob {

    /** The seed of {@link #of}. */
    public static final long DEFAULT_SEED = 42;

    public PiJob {
        MonteCarloPi.chunks(samples, chunkCount, seed); // validates, naming what is wrong
    }

    /** {@code samples} points in {@code chunkCount} tasks, with the default seed. */
    public static PiJob of(long samples, int chunkCount) {
        return new PiJob(samples, chunkCount, DEFAULT_SEED);
    }

    /**
     * The estimate and what computing it took.
     *
     * @param pi  the estimate
     * @param run the run
     */
    public record Estimate(double pi, JobRun run) {

        /** How far the estimate is from {@link Math#PI}. */
        public double error() {
            return Math.abs(pi - Math.PI);
        }
    }

    @Override
    public String name() {
        return "pi";
    }

    @Override
    public String description() {
        return String.format(Locale.ROOT, "Monte Carlo pi, %,d samples in %d chunks", samples, chunkCount);
    }

    @Override
    public Class<? extends TaskCatalog> catalog() {
        return MonteCarloPiTasks.class;
    }

    @Override
    public int taskCount() {
        return chunkCount;
    }

    /**
     * Estimates pi on {@code app}'s workers.
     *
     * @throws dev.amdahl.TaskFailedException when a chunk fails
     */
    public Estimate estimate(Amdahl app, JobProgress progress) {
        List<PiChunk> chunks = MonteCarloPi.chunks(samples, chunkCount, seed);
        long start = System.nanoTime();
        GroupFuture<Long> counting = MonteCarloPiTasks.pi(app).map(chunks);
        // summed through the group, so the sum counts as the job's serial part
        double pi = GroupRuns.combine(counting, progress, hits -> MonteCarloPi.estimate(chunks, hits));
        Duration wall = Duration.ofNanos(System.nanoTime() - start);
        String summary = String.format(Locale.ROOT, "pi = %.6f (error %.1e)", pi, Math.abs(pi - Math.PI));
        return new Estimate(pi, new JobRun(wall, chunks.size(), summary, counting.stats()));
    }

    @Override
    public JobRun run(Amdahl app, JobProgress progress) {
        return estimate(app, progress).run();
    }

    /** Estimates pi from at most 2 million samples in as many chunks as this job. */
    @Override
    public void warmUp(Amdahl app) {
        new PiJob(Math.max(chunkCount, Math.min(samples, 2_000_000)), chunkCount, seed).estimate(app, JobProgress.NONE);
    }
}
