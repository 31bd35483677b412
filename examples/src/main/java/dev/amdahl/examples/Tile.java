package dev.amdahl.examples;

/**
 * One rectangle of a Mandelbrot picture: the argument of the {@code mandelbrot.tile} task. It carries
 * everything the task needs, so a worker on another machine can render it alone.
 *
 * <pre>{@code
 * Tile whole = new Tile(800, 600, 0, 0, 800, 600, Window.FULL_SET.fitting(800, 600), 500);
 * int[] rgb = Mandelbrot.render(whole);    // 800 * 600 pixels, row by row
 * }</pre>
 *
 * @param imageWidth    the whole picture's width in pixels
 * @param imageHeight   the whole picture's height in pixels
 * @param x             the tile's left column in the picture
 * @param y             the tile's top row in the picture
 * @param width         the tile's width in pixels
 * @param height        the tile's height in pixels
 * @param window        the part of the complex plane the whole picture shows
 * @param maxIterations after this many iterations a point counts as inside the set (painted black)
 */
public record Tile(int imageWidth, int imageHeight, int x, int y, int width, int height, Window window,
                   int maxIterations) {

    public Tile {
        if (imageWidth < 1 || imageHeight < 1) {
            throw new IllegalArgumentException("the picture must be at least 1x1 pixels, was " + imageWidth + "x" + imageHeight);
        }
        if (width < 1 || height < 1 || x < 0 || y < 0 || x + width > imageWidth || y + height > imageHeight) {
            throw new IllegalArgumentException("tile " + width + "x" + height + " at (" + x + ", " + y
                    + ") does not fit in a " + imageWidth + "x" + imageHeight + " picture");
        }
        if (window == null) {
            throw new IllegalArgumentException("window must not be null");
        }
        if (maxIterations < 1) {
            throw new IllegalArgumentException("maxIterations must be at least 1, was " + maxIterations);
        }
    }

    /** How many pixels the tile has. */
    public int pixelCount() {
        return width * height;
    }

    /**
     * A rectangle of the complex plane: real parts {@code reMin..reMax} left to right, imaginary parts
     * {@code imMax..imMin} top to bottom (as the picture is drawn).
     *
     * @param reMin the real part at the picture's left edge
     * @param reMax the real part at the right edge
     * @param imMin the imaginary part at the bottom edge
     * @param imMax the imaginary part at the top edge
     */
    public record Window(double reMin, double reMax, double imMin, double imMax) {

        /** The whole set, -2.5..1 on the real axis, centred on the imaginary axis. */
        public static final Window FULL_SET = new Window(-2.5, 1.0, -1.25, 1.25);

        public Window {
            if (!(reMin < reMax) || !(imMin < imMax)) {
                throw new IllegalArgumentException("a window needs reMin < reMax and imMin < imMax, was " + this);
            }
        }

        /**
         * This window grown along one axis so that a {@code width x height} picture of it has square pixels
         * (otherwise the set looks squashed). The centre stays where it is.
         */
        public Window fitting(int width, int height) {
            double re = reMax - reMin;
            double im = imMax - imMin;
            double pictureAspect = (double) width / height;
            if (re / im < pictureAspect) {
                double grownRe = im * pictureAspect;
                double mid = (reMin + reMax) / 2;
                return new Window(mid - grownRe / 2, mid + grownRe / 2, imMin, imMax);
            }
            double grownIm = re / pictureAspect;
            double mid = (imMin + imMax) / 2;
            return new Window(reMin, reMax, mid - grownIm / 2, mid + grownIm / 2);
        }
    }
}
