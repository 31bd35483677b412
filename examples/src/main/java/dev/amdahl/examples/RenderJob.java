package dev.amdahl.examples;

import dev.amdahl.Amdahl;
import dev.amdahl.SubmitOptions;
import dev.amdahl.Task;
import dev.amdahl.TaskCatalog;
import dev.amdahl.TaskFuture;
import dev.amdahl.scaling.JobStats;
import dev.amdahl.spi.IdempotencyKeys;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.UUID;
import java.util.stream.IntStream;
import java.util.stream.Stream;

/**
 * The render farm: the frames of a short ray-traced animation ({@link RayTracer}) rendered as
 * {@value RenderTasks#FRAME} tasks, one per frame, written to a {@link FrameFolder} as a PNG sequence,
 * then stitched into an animated GIF preview. The stitching reads every frame, in the caller: it is the
 * job's serial part.
 *
 * <pre>{@code
 * RenderJob job = RenderJob.DEFAULT;
 * FrameFolder folder = FrameFolder.open(Path.of("render"), job);
 * RenderJob.Pass pass = job.render(app, folder, folder.missing(), true, JobProgress.NONE);
 * System.out.println(pass.rendered().size() + " rendered, " + pass.renderedBefore().size() + " stored already");
 * }</pre>
 *
 * <p><b>Resuming.</b> A render killed midway and started again renders only the frames it lacks, in two
 * ways. The frames on disk are not submitted again ({@link FrameFolder#missing}). The others are submitted
 * with an idempotency key made of the render's id and the frame's index: where an earlier run submitted the
 * frame already (its workers may have finished it after the client died, or the client died before it wrote
 * the file), the submission returns that earlier task's future, whose result is stored or on its way, and
 * nothing is rendered twice. Each run asks for its frames under a run id of its own, which the result
 * echoes, so a result that names another run is one this run skipped. The keys live in the result backend:
 * the embedded one dies with the process, so there only the frames on disk carry over.
 *
 * @param width      each frame's width in pixels
 * @param height     each frame's height in pixels
 * @param frameCount how many frames (tasks); the camera goes round the scene once over them
 * @param samples    rays per pixel along each axis, for anti-aliasing
 */
public record RenderJob(int width, int height, int frameCount, int samples) implements DemoJob {

    /** The default animation: 36 frames of 320x180 pixels, 2x2 rays per pixel, a few seconds on one core. */
    public static final RenderJob DEFAULT = new RenderJob(320, 180, 36, 2);

    /** How long the preview shows each frame. */
    public static final int PREVIEW_DELAY_MILLIS = 80;

    /** The most frames an animation may have: the frame files are numbered with three digits. */
    public static final int MAX_FRAMES = 1000;

    public RenderJob {
        if (frameCount > MAX_FRAMES) {
            throw new IllegalArgumentException("an animation has at most " + MAX_FRAMES + " frames, was " + frameCount);
        }
        new Frame(0, frameCount, width, height, samples, ""); // validates, naming what is wrong
    }

    /**
     * What one pass over some frames did.
     *
     * @param run            the pass, timed from the first submission to the written preview
     * @param rendered       the frames this pass's tasks rendered
     * @param renderedBefore the frames whose results an earlier run's tasks had stored (or were about to):
     *                       found through their idempotency keys, and not rendered again
     * @param complete       whether every frame is in the folder now, and the preview was written
     */
    public record Pass(JobRun run, List<Integer> rendered, List<Integer> renderedBefore, boolean complete) {

        public Pass {
            rendered = List.copyOf(rendered);
            renderedBefore = List.copyOf(renderedBefore);
        }
    }

    @Override
    public String name() {
        return "render";
    }

    @Override
    public String description() {
        return "ray-traced animation, " + frameCount + " frames of " + width + "x" + height + " pixels, "
                + samples * samples + (samples == 1 ? " ray" : " rays") + " per pixel";
    }

    /** What identifies this animation's frames in a {@link FrameFolder}'s manifest. */
    public String scene() {
        return frameCount + " frames of " + width + "x" + height + ", " + samples + "x" + samples + " rays per pixel";
    }

    @Override
    public Class<? extends TaskCatalog> catalog() {
        return RenderTasks.class;
    }

