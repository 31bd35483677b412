package dev.amdahl.examples;

import java.util.Objects;

/**
 * A rendered frame: the result of the {@code render.frame} task.
 *
 * @param index       which frame
 * @param png         the frame as a PNG file's bytes
 * @param run         the render run that asked for it ({@link Frame#run()})
 * @param renderNanos how long the worker took to render and encode it
 */
public record RenderedFrame(int index, byte[] png, String run, long renderNanos) {

    public RenderedFrame {
        Objects.requireNonNull(png, "png");
        Objects.requireNonNull(run, "run");
    }

    /** Renders {@code frame}, timing it: the body of the {@code render.frame} task. */
    public static RenderedFrame of(Frame frame) {
        long start = System.nanoTime();
        byte[] png = RayTracer.renderPng(frame);
        return new RenderedFrame(frame.index(), png, frame.run(), System.nanoTime() - start);
    }
}
