package dev.amdahl.examples;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.OutputStream;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Properties;
import java.util.UUID;
import javax.imageio.ImageIO;

/**
 * The folder a render farm's frames go to: {@code frame-000.png}, {@code frame-001.png}, ..., the animated
 * preview {@value #PREVIEW}, and {@value #MANIFEST}, which names the render the frames belong to.
 *
 * <pre>{@code
 * FrameFolder folder = FrameFolder.open(Path.of("render"), job);   // the render recorded there, or a new one
 * List<Integer> todo = folder.missing();                           // the frames a killed run did not write
 * }</pre>
 *
 * <p>The manifest holds the scene (size, frame count, samples) and the render's id. The id names the
 * render in the idempotency keys of its frames, so a run started again after a kill finds the frames
 * that were submitted under the same id and whose results are stored already. A folder whose manifest
 * names another scene is refused rather than mixed with this one. Frames are written to a temporary
 * file first and moved into place, so a frame on disk is whole; {@link #missing} decodes each one anyway.
 */
public final class FrameFolder {

    /** The file naming the render: its scene and id. */
    public static final String MANIFEST = "render.properties";

    /** The animated preview's file name. */
    public static final String PREVIEW = "render.gif";

    /** The eight bytes every PNG file opens with. */
    private static final long PNG_SIGNATURE = 0x89504E470D0A1A0AL;
    /** The type of the first chunk, which holds the width and height: "IHDR". */
    private static final int IHDR = 0x49484452;

    private final Path dir;
    private final RenderJob job;
    private final String renderId;

    private FrameFolder(Path dir, RenderJob job, String renderId) {
        this.dir = dir;
        this.job = job;
        this.renderId = renderId;
    }

    /**
     * Opens {@code dir} for {@code job}'s frames: the render its manifest names, or a new render (with a new
     * id) where the folder has no manifest. Creates the folder if it is missing.
     *
     * @throws IllegalArgumentException when the folder holds another scene's frames
     * @throws UncheckedIOException     when the folder cannot be read or written
     */
    public static FrameFolder open(Path dir, RenderJob job) {
        try {
            Files.createDirectories(dir);
            Path manifest = dir.resolve(MANIFEST);
            if (Files.exists(manifest)) {
                Properties p = new Properties();
                try (Reader in = Files.newBufferedReader(manifest, StandardCharsets.UTF_8)) {
                    p.load(in);
                }
                String scene = p.getProperty("scene");
                String id = p.getProperty("render");
                if (!job.scene().equals(scene) || id == null || id.isBlank()) {
                    throw new IllegalArgumentException(dir + " holds the frames of another render (" + scene + ", not "
                            + job.scene() + "): render into another folder, or start this one afresh");
                }
                return new FrameFolder(dir, job, id);
            }
            if (!frameFiles(dir).isEmpty()) {
                throw new IllegalArgumentException(dir + " holds frame files but no " + MANIFEST + " saying which render"
                        + " they belong to: render into another folder, or start this one afresh");
            }
            String id = UUID.randomUUID().toString();
            Properties p = new Properties();
            p.setProperty("scene", job.scene());
            p.setProperty("render", id);
            try (Writer out = Files.newBufferedWriter(manifest, StandardCharsets.UTF_8)) {
                p.store(out, "the render these frames belong to; delete this folder to render them again");
            }
            return new FrameFolder(dir, job, id);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot use " + dir + " for the frames: " + e.getMessage(), e);
        }
    }

