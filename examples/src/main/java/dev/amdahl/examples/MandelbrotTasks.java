package dev.amdahl.examples;

import dev.amdahl.Amdahl;
import dev.amdahl.Task;
import dev.amdahl.TaskCatalog;

/**
 * The Mandelbrot task, {@value #TILE}: renders one {@link Tile} into {@code int[]} RGB pixels.
 *
 * <pre>{@code
 * Amdahl app = Amdahl.builder().include(MandelbrotTasks.class).build();
 * Task<Tile, int[]> render = MandelbrotTasks.tile(app);
 * }</pre>
 */
public final class MandelbrotTasks implements TaskCatalog {

    /** The task's name. */
    public static final String TILE = "mandelbrot.tile";

    @Override
    public void register(Amdahl app) {
        app.task(TILE, Tile.class, int[].class, Mandelbrot::render);
    }

    /** A handle on the task, to submit it from an application that includes this catalog (or whose workers do). */
    public static Task<Tile, int[]> tile(Amdahl app) {
        return app.task(TILE, Tile.class, int[].class);
    }
}
