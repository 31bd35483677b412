package dev.amdahl.examples;

import java.util.Objects;

/**
 * One frame of the render farm's animation: the argument of the {@code render.frame} task. It carries
 * everything the task needs, so a worker on another machine renders it alone.
 *
 * <pre>{@code
 * Frame first = new Frame(0, 36, 320, 180, 2, "run-1");
 * byte[] png = RayTracer.renderPng(first);
 * }</pre>
 *
 * @param index   which frame, from 0
 * @param count   how many frames the animation has; the camera goes round once over them
 * @param width   the frame's width in pixels
 * @param height  the frame's height in pixels
 * @param samples rays per pixel along each axis: {@code samples x samples} per pixel
 * @param run     the render run that asked for the frame, echoed in the result: a result that names another
 *                run was rendered before this one asked (see {@link RenderJob})
 */
public record Frame(int index, int count, int width, int height, int samples, String run) {

    public Frame {
        if (count < 1 || index < 0 || index >= count) {
            throw new IllegalArgumentException("frame " + index + " is not one of an animation of " + count + " frames");
        }
        if (width < 1 || height < 1) {
            throw new IllegalArgumentException("a frame must be at least 1x1 pixels, was " + width + "x" + height);
        }
        if (samples < 1 || samples > 8) {
            throw new IllegalArgumentException("samples must be 1 to 8 rays per pixel along each axis, was " + samples);
        }
        Objects.requireNonNull(run, "run");
    }
}
