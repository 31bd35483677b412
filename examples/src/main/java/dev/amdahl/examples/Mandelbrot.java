package dev.amdahl.examples;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.imageio.ImageIO;

/**
 * The Mandelbrot set, rendered tile by tile: the kernel of the {@code mandelbrot.tile} task, the split
 * of a picture into tiles and the stitching of rendered tiles into an image.
 *
 * <pre>{@code
 * List<Tile> tiles = Mandelbrot.tiles(1600, 1200, 64, Tile.Window.FULL_SET, 1000);
 * List<int[]> pixels = render.map(tiles).get();               // on the workers
 * Mandelbrot.writePng(Mandelbrot.stitch(tiles, pixels), Path.of("mandelbrot.png"));
 * }</pre>
 *
 * <p>Colouring is smooth (the "normalized iteration count"): an escaping point gets a fractional
 * iteration count from how far past the escape radius it landed, so the bands between iteration
 * counts blend into gradients. Points that never escape are black.
 */
public final class Mandelbrot {

    /** Escape radius squared. A large radius (2^8 rather than 2) makes the fractional count accurate. */
    private static final double BAILOUT_SQUARED = 256.0 * 256.0;
    private static final double LOG_2 = Math.log(2);
    /** Iterations per trip round the palette; the palette repeats so deep zooms stay colourful. */
    private static final double PALETTE_PERIOD = 64;

    /** The gradient stops: deep blue, light blue, white, gold, near-black, and back to blue. */
    private static final double[] STOPS = {0.0, 0.16, 0.42, 0.6425, 0.8575, 1.0};
    private static final int[][] STOP_RGB = {
        {0, 7, 100}, {32, 107, 203}, {237, 255, 255}, {255, 170, 0}, {0, 2, 0}, {0, 7, 100},
    };

    private Mandelbrot() {
    }

    /** Renders one tile: its pixels as {@code 0xRRGGBB}, row by row, {@code tile.width()} per row. */
    public static int[] render(Tile tile) {
        Tile.Window w = tile.window();
        double reStep = (w.reMax() - w.reMin()) / tile.imageWidth();
        double imStep = (w.imMax() - w.imMin()) / tile.imageHeight();
        int[] rgb = new int[tile.pixelCount()];
        int i = 0;
        for (int row = 0; row < tile.height(); row++) {
            // pixel centres, so a tile samples the same points wherever the picture is split
            double im = w.imMax() - (tile.y() + row + 0.5) * imStep;
            for (int col = 0; col < tile.width(); col++) {
                double re = w.reMin() + (tile.x() + col + 0.5) * reStep;
                rgb[i++] = colour(escapeTime(re, im, tile.maxIterations()));
            }
        }
        return rgb;
    }

    /**
     * The smooth escape time of {@code c = re + im*i}: a fractional iteration count, or
     * {@code Double.POSITIVE_INFINITY} when {@code z} has not escaped after {@code maxIterations}
     * (the point is taken to be in the set).
     */
    public static double escapeTime(double re, double im, int maxIterations) {
        double zr = 0;
        double zi = 0;
        double zr2 = 0;
        double zi2 = 0;
        for (int n = 0; n < maxIterations; n++) {
            zi = 2 * zr * zi + im;
            zr = zr2 - zi2 + re;
            zr2 = zr * zr;
            zi2 = zi * zi;
            if (zr2 + zi2 > BAILOUT_SQUARED) {
                // n + 1 iterations were done; log2(log|z|) measures how far past the radius z went
                double logModulus = 0.5 * Math.log(zr2 + zi2);
                return n + 1 - Math.log(logModulus / LOG_2) / LOG_2;
            }
        }
        return Double.POSITIVE_INFINITY;
    }

    /** The colour of a smooth escape time: black inside the set, a repeating gradient outside. */
    public static int colour(double escapeTime) {
        if (escapeTime == Double.POSITIVE_INFINITY) {
            return 0x000000;
        }
        // sqrt spreads the many low counts far from the set over more of the palette
        double t = Math.sqrt(Math.max(escapeTime, 0)) * 8 / PALETTE_PERIOD;
        t -= Math.floor(t);
        int s = 1;
        while (t > STOPS[s]) {
            s++;
        }
        double f = (t - STOPS[s - 1]) / (STOPS[s] - STOPS[s - 1]);
        int r = mix(STOP_RGB[s - 1][0], STOP_RGB[s][0], f);
        int g = mix(STOP_RGB[s - 1][1], STOP_RGB[s][1], f);
        int b = mix(STOP_RGB[s - 1][2], STOP_RGB[s][2], f);
        return r << 16 | g << 8 | b;
    }

