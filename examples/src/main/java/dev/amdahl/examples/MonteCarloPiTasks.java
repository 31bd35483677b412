package dev.amdahl.examples;

import dev.amdahl.Amdahl;
import dev.amdahl.Task;
import dev.amdahl.TaskCatalog;

/**
 * The Monte Carlo pi task, {@value #PI}: counts the hits of one {@link PiChunk}.
 *
 * <pre>{@code
 * Amdahl app = Amdahl.builder().include(MonteCarloPiTasks.class).build();
 * long hits = MonteCarloPiTasks.pi(app).submit(new PiChunk(7, 1_000_000)).get();
 * }</pre>
 */
public final class MonteCarloPiTasks implements TaskCatalog {

    /** The task's name. */
    public static final String PI = "montecarlo.pi";

    @Override
    public void register(Amdahl app) {
        app.task(PI, PiChunk.class, Long.class, MonteCarloPi::countHits);
    }

    /** A handle on the task, to submit it from an application that includes this catalog (or whose workers do). */
    public static Task<PiChunk, Long> pi(Amdahl app) {
        return app.task(PI, PiChunk.class, Long.class);
    }
}
