package dev.amdahl.cli;

import dev.amdahl.Amdahl;
import dev.amdahl.TaskCatalog;
import dev.amdahl.examples.DemoJob;
import dev.amdahl.examples.FrameFolder;
import dev.amdahl.examples.JobProgress;
import dev.amdahl.examples.JobRun;
import dev.amdahl.examples.RenderJob;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code amdahl demo render}: the render farm. Renders the frames of a ray-traced animation as tasks, timed at each
 * worker count, into a folder of PNG frames and an animated GIF preview; a render started again renders only the
 * frames it lacks.
 *
 * <p>The first timed run is the render proper: it submits the frames missing from the folder with their idempotency
 * keys, so that it finds what an earlier, killed run left on disk or in the result backend. The later worker counts
 * render the same frames again without the keys, so that every count is timed on the same work.
 */
@Command(name = "render",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        header = "Render the frames of a ray-traced animation as tasks, timed at each worker count.",
        description = {"The render farm: render a short animation (a mirror ball and three bouncing balls, the camera"
                + " going round them) as one task per frame on 1, 2, ... workers, write the frames as PNG files and an"
                + " animated GIF preview into a folder, and print each run's wall time, tasks per second and speedup"
                + " against 1 worker. The preview is stitched from every frame in this process: the serial part.",
                "",
                "A render that is killed and started again renders only the frames it lacks: the frames already in the"
                        + " folder are skipped, and so are the frames an earlier run submitted whose results the backend"
                        + " holds (each frame is submitted with an idempotency key of the render's)."},
        footer = {
            "",
            "Examples:",
            "  amdahl demo render",
            "  amdahl demo render --workers 1,2,4 --size 640x360 --frames 72 -o big-render",
            "  amdahl demo render --fresh",
            "  amdahl demo render --broker redis://127.0.0.1:6379",
            "      (served by 'amdahl worker --broker redis://127.0.0.1:6379' run elsewhere)",
        })
final class DemoRenderCommand extends CliCommand {

    @Mixin
    DemoOptions demo;

    @Option(names = "--size", paramLabel = "WxH", converter = Converters.SizeConverter.class, defaultValue = "320x180",
            description = "Each frame's size in pixels (default: ${DEFAULT-VALUE}).")
    Converters.Size size;

    @Option(names = "--frames", paramLabel = "N", defaultValue = "36",
            description = "How many frames, one task each; the camera goes round once (default: ${DEFAULT-VALUE}).")
    int frames;

    @Option(names = "--samples", paramLabel = "N", defaultValue = "2",
            description = "Rays per pixel along each axis, N x N per pixel, for smooth edges (default: ${DEFAULT-VALUE}).")
    int samples;

    @Option(names = {"-o", "--out"}, paramLabel = "DIR", defaultValue = "render",
            description = "The folder for the frames and " + FrameFolder.PREVIEW + ", created if missing in a folder that"
                    + " exists (default: ${DEFAULT-VALUE}).")
    Path out;

    @Option(names = "--fresh", description = "Delete the frames and preview of an earlier render in the folder first,"
            + " and render every frame again.")
    boolean fresh;

    @Override
    int execute() {
        RenderJob job;
        try {
            job = new RenderJob(size.width(), size.height(), frames, samples);
        } catch (IllegalArgumentException e) {
            throw usageError(e.getMessage());
        }
        FrameFolder folder = openFolder(job);
        List<Integer> missing = folder.missing();
        int onDisk = job.frameCount() - missing.size();
        if (missing.isEmpty()) {
            folder.writePreview(RenderJob.PREVIEW_DELAY_MILLIS);
            out().println("all " + job.frameCount() + " frames are in " + out + " already: nothing to render (--fresh renders"
                    + " them again)");
            out().println("wrote " + folder.preview());
            return OK;
        }
        if (onDisk > 0) {
            out().println("resuming the render in " + out + ": " + onDisk + " of " + job.frameCount()
                    + " frames are there already, " + missing.size() + " to go");
        }
        RenderJob.Pass[] first = new RenderJob.Pass[1];
        boolean[] keys = new boolean[1];
        new DemoRunner(spec, demo).run(new MissingFrames(job, missing.size()), (app, progress) -> {
            if (first[0] == null) {
                keys[0] = RenderJob.resumesFromStoredResults(app);
                first[0] = job.render(app, folder, missing, true, progress);
                return first[0].run();
            }
            return job.render(app, folder, first[0].rendered(), false, progress).run();
        });
        RenderJob.Pass pass = first[0];
        int skipped = onDisk + pass.renderedBefore().size();
        out().println("rendered " + pass.rendered().size() + " of " + job.frameCount() + " frames into " + out + ", skipped "
                + skipped + " (" + onDisk + " already on disk, " + pass.renderedBefore().size()
                + " stored in the result backend by an earlier run)");
        if (!keys[0]) {
            out().println("(this result backend keeps no idempotency keys: a render started again skips the frames on disk only)");
        }
        out().println(pass.complete() ? "wrote " + folder.preview() + " (" + job.frameCount() + " frames)"
                : "no preview: frames went missing from " + out + " while it rendered");
        return pass.complete() ? OK : FAILED;
    }

    /** The job as the runner announces it: as many tasks as frames are missing, not the whole animation's. */
    private record MissingFrames(RenderJob job, int taskCount) implements DemoJob {
        @Override
        public String name() {
            return job.name();
        }

        @Override
        public String description() {
            return job.description();
        }

        @Override
        public Class<? extends TaskCatalog> catalog() {
            return job.catalog();
        }

        @Override
        public JobRun run(Amdahl app, JobProgress progress) {
            return job.run(app, progress);
        }

        @Override
        public void warmUp(Amdahl app) {
            job.warmUp(app);
        }

        @Override
        public int defaultRepeats() {
            return job.defaultRepeats();
        }
    }

    private FrameFolder openFolder(RenderJob job) {
        Path parent = out.toAbsolutePath().getParent();
        if (parent != null && !Files.isDirectory(parent)) {
            throw usageError("--out " + out + ": the folder " + parent + " does not exist; create it first (mkdir -p "
                    + parent + ") or name another");
        }
        if (Files.exists(out) && !Files.isDirectory(out)) {
            throw usageError("--out " + out + ": that is a file; name a folder for the frames");
        }
        try {
            return fresh ? FrameFolder.fresh(out, job) : FrameFolder.open(out, job);
        } catch (IllegalArgumentException e) {
            throw usageError("--out " + e.getMessage() + " (another --out DIR, or --fresh)");
        } catch (UncheckedIOException e) {
            throw usageError("--out " + out + ": " + e.getMessage());
        }
    }
}