    private static int mix(int from, int to, double f) {
        return (int) Math.round(from + (to - from) * f);
    }

    /**
     * Splits a {@code width x height} picture of {@code window} into {@code count} tiles, in a grid
     * shaped like the picture (64 tiles of a 4:3 picture are 8 x 8, 12 are 4 x 3), left to right and
     * top to bottom. Every pixel is in exactly one tile. The window is first fitted to the picture's
     * aspect ratio (see {@link Tile.Window#fitting}).
     *
     * @throws IllegalArgumentException when the picture has fewer pixels per row or column than the grid
     */
    public static List<Tile> tiles(int width, int height, int count, Tile.Window window, int maxIterations) {
        if (width < 1 || height < 1) {
            throw new IllegalArgumentException("the picture must be at least 1x1 pixels, was " + width + "x" + height);
        }
        if (count < 1) {
            throw new IllegalArgumentException("a picture needs at least 1 tile, was " + count);
        }
        int columns = gridColumns(count, (double) width / height);
        int rows = count / columns;
        if (columns > width || rows > height) {
            throw new IllegalArgumentException(count + " tiles make a " + columns + " x " + rows + " grid, more than a "
                    + width + "x" + height + " picture has pixels for; use fewer tiles");
        }
        Tile.Window fitted = window.fitting(width, height);
        List<Tile> tiles = new ArrayList<>(count);
        for (int r = 0; r < rows; r++) {
            int top = r * height / rows;
            int bottom = (r + 1) * height / rows;
            for (int c = 0; c < columns; c++) {
                int left = c * width / columns;
                int right = (c + 1) * width / columns;
                tiles.add(new Tile(width, height, left, top, right - left, bottom - top, fitted, maxIterations));
            }
        }
        return tiles;
    }

    /** The divisor of {@code count} that makes tiles closest to the picture's shape. */
    private static int gridColumns(int count, double aspect) {
        double ideal = Math.sqrt(count * aspect);
        int best = 1;
        for (int c = 1; c <= count; c++) {
            if (count % c == 0 && Math.abs(Math.log(c / ideal)) < Math.abs(Math.log(best / ideal))) {
                best = c;
            }
        }
        return best;
    }

    /**
     * Puts rendered tiles together into one picture.
     *
     * @param tiles  the tiles of one picture, as {@link #tiles} made them
     * @param pixels each tile's pixels, in the same order
     */
    public static BufferedImage stitch(List<Tile> tiles, List<int[]> pixels) {
        if (tiles.isEmpty() || tiles.size() != pixels.size()) {
            throw new IllegalArgumentException("need one pixel array per tile, got " + pixels.size() + " for " + tiles.size() + " tiles");
        }
        Tile first = tiles.get(0);
        BufferedImage image = new BufferedImage(first.imageWidth(), first.imageHeight(), BufferedImage.TYPE_INT_RGB);
        for (int i = 0; i < tiles.size(); i++) {
            Tile t = tiles.get(i);
            int[] rgb = pixels.get(i);
            if (t.imageWidth() != first.imageWidth() || t.imageHeight() != first.imageHeight()) {
                throw new IllegalArgumentException("tile " + i + " belongs to a " + t.imageWidth() + "x" + t.imageHeight()
                        + " picture, not " + first.imageWidth() + "x" + first.imageHeight());
            }
            if (rgb.length != t.pixelCount()) {
                throw new IllegalArgumentException("tile " + i + " has " + t.pixelCount() + " pixels but " + rgb.length + " were rendered");
            }
            image.setRGB(t.x(), t.y(), t.width(), t.height(), rgb, 0, t.width());
        }
        return image;
    }

    /** Writes {@code image} as a PNG file, creating missing parent directories. */
    public static void writePng(BufferedImage image, Path file) {
        try {
            Path parent = file.toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            if (!ImageIO.write(image, "png", file.toFile())) {
                throw new IllegalStateException("this Java runtime has no PNG writer");
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
        }
    }
}
