package dev.amdahl;

/**
 * A set of task registrations that can be replayed in another JVM. Process-pool children and
 * {@code amdahl worker} create an instance with the public no-argument constructor and call
 * {@link #register}, so every JVM knows the same tasks by the same names.
 *
 * <pre>{@code
 * public final class MandelbrotTasks implements TaskCatalog {
 *     public void register(Amdahl app) {
 *         app.task("mandelbrot.tile", Tile.class, int[].class, Mandelbrot::render);
 *     }
 * }
 *
 * Amdahl app = Amdahl.builder().include(MandelbrotTasks.class).build();
 * }</pre>
 */
@FunctionalInterface
public interface TaskCatalog {

    /** Registers this catalog's tasks with {@code app}. */
    void register(Amdahl app);
}
