package dev.amdahl.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.amdahl.Amdahl;
import dev.amdahl.Worker;
import dev.amdahl.WorkerOptions;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
class RenderJobTest {

    private static final RenderJob SMALL = new RenderJob(48, 27, 6, 1);
    private static final List<Integer> ALL = IntStream.range(0, 6).boxed().toList();

    /** The frames each application's worker actually rendered, in the order it rendered them. */
    private final List<Integer> computed = Collections.synchronizedList(new ArrayList<>());

    /** An application whose {@code render.frame} task renders as {@link RenderTasks}' does, and records each frame. */
    private Amdahl countingApp() {
        Amdahl app = Amdahl.builder().build();
        app.task(RenderTasks.FRAME, Frame.class, RenderedFrame.class, frame -> {
            computed.add(frame.index());
            return RenderedFrame.of(frame);
        });
        return app;
    }

    @Test
    void everyFrameIsWrittenAndTheFramesDifferAndThePreviewHasThemAll(@TempDir Path dir) throws IOException {
        RenderJob.Pass pass;
        try (Amdahl app = Amdahl.builder().include(RenderTasks.class).build();
             Worker worker = app.startWorker(WorkerOptions.builder().concurrency(2).build())) {
            pass = SMALL.render(app, FrameFolder.open(dir, SMALL), ALL, true, JobProgress.NONE);
        }

        assertThat(pass.rendered()).isEqualTo(ALL);
        assertThat(pass.renderedBefore()).isEmpty();
        assertThat(pass.complete()).isTrue();
        List<int[]> pixels = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            BufferedImage frame = ImageIO.read(dir.resolve(String.format("frame-%03d.png", i)).toFile());
            assertThat(frame.getWidth()).isEqualTo(48);
            assertThat(frame.getHeight()).isEqualTo(27);
            pixels.add(frame.getRGB(0, 0, 48, 27, null, 0, 48));
        }
        for (int i = 0; i < 6; i++) {
            for (int j = i + 1; j < 6; j++) {
                assertThat(pixels.get(i)).as("frames %d and %d", i, j).isNotEqualTo(pixels.get(j));
            }
        }
        assertThat(gifFrames(dir.resolve(FrameFolder.PREVIEW))).isEqualTo(6);
        assertThat(pass.run().stats().parallelSeconds()).isPositive();
        assertThat(pass.run().stats().serialSeconds()).as("the preview's stitching").isPositive();
    }

    @Test
    void aFrameIsTheSameWhereverAndWheneverItIsRendered() {
        Frame frame = new Frame(3, 6, 48, 27, 2, "one run");

        assertThat(RayTracer.render(frame)).isEqualTo(RayTracer.render(new Frame(3, 6, 48, 27, 2, "another run")));
    }

    /** A run killed after three frames, and started again in a new process: its frames on disk are skipped. */
    @Test
    void aRunStartedAgainRendersOnlyTheFramesMissingOnDisk(@TempDir Path dir) {
        try (Amdahl app = countingApp(); Worker worker = app.startWorker(WorkerOptions.builder().concurrency(2).build())) {
            RenderJob.Pass killed = SMALL.render(app, FrameFolder.open(dir, SMALL), List.of(0, 1, 2), true, JobProgress.NONE);
            assertThat(killed.complete()).isFalse();
        }
        assertThat(dir.resolve(FrameFolder.PREVIEW)).doesNotExist();
        assertThat(computed).containsExactlyInAnyOrder(0, 1, 2);
        computed.clear();

        FrameFolder reopened = FrameFolder.open(dir, SMALL);
        assertThat(reopened.missing()).containsExactly(3, 4, 5);
        RenderJob.Pass pass;
        try (Amdahl app = countingApp(); Worker worker = app.startWorker(WorkerOptions.builder().concurrency(2).build())) {
            pass = SMALL.render(app, reopened, reopened.missing(), true, JobProgress.NONE);
        }

        assertThat(computed).containsExactlyInAnyOrder(3, 4, 5);
        assertThat(pass.rendered()).containsExactly(3, 4, 5);
        assertThat(pass.run().tasks()).isEqualTo(3);
        assertThat(pass.complete()).isTrue();
        assertThat(reopened.missing()).isEmpty();
        assertThat(dir.resolve(FrameFolder.PREVIEW)).exists();
    }

    /**
     * The client died after its workers had stored frames 2 and 3 but before it wrote them; the backend
     * survived it (as Redis would). Started again, it finds those results through the frames' idempotency
     * keys and renders only frames 4 and 5.
     */
    @Test
    void aRunStartedAgainTakesTheResultsStoredForItsFramesInsteadOfRenderingThemAgain(@TempDir Path dir) throws IOException {
        try (Amdahl app = countingApp(); Worker worker = app.startWorker(WorkerOptions.builder().concurrency(2).build())) {
            FrameFolder folder = FrameFolder.open(dir, SMALL);
            SMALL.render(app, folder, List.of(0, 1, 2, 3), true, JobProgress.NONE);
            Files.delete(folder.frame(2));
            Files.delete(folder.frame(3));
            assertThat(computed).containsExactlyInAnyOrder(0, 1, 2, 3);
            computed.clear();

            FrameFolder reopened = FrameFolder.open(dir, SMALL);
            assertThat(reopened.renderId()).isEqualTo(folder.renderId());
            RenderJob.Pass pass = SMALL.render(app, reopened, reopened.missing(), true, JobProgress.NONE);

            assertThat(computed).containsExactlyInAnyOrder(4, 5);
            assertThat(pass.rendered()).containsExactly(4, 5);
            assertThat(pass.renderedBefore()).containsExactly(2, 3);
            assertThat(reopened.missing()).isEmpty();
        }
    }

    @Test
    void aTimingRunWithoutKeysRendersEveryFrameItIsGiven(@TempDir Path dir) {
        try (Amdahl app = countingApp(); Worker worker = app.startWorker(WorkerOptions.builder().concurrency(2).build())) {
            FrameFolder folder = FrameFolder.open(dir, SMALL);
            SMALL.render(app, folder, ALL, true, JobProgress.NONE);
            RenderJob.Pass again = SMALL.render(app, folder, ALL, false, JobProgress.NONE);

            assertThat(again.rendered()).isEqualTo(ALL);
        }
        assertThat(computed).hasSize(12);
    }

    @Test
    void aFolderOfAnotherScenesFramesIsRefusedAndAFreshStartClearsIt(@TempDir Path dir) {
        FrameFolder first = FrameFolder.open(dir, SMALL);
        RenderJob bigger = new RenderJob(64, 36, 6, 1);

        assertThatThrownBy(() -> FrameFolder.open(dir, bigger))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("holds the frames of another render (6 frames of 48x27");
        FrameFolder fresh = FrameFolder.fresh(dir, bigger);
        assertThat(fresh.renderId()).isNotEqualTo(first.renderId());
        assertThat(fresh.missing()).hasSize(6);
    }

    @Test
    void aResultThatIsNotAFrameOfTheSceneIsNotWritten(@TempDir Path dir) {
        FrameFolder folder = FrameFolder.open(dir, SMALL);
        byte[] otherSize = RayTracer.renderPng(new Frame(0, 6, 40, 27, 1, "run"));

        assertThatThrownBy(() -> folder.write(new RenderedFrame(0, otherSize, "run", 1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("is not a 48x27 PNG image");
        assertThatThrownBy(() -> folder.write(new RenderedFrame(0, "not a picture".getBytes(), "run", 1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("(13 bytes)");
        assertThatThrownBy(() -> folder.write(new RenderedFrame(6, otherSize, "run", 1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("frame 6 is not one of this render's 6");
        assertThat(folder.missing()).hasSize(6);
    }

    @Test
    void badSizesAreRefusedNamingTheProblem() {
        assertThatThrownBy(() -> new RenderJob(0, 10, 5, 1)).hasMessageContaining("at least 1x1 pixels");
        assertThatThrownBy(() -> new RenderJob(10, 10, 0, 1)).hasMessageContaining("animation of 0 frames");
        assertThatThrownBy(() -> new RenderJob(10, 10, 1001, 1)).hasMessageContaining("at most 1000 frames");
        assertThatThrownBy(() -> new RenderJob(10, 10, 5, 9)).hasMessageContaining("samples must be 1 to 8");
    }

    private static int gifFrames(Path gif) throws IOException {
        ImageReader reader = ImageIO.getImageReadersByFormatName("gif").next();
        try (ImageInputStream in = ImageIO.createImageInputStream(gif.toFile())) {
            reader.setInput(in);
            return reader.getNumImages(true);
        } finally {
            reader.dispose();
        }
    }
}
