package dev.amdahl.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.data.Offset.offset;

import dev.amdahl.Amdahl;
import dev.amdahl.ScalingBenchmark;
import dev.amdahl.Worker;
import dev.amdahl.WorkerOptions;
import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class DemoJobTest {

    private static final MandelbrotJob SMALL_PICTURE = MandelbrotJob.of(120, 90, 9);
    private static final PiJob SMALL_PI = PiJob.of(1_000_000, 8);

    @Test
    void mandelbrotRendersEagerly() {
        try (Amdahl app = Amdahl.builder().eager(true).include(MandelbrotTasks.class).build()) {
            MandelbrotJob.Rendering picture = SMALL_PICTURE.render(app, JobProgress.NONE);

            assertPicture(picture.image());
            assertThat(picture.run().tasks()).isEqualTo(9);
        }
    }

    @Test
    void mandelbrotRendersOnAWorkerAndReportsProgress() throws InterruptedException {
        List<Integer> progress = new ArrayList<>();
        try (Amdahl app = Amdahl.builder().include(MandelbrotTasks.class).build();
             Worker worker = app.startWorker(WorkerOptions.builder().concurrency(2).build())) {
            MandelbrotJob.Rendering picture = SMALL_PICTURE.render(app, (done, total) -> progress.add(done));

            assertPicture(picture.image());
            assertThat(picture.run().wallTime()).isPositive();
            assertThat(picture.run().tasksPerSecond()).isPositive();
            // the worker counts a task once it settled the message, which may be just after the caller heard the result
            long deadline = System.nanoTime() + 30_000_000_000L;
            while (worker.completedCount() < 9 && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            assertThat(worker.completedCount()).isEqualTo(9);
        }
        assertThat(progress).containsExactly(0, 1, 2, 3, 4, 5, 6, 7, 8, 9);
    }

    @Test
    void piIsEstimatedEagerlyAndOnAWorkerAlike() {
        double eager;
        try (Amdahl app = Amdahl.builder().eager(true).include(MonteCarloPiTasks.class).build()) {
            eager = SMALL_PI.estimate(app, JobProgress.NONE).pi();
        }
        try (Amdahl app = Amdahl.builder().include(MonteCarloPiTasks.class).build();
             Worker worker = app.startWorker(WorkerOptions.builder().concurrency(2).build())) {
            PiJob.Estimate onWorker = SMALL_PI.estimate(app, JobProgress.NONE);

            assertThat(onWorker.pi()).isEqualTo(eager).isCloseTo(Math.PI, offset(0.01));
            assertThat(onWorker.run().summary()).startsWith("pi = 3.14");
        }
    }

    @Test
    void everyNamedJobRunsThroughTheCommonInterface() {
        for (DemoJob job : List.of(SMALL_PICTURE, SMALL_PI, new RenderJob(48, 27, 6, 1), new WordCountJob(300_000, 12, 7))) {
            try (Amdahl app = Amdahl.builder().include(job.catalog()).build();
                 Worker worker = app.startWorker(WorkerOptions.builder().concurrency(1).build())) {
                job.warmUp(app);
                JobRun run = job.run(app);

                assertThat(run.tasks()).isEqualTo(job.taskCount());
                assertThat(run.wallTime()).isPositive();
                // the fan-in went through GroupFuture.combine, so the run measured its own serial part
                assertThat(run.stats().parallelSeconds()).isPositive();
                assertThat(run.stats().serialSeconds()).isPositive();
                assertThat(run.stats().serialFraction()).isBetween(0.0, 1.0);
            }
        }
        assertThat(DemoJobs.named("mandelbrot")).contains(DemoJobs.MANDELBROT);
        assertThat(DemoJobs.named("pi")).contains(DemoJobs.PI);
        assertThat(DemoJobs.named("nope")).isEmpty();
    }

    /** The example in {@link DemoJob}'s Javadoc: a demo job in a scaling benchmark. */
    @Test
    void aDemoJobRunsInAScalingBenchmarkWithItsOwnStats() {
        DemoJob job = SMALL_PI;

        ScalingBenchmark.Result result = ScalingBenchmark.builder().workers(1, 2).repeat(1).build()
                .run(() -> Amdahl.builder().include(job.catalog()).build(), job.benchmark());

        assertThat(result.runs()).hasSize(2);
        assertThat(result.jobStats()).hasValueSatisfying(stats -> assertThat(stats.parallelSeconds()).isPositive());
        assertThat(result.report().measurements()).hasSize(2);
    }

    private static void assertPicture(BufferedImage image) {
        assertThat(image.getWidth()).isEqualTo(120);
        assertThat(image.getHeight()).isEqualTo(90);
        assertThat(image.getRGB(0, 0) & 0xFFFFFF).as("a corner, far outside the set").isNotZero();
        assertThat(image.getRGB(77, 45) & 0xFFFFFF).as("c = -0.25, inside the main cardioid").isZero();
    }
}
