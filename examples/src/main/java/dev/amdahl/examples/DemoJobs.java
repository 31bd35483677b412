package dev.amdahl.examples;

import java.util.List;
import java.util.Optional;

/**
 * The demo jobs at their default sizes, by name: what {@code amdahl demo} and scaling benchmarks
 * run when not told otherwise. Each takes a few seconds on one core, the synthetic one less than one.
 *
 * <pre>{@code
 * for (DemoJob job : DemoJobs.all()) {
 *     System.out.println(job.name() + ": " + job.description());
 * }
 * DemoJob mandelbrot = DemoJobs.named("mandelbrot").orElseThrow();
 * }</pre>
 */
public final class DemoJobs {

    /** The default Mandelbrot picture: 1600x1200 pixels in 64 tiles. */
    public static final MandelbrotJob MANDELBROT = MandelbrotJob.of(1600, 1200, 64);

    /** The default pi estimate: 2 x 10^8 samples in 64 chunks. */
    public static final PiJob PI = PiJob.of(200_000_000L, 64);

    /** The default synthetic job: S = 0.05, 64 tasks of 10 ms. */
    public static final SyntheticJob SYNTHETIC = SyntheticJob.DEFAULT;

    private DemoJobs() {
    }

    /** Every demo job, at its default size. */
    public static List<DemoJob> all() {
        return List.of(MANDELBROT, PI, SYNTHETIC);
    }

    /** The demo job called {@code name} ({@link DemoJob#name()}), at its default size. */
    public static Optional<DemoJob> named(String name) {
        return all().stream().filter(j -> j.name().equals(name)).findFirst();
    }
}
