package dev.amdahl.scaling;

import java.util.Locale;

/** Writes SVG 1.1 markup by hand: the chart uses six elements, not worth a library. */
final class SvgCanvas implements ChartCanvas {

    private final StringBuilder body = new StringBuilder();
    private final int width;
    private final int height;

    SvgCanvas(int width, int height) {
        this.width = width;
        this.height = height;
    }

    @Override
    public void line(double x1, double y1, double x2, double y2, Pen pen) {
        body.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"%s/>%n",
                x1, y1, x2, y2, stroke(pen)));
    }

    @Override
    public void polyline(double[] xs, double[] ys, Pen pen) {
        StringBuilder points = new StringBuilder();
        for (int i = 0; i < xs.length; i++) {
            points.append(String.format(Locale.ROOT, "%s%.1f,%.1f", i == 0 ? "" : " ", xs[i], ys[i]));
        }
        body.append("<polyline fill=\"none\" points=\"").append(points).append('"').append(stroke(pen)).append("/>\n");
    }

    @Override
    public void area(double[] xs, double[] ys, int rgb, double opacity) {
        StringBuilder points = new StringBuilder();
        for (int i = 0; i < xs.length; i++) {
            points.append(String.format(Locale.ROOT, "%s%.1f,%.1f", i == 0 ? "" : " ", xs[i], ys[i]));
        }
        body.append(String.format(Locale.ROOT, "<polygon class=\"band\" fill=\"%s\" fill-opacity=\"%.2f\" stroke=\"none\""
                + " points=\"%s\"/>%n", color(rgb), opacity, points));
    }

    @Override
    public void dot(double x, double y, double radius, int rgb) {
        body.append(String.format(Locale.ROOT, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"%.1f\" fill=\"%s\"/>%n",
                x, y, radius, color(rgb)));
    }

    @Override
    public void text(double x, double y, String text, double size, Anchor anchor, int rgb) {
        String textAnchor = switch (anchor) {
            case START -> "start";
            case MIDDLE -> "middle";
            case END -> "end";
        };
        body.append(String.format(Locale.ROOT,
                "<text x=\"%.1f\" y=\"%.1f\" font-size=\"%.0f\" text-anchor=\"%s\" fill=\"%s\">%s</text>%n",
                x, y, size, textAnchor, color(rgb), escape(text)));
    }

    @Override
    public void frame(double x, double y, double width, double height, int strokeRgb, int fillRgb) {
        body.append(String.format(Locale.ROOT,
                "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%s\" stroke=\"%s\"/>%n",
                x, y, width, height, color(fillRgb), color(strokeRgb)));
    }

    /**
     * The finished document. Standalone files need the SVG namespace; an {@code <svg>} inlined in
     * HTML gets it from the HTML parser, and leaving it out keeps the page free of any URL.
     */
    String document(boolean standalone, String title) {
        StringBuilder svg = new StringBuilder();
        if (standalone) {
            svg.append("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
        }
        svg.append("<svg");
        if (standalone) {
            svg.append(" xmlns=\"http://www.w3.org/2000/svg\"");
        }
        svg.append(String.format(Locale.ROOT,
                " width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" font-family=\"DejaVu Sans, Helvetica, Arial, sans-serif\""
                        + " role=\"img\">%n", width, height, width, height));
        svg.append("<title>").append(escape(title)).append("</title>\n");
        svg.append(body);
        svg.append("</svg>\n");
        return svg.toString();
    }

    private static String stroke(Pen pen) {
        return String.format(Locale.ROOT, " stroke=\"%s\" stroke-width=\"%.1f\"%s", color(pen.rgb()), pen.width(),
                pen.dashed() ? " stroke-dasharray=\"6 4\"" : "");
    }

    private static String color(int rgb) {
        return String.format(Locale.ROOT, "#%06x", rgb & 0xffffff);
    }

    static String escape(String text) {
        StringBuilder out = new StringBuilder(text.length());
        for (char c : text.toCharArray()) {
            switch (c) {
                case '&' -> out.append("&amp;");
                case '<' -> out.append("&lt;");
                case '>' -> out.append("&gt;");
                case '"' -> out.append("&quot;");
                case '\'' -> out.append("&#39;");
                default -> out.append(c);
            }
        }
        return out.toString();
    }
}
