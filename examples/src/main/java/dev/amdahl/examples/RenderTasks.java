package dev.amdahl.examples;

import dev.amdahl.Amdahl;
import dev.amdahl.Task;
import dev.amdahl.TaskCatalog;

/**
 * The render farm's task, {@value #FRAME}: ray-traces one {@link Frame} into a PNG.
 *
 * <pre>{@code
 * Amdahl app = Amdahl.builder().include(RenderTasks.class).build();
 * RenderedFrame first = RenderTasks.frame(app).submit(new Frame(0, 36, 320, 180, 2, "run-1")).get();
 * }</pre>
 */
public final class RenderTasks implements TaskCatalog {

    /** The task's name. */
    public static final String FRAME = "render.frame";

    @Override
    public void register(Amdahl app) {
        app.task(FRAME, Frame.class, RenderedFrame.class, RenderedFrame::of);
    }

    /** A handle on the task, to submit it from an application that includes this catalog (or whose workers do). */
    public static Task<Frame, RenderedFrame> frame(Amdahl app) {
        return app.task(FRAME, Frame.class, RenderedFrame.class);
    }
}