    /**
     * Deletes what an earlier render left in {@code dir} (its frames, preview and manifest; nothing else), then
     * {@link #open opens} it for a new render of {@code job}.
     */
    public static FrameFolder fresh(Path dir, RenderJob job) {
        try {
            if (Files.isDirectory(dir)) {
                for (Path frame : frameFiles(dir)) {
                    Files.delete(frame);
                }
                Files.deleteIfExists(dir.resolve(PREVIEW));
                Files.deleteIfExists(dir.resolve(MANIFEST));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot clear " + dir + ": " + e.getMessage(), e);
        }
        return open(dir, job);
    }

    /** The folder. */
    public Path dir() {
        return dir;
    }

    /** The render's id, kept in the manifest. */
    public String renderId() {
        return renderId;
    }

    /** Where frame {@code index} goes. */
    public Path frame(int index) {
        return dir.resolve(String.format(Locale.ROOT, "frame-%03d.png", index));
    }

    /** Where the animated preview goes. */
    public Path preview() {
        return dir.resolve(PREVIEW);
    }

    /** The frames of the render that are not on disk, or not as a PNG of the scene's size, in order. */
    public List<Integer> missing() {
        List<Integer> missing = new ArrayList<>();
        for (int i = 0; i < job.frameCount(); i++) {
            BufferedImage image = readOrNull(frame(i));
            if (image == null || image.getWidth() != job.width() || image.getHeight() != job.height()) {
                missing.add(i);
            }
        }
        return missing;
    }

    /**
     * Writes a rendered frame in place, whole or not at all.
     *
     * @throws IllegalArgumentException when the result is not one of this render's frames: another index, or bytes that
     *                                  do not open as a PNG of the scene's size (a result is read like any message: it
     *                                  is checked, not trusted)
     */
    public void write(RenderedFrame rendered) {
        if (rendered.index() < 0 || rendered.index() >= job.frameCount()) {
            throw new IllegalArgumentException("frame " + rendered.index() + " is not one of this render's " + job.frameCount());
        }
        if (!isPngOfSize(rendered.png(), job.width(), job.height())) {
            throw new IllegalArgumentException("the result for frame " + rendered.index() + " is not a " + job.width() + "x"
                    + job.height() + " PNG image (" + rendered.png().length + " bytes)");
        }
        Path target = frame(rendered.index());
        try {
            Path partial = partial(target);
            try {
                Files.write(partial, rendered.png());
                Files.move(partial, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } finally {
                Files.deleteIfExists(partial);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + target + ": " + e.getMessage(), e);
        }
    }

    /**
     * Reads every frame and writes them as the animated {@link #preview()}: the render's serial part.
     *
     * @return whether it was written: not while a frame is missing
     */
    public boolean writePreview(int delayMillis) {
        List<BufferedImage> frames = new ArrayList<>(job.frameCount());
        for (int i = 0; i < job.frameCount(); i++) {
            BufferedImage image = readOrNull(frame(i));
            if (image == null) {
                return false;
            }
            frames.add(image);
        }
        try {
            Path partial = partial(preview());
            try {
                try (OutputStream out = Files.newOutputStream(partial)) {
                    AnimatedGif.write(frames, delayMillis, out);
                }
                Files.move(partial, preview(), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } finally {
                Files.deleteIfExists(partial);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + preview() + ": " + e.getMessage(), e);
        }
        return true;
    }

    /** Whether {@code png} opens as a PNG file (its signature, then the IHDR chunk) of {@code width x height}. */
    static boolean isPngOfSize(byte[] png, int width, int height) {
        if (png.length < 24) {
            return false;
        }
        ByteBuffer header = ByteBuffer.wrap(png); // big-endian, as PNG is
        return header.getLong(0) == PNG_SIGNATURE && header.getInt(12) == IHDR
                && header.getInt(16) == width && header.getInt(20) == height;
    }

    /**
     * Where {@code file} is written before it is moved into place: beside it, so the move is atomic, and hidden. One
     * render writes each file from one thread, so the name needs nothing random (and the file gets the usual
     * permissions, which a temporary file would not).
     */
    private static Path partial(Path file) {
        return file.resolveSibling("." + file.getFileName() + ".partial");
    }

    private static BufferedImage readOrNull(Path file) {
        if (!Files.isRegularFile(file)) {
            return null;
        }
        try {
            return ImageIO.read(file.toFile());
        } catch (IOException e) {
            return null; // unreadable counts as missing: it is rendered again
        }
    }

    private static List<Path> frameFiles(Path dir) throws IOException {
        try (var files = Files.list(dir)) {
            return files.filter(f -> f.getFileName().toString().matches("frame-\\d{3,}\\.png")).sorted().toList();
        }
    }
}
