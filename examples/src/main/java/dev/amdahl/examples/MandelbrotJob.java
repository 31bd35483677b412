package dev.amdahl.examples;

import dev.amdahl.Amdahl;
import dev.amdahl.GroupFuture;
import dev.amdahl.TaskCatalog;
import java.awt.image.BufferedImage;
import java.time.Duration;
import java.util.List;

/**
 * Renders a picture of the Mandelbrot set as {@value MandelbrotTasks#TILE} tasks, one per tile, and
 * stitches the tiles into an image.
 *
 * <pre>{@code
 * MandelbrotJob job = MandelbrotJob.of(1600, 1200, 64);
 * try (Amdahl app = Amdahl.builder().include(MandelbrotTasks.class).build();
 *      Worker worker = app.startWorker(WorkerOptions.builder().concurrency(2).build())) {
 *     MandelbrotJob.Rendering picture = job.render(app, JobProgress.NONE);
 *     Mandelbrot.writePng(picture.image(), Path.of("mandelbrot.png"));
 * }
 * }</pre>
 *
 * @param width         the picture's width in pixels
 * @param height        the picture's height in pixels
 * @param tileCount     how many tiles (tasks) the picture is split into
 * @param maxIterations the iteration limit of each point
 * @param window        the part of the complex plane to show, widened to the picture's shape
 */
public record MandelbrotJob(int width, int height, int tileCount, int maxIterations, Tile.Window window) implements DemoJob {

    /** The iteration limit of {@link #of}: enough for crisp edges of the whole set. */
    public static final int DEFAULT_MAX_ITERATIONS = 1000;

    public MandelbrotJob {
        Mandelbrot.tiles(width, height, tileCount, window, maxIterations); // validates, naming what is wrong
    }

    /** The whole set at {@code width x height} in {@code tileCount} tiles. */
    public static MandelbrotJob of(int width, int height, int tileCount) {
        return new MandelbrotJob(width, height, tileCount, DEFAULT_MAX_ITERATIONS, Tile.Window.FULL_SET);
    }

    /** The rendered picture and what rendering it took. */
    public record Rendering(BufferedImage image, JobRun run) {
    }

    @Override
    public String name() {
        return "mandelbrot";
    }

    @Override
    public String description() {
        return "Mandelbrot set, " + width + "x" + height + " pixels in " + tileCount + " tiles, up to "
                + maxIterations + " iterations per pixel";
    }

    @Override
    public Class<? extends TaskCatalog> catalog() {
        return MandelbrotTasks.class;
    }

    @Override
    public int taskCount() {
        return tileCount;
    }

    /** The tiles one run submits. */
    public List<Tile> tiles() {
        return Mandelbrot.tiles(width, height, tileCount, window, maxIterations);
    }

    /**
     * Renders the picture on {@code app}'s workers.
     *
     * @throws dev.amdahl.TaskFailedException when a tile fails
     */
    public Rendering render(Amdahl app, JobProgress progress) {
        List<Tile> tiles = tiles();
        long start = System.nanoTime();
        GroupFuture<int[]> rendering = MandelbrotTasks.tile(app).map(tiles);
        // stitched through the group: the stitch is the job's fan-in, and its time counts as serial
        BufferedImage image = GroupRuns.combine(rendering, progress, pixels -> Mandelbrot.stitch(tiles, pixels));
        Duration wall = Duration.ofNanos(System.nanoTime() - start);
        return new Rendering(image, new JobRun(wall, tiles.size(), width + "x" + height + " picture", rendering.stats()));
    }

    @Override
    public JobRun run(Amdahl app, JobProgress progress) {
        return render(app, progress).run();
    }

    /** Renders a small picture of the same window: a twentieth of the default one's pixels. */
    @Override
    public void warmUp(Amdahl app) {
        new MandelbrotJob(Math.min(width, 360), Math.min(height, 270), Math.min(tileCount, 16), maxIterations, window)
                .render(app, JobProgress.NONE);
    }
}
