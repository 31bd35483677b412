package dev.amdahl.scaling;

/**
 * The few drawing operations a speedup chart needs, so that one layout ({@link SpeedupChart})
 * renders to both SVG text and a PNG image. Coordinates are pixels, y grows downwards.
 */
interface ChartCanvas {

    /** How a line is drawn: an RGB colour such as {@code 0x1f77b4}, a width, solid or dashed. */
    record Pen(int rgb, double width, boolean dashed) {
    }

    /** Horizontal placement of text relative to its x coordinate. */
    enum Anchor { START, MIDDLE, END }

    void line(double x1, double y1, double x2, double y2, Pen pen);

    void polyline(double[] xs, double[] ys, Pen pen);

    /** A filled polygon with no outline; {@code opacity} in (0, 1] lets what is under it show through. */
    void area(double[] xs, double[] ys, int rgb, double opacity);

    void dot(double x, double y, double radius, int rgb);

    void text(double x, double y, String text, double size, Anchor anchor, int rgb);

    void frame(double x, double y, double width, double height, int strokeRgb, int fillRgb);
}