    @Override
    public int taskCount() {
        return frameCount;
    }

    /**
     * Whether {@code app}'s result backend keeps idempotency keys, so that a resumed render finds the frames an
     * earlier run submitted (RabbitMQ's rpc backend, for one, does not: there only the frames on disk count).
     */
    public static boolean resumesFromStoredResults(Amdahl app) {
        return app.resultBackend().capability(IdempotencyKeys.class).isPresent();
    }

    /**
     * Renders {@code frames} on {@code app}'s workers, writes each to {@code folder} as it arrives, then
     * writes the preview from all the folder's frames if none is missing.
     *
     * @param frames    which frames to render; the others are taken from the folder
     * @param resumable submit each frame with the render's idempotency key for it (where the backend has
     *                  {@linkplain #resumesFromStoredResults keys}), so that a frame an earlier run submitted is
     *                  not rendered again; without it every frame is rendered, as a timing run wants
     * @throws dev.amdahl.TaskFailedException when a frame fails
     */
    public Pass render(Amdahl app, FrameFolder folder, List<Integer> frames, boolean resumable, JobProgress progress) {
        String run = UUID.randomUUID().toString();
        boolean keyed = resumable && resumesFromStoredResults(app);
        Task<Frame, RenderedFrame> task = RenderTasks.frame(app);
        long start = System.nanoTime();
        List<TaskFuture<RenderedFrame>> futures = new ArrayList<>(frames.size());
        for (int index : frames) {
            Frame frame = new Frame(index, frameCount, width, height, samples, run);
            Task<Frame, RenderedFrame> submitting = keyed
                    ? task.withOptions(SubmitOptions.builder().idempotencyKey(folder.renderId() + "/frame-" + index).build())
                    : task;
            futures.add(submitting.submit(frame));
        }
        long submitNanos = System.nanoTime() - start;
        List<Integer> rendered = new ArrayList<>();
        List<Integer> renderedBefore = new ArrayList<>();
        long parallelNanos = 0;
        int done = 0;
        progress.update(0, futures.size());
        for (TaskFuture<RenderedFrame> future : TaskFuture.asCompleted(futures)) {
            RenderedFrame frame = future.result(Duration.ZERO); // it is done: this throws its failure, if any
            folder.write(frame);
            if (frame.run().equals(run)) {
                rendered.add(frame.index());
                parallelNanos += frame.renderNanos();
            } else {
                renderedBefore.add(frame.index());
            }
            progress.update(++done, futures.size());
        }
        long stitchStart = System.nanoTime();
        boolean complete = folder.writePreview(PREVIEW_DELAY_MILLIS);
        long end = System.nanoTime();
        rendered.sort(null);
        renderedBefore.sort(null);
        JobStats stats = new JobStats((submitNanos + end - stitchStart) / 1e9, parallelNanos / 1e9);
        String summary = rendered.size() + " of " + frameCount + " frames rendered, "
                + (complete ? "preview " + folder.preview() : "no preview yet: frames are missing");
        return new Pass(new JobRun(Duration.ofNanos(end - start), futures.size(), summary, stats), rendered, renderedBefore,
                complete);
    }

    /** Renders every frame into a temporary folder, deleted afterwards: one run of a scaling benchmark. */
    @Override
    public JobRun run(Amdahl app, JobProgress progress) {
        Path dir;
        try {
            dir = Files.createTempDirectory("amdahl-render-");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot make a folder for the frames: " + e.getMessage(), e);
        }
        try {
            FrameFolder folder = FrameFolder.open(dir, this);
            return render(app, folder, IntStream.range(0, frameCount).boxed().toList(), false, progress).run();
        } finally {
            delete(dir);
        }
    }

    /** One timed run per worker count: a run at the default size takes seconds. */
    @Override
    public int defaultRepeats() {
        return 1;
    }

    /** Renders four small frames of the scene. */
    @Override
    public void warmUp(Amdahl app) {
        new RenderJob(Math.min(width, 96), Math.min(height, 54), Math.min(frameCount, 4), samples).run(app);
    }

    private static void delete(Path dir) {
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete " + dir + ": " + e.getMessage(), e);
        }
    }
}
