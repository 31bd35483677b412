package dev.amdahl.scaling;

import dev.amdahl.scaling.ChartCanvas.Anchor;
import dev.amdahl.scaling.ChartCanvas.Pen;
import dev.amdahl.scaling.ScalingReport.Measurement;
import dev.amdahl.scaling.ScalingReport.Model;
import dev.amdahl.scaling.ScalingReport.ModelFit;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.DoubleUnaryOperator;

/**
 * Speedup against worker count on a logarithmic x axis: the ideal line (speedup = n), Amdahl's
 * curve, its ceiling {@code 1/S}, and, for a measured report, the median speedups with the range of
 * their runs, the band of curves that the serial fraction's confidence interval allows, the held-out
 * counts that checked the fit, and the advised worker count. Renders to SVG text or to a PNG image;
 * no display is needed.
 *
 * <pre>{@code
 * SpeedupChart.of(AmdahlLaw.ofParallelFraction(0.99), 1000).write(Path.of("speedup.png"));
 * String svg = SpeedupChart.of(report).withSize(960, 540).toSvg();
 * }</pre>
 *
 * <p>The x axis is marked in powers of 10 when the counts are powers of 10 or go past 1024, in
 * powers of 2 otherwise. Instances are immutable.
 */
public final class SpeedupChart {

    private static final int IDEAL = 0x888888;
    private static final int AMDAHL = 0x1f77b4;
    private static final int OVERHEAD = 0xff7f0e;
    private static final int CEILING = 0xd62728;
    private static final int MEASURED = 0x111111;
    private static final int HELD_OUT = 0x2ca02c;
    private static final int ADVICE = 0x9467bd;
    private static final int GRID = 0xe6e6e6;
    private static final int INK = 0x333333;

    private record Curve(String label, int rgb, DoubleUnaryOperator speedup) {
    }

    /** A measured median with the speedups of the slowest and fastest run, {@code low <= speedup <= high}. */
    private record Point(double workers, double speedup, double low, double high, boolean heldOut) {
    }

    /** The speedups the ends of the confidence interval of S give, drawn as a band around the fit. */
    private record Band(DoubleUnaryOperator low, DoubleUnaryOperator high) {
    }

    private final String title;
    private final List<Curve> curves;
    private final double ceiling;
    private final List<Point> measured;
    private final Band band;
    private final Integer advised;
    private final int maxWorkers;
    private final int base;
    private final int width;
    private final int height;
    /** Gustafson's scaled speedup rather than Amdahl's: no ceiling, another axis label. */
    private final boolean scaled;

    private SpeedupChart(String title, List<Curve> curves, double ceiling, List<Point> measured, Band band,
                         Integer advised, int maxWorkers, int base, int width, int height) {
        this(title, curves, ceiling, measured, band, advised, maxWorkers, base, width, height, false);
    }

    private SpeedupChart(String title, List<Curve> curves, double ceiling, List<Point> measured, Band band,
                         Integer advised, int maxWorkers, int base, int width, int height, boolean scaled) {
        this.scaled = scaled;
        this.title = title;
        this.curves = curves;
        this.ceiling = ceiling;
        this.measured = measured;
        this.band = band;
        this.advised = advised;
        this.maxWorkers = maxWorkers;
        this.base = base;
        this.width = width;
        this.height = height;
    }

    /** Amdahl's curve for {@code law} from 1 to {@code maxWorkers} workers (rounded up to a tick). */
    public static SpeedupChart of(AmdahlLaw law, int maxWorkers) {
        AmdahlLaw.requireWorkers(maxWorkers);
        String title = String.format(Locale.ROOT, "Amdahl's law, S = %s (P = %s)",
                trim(law.serialFraction()), trim(law.parallelFraction()));
        List<Curve> curves = List.of(new Curve("Amdahl", AMDAHL, law::speedup));
        return new SpeedupChart(title, curves, law.limit(), List.of(), null, null, maxWorkers,
                baseFor(List.of(maxWorkers)), 720, 450);
    }

    /**
     * The measured speedups of {@code report} with its fitted curves; the x axis reaches past the
     * largest count run when the advice points further out.
     */
    public static SpeedupChart of(ScalingReport report) {
        List<Point> points = new ArrayList<>();
        List<Integer> counts = new ArrayList<>();
        double base = report.baselineSeconds();
        for (Measurement m : report.measurements()) {
            points.add(new Point(m.workers(), m.speedup(), base / m.maxSeconds(), base / m.minSeconds(), false));
            counts.add(m.workers());
        }
        for (ScalingReport.HeldOut h : report.heldOut()) {
            points.add(new Point(h.workers(), h.measuredSpeedup(), base / h.maxSeconds(), base / h.minSeconds(), true));
            counts.add(h.workers());
        }
        counts.sort(null);
        boolean superlinear = !report.superlinear().isEmpty();
        ScalingReport.Advice advice = report.advice();
        int furthest = counts.get(counts.size() - 1);
        // show where the advice lands, but not so far out that the measurements bunch up at the left
        for (Integer advised : new Integer[] {advice.workers(), advice.workersAtTargetEfficiency(),
                advice.peakWorkers()}) {
            if (advised != null && !superlinear) {
                furthest = Math.max(furthest, Math.min(advised, furthest * 16));
            }
        }
        double baseline = report.baselineSeconds();
        List<Curve> curves = new ArrayList<>();
        if (superlinear) {
            // Amdahl's law cannot describe a superlinear speedup: the points alone, no curve to trust
            return new SpeedupChart("Measured speedup (superlinear: no fit)", curves, Double.POSITIVE_INFINITY, points,
                    null, null, furthest, baseFor(counts), 720, 450);
        }
        ModelFit amdahl = report.amdahl();
        curves.add(new Curve(String.format(Locale.ROOT, "Amdahl fit, S = %.4f", amdahl.serialFraction()),
                AMDAHL, n -> baseline / amdahl.seconds(n)));
        ModelFit overhead = report.amdahlWithOverhead();
        if (report.modelChoice().preferred() == Model.AMDAHL_WITH_OVERHEAD) {
            curves.add(new Curve(String.format(Locale.ROOT, "with overhead, S = %.4f, c = %.3g s",
                    overhead.serialFraction(), overhead.overheadSecondsPerWorker()),
                    OVERHEAD, n -> baseline / overhead.seconds(n)));
        }
        counts.add(furthest);
        // relative to the same baseline as the points and curves: baseline / (S·T1)
        ModelFit preferred = report.preferredFit();
        double serialSeconds = preferred.serialFraction() * preferred.workSeconds();
        double ceiling = serialSeconds > 0.0 ? baseline / serialSeconds : Double.POSITIVE_INFINITY;
        ScalingReport.Interval interval = report.serialFractionInterval();
        Band band = null;
        if (interval != null) {
            ModelFit low = withSerialFraction(preferred, interval.low());
            ModelFit high = withSerialFraction(preferred, interval.high());
            // a larger S gives the lower speedup
            band = new Band(n -> baseline / high.seconds(n), n -> baseline / low.seconds(n));
        }
        return new SpeedupChart("Measured speedup", curves, ceiling, points, band, advice.workers(),
                furthest, baseFor(counts), 720, 450);
    }

    /**
     * The measured scaled speedups of a weak-scaling run (work growing with n) against n: the line
     * {@code S(n) = n}, Gustafson's law with the fitted {@code s'} and its confidence band, the medians with
     * their runs' range, the held-out counts and the advice.
     */
    public static SpeedupChart of(WeakScalingReport report) {
        List<Point> points = new ArrayList<>();
        List<Integer> counts = new ArrayList<>();
        for (WeakScalingReport.Measurement m : report.measurements()) {
            points.add(new Point(m.workers(), m.scaledSpeedup(), m.lowScaledSpeedup(), m.highScaledSpeedup(), false));
            counts.add(m.workers());
        }
        for (WeakScalingReport.HeldOut h : report.heldOut()) {
            points.add(new Point(h.workers(), h.measuredScaledSpeedup(), h.measuredScaledSpeedup(),
                    h.measuredScaledSpeedup(), true));
            counts.add(h.workers());
        }
        counts.sort(null);
        int furthest = counts.get(counts.size() - 1);
        Integer advised = report.advice().workers();
        if (advised != null) {
            furthest = Math.max(furthest, Math.min(advised, furthest * 16));
        }
        counts.add(furthest);
        AmdahlLaw fit = AmdahlLaw.ofSerialFraction(report.serialFraction());
        List<Curve> curves = List.of(new Curve(String.format(Locale.ROOT, "Gustafson fit, s' = %.4f",
                report.serialFraction()), AMDAHL, fit::scaledSpeedup));
        ScalingReport.Interval interval = report.serialFractionInterval();
        Band band = null;
        if (interval != null) {
            AmdahlLaw low = AmdahlLaw.ofSerialFraction(interval.low());
            AmdahlLaw high = AmdahlLaw.ofSerialFraction(interval.high());
            band = new Band(high::scaledSpeedup, low::scaledSpeedup);
        }
        return new SpeedupChart("Measured scaled speedup (work grows with n)", curves, Double.POSITIVE_INFINITY,
                points, band, advised, furthest, baseFor(counts), 720, 450, true);
    }

    /** The same T1 and overhead with another S: the fit at one end of S's confidence interval. */
    private static ModelFit withSerialFraction(ModelFit fit, double serialFraction) {
        return new ModelFit(fit.model(), serialFraction, fit.workSeconds(), fit.overheadSecondsPerWorker(),
                fit.degreesOfFreedom(), fit.rmsRelativeError(), fit.aicc());
    }

    /** The same chart at another size in pixels (default 720 × 450). */
    public SpeedupChart withSize(int width, int height) {
        if (width < 200 || height < 150 || width > 10_000 || height > 10_000) {
            throw new IllegalArgumentException(
                    "chart size must be within 200×150 and 10000×10000 pixels, got " + width + "×" + height);
        }
        return new SpeedupChart(title, curves, ceiling, measured, band, advised, maxWorkers, base, width, height, scaled);
    }

    /** A standalone SVG document. */
    public String toSvg() {
        SvgCanvas canvas = new SvgCanvas(width, height);
        draw(canvas);
        return canvas.document(true, title);
    }

    /** An {@code <svg>} element to inline in an HTML page: no XML prolog, no namespace URL. */
    String toInlineSvg() {
        SvgCanvas canvas = new SvgCanvas(width, height);
        draw(canvas);
        return canvas.document(false, title);
    }

    /** The chart as PNG bytes. */
    public byte[] toPng() {
        PngCanvas canvas = new PngCanvas(width, height);
        draw(canvas);
        return canvas.encode();
    }

    /** Writes the chart as SVG or PNG, chosen by the file name's extension. */
    public void write(Path file) throws IOException {
        String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
        if (name.endsWith(".svg")) {
            Files.writeString(file, toSvg());
        } else if (name.endsWith(".png")) {
            Files.write(file, toPng());
        } else {
            throw new IllegalArgumentException("chart file must end in .svg or .png, got " + file.getFileName());
        }
    }

    // ---- layout, shared by both renderings ----

    private void draw(ChartCanvas canvas) {
        double left = 64;
        double right = width - 24;
        double top = 44;
        double bottom = height - 52;
        double xMax = Math.pow(base, Math.max(1, Math.ceil(Math.log(maxWorkers) / Math.log(base) - 1e-9)));
        double yMax = niceCeiling(1.08 * highestValue(xMax));
        Axes axes = new Axes(left, right, top, bottom, xMax, yMax);

        canvas.text(width / 2.0, 26, title, 16, Anchor.MIDDLE, INK);
        drawGrid(canvas, axes);

        // speedup = n is a curve on a log x axis; it stops where it leaves the chart
        plot(canvas, axes, n -> n, Math.min(xMax, yMax), new Pen(IDEAL, 1.5, true));

        if (band != null) {
            drawBand(canvas, axes);
        }
        boolean ceilingShown = Double.isFinite(ceiling) && ceiling <= yMax;
        if (ceilingShown) {
            canvas.line(left, axes.y(ceiling), right, axes.y(ceiling), new Pen(CEILING, 1.5, true));
        }
        for (Curve curve : curves) {
            plot(canvas, axes, curve.speedup(), xMax, new Pen(curve.rgb(), 2.5, false));
        }
        if (advised != null && advised <= xMax) {
            double x = axes.x(advised);
            canvas.line(x, axes.top(), x, axes.bottom(), new Pen(ADVICE, 1.5, true));
            // near the right edge the label goes to the left of the line, so that it is not cut off
            boolean onLeft = x > axes.right() - 90;
            canvas.text(onLeft ? x - 4 : x + 4, axes.bottom() - 8, "advice: " + advised, 12,
                    onLeft ? Anchor.END : Anchor.START, ADVICE);
        }
        for (Point point : measured) {
            if (point.workers() <= xMax) {
                double x = axes.x(point.workers());
                int rgb = point.heldOut() ? HELD_OUT : MEASURED;
                // the range of the runs: a bar from the slowest to the fastest
                canvas.line(x, axes.y(Math.min(point.low(), yMax)), x, axes.y(Math.min(point.high(), yMax)),
                        new Pen(rgb, 1.5, false));
                canvas.dot(x, axes.y(Math.min(point.speedup(), yMax)), 4.5, rgb);
            }
        }
        drawLegend(canvas, left + 12, top + 10, ceilingShown);
    }

    private void drawBand(ChartCanvas canvas, Axes axes) {
        int samples = 120;
        double[] xs = new double[2 * (samples + 1)];
        double[] ys = new double[2 * (samples + 1)];
        for (int i = 0; i <= samples; i++) {
            double n = Math.pow(axes.xMax(), (double) i / samples);
            xs[i] = axes.x(n);
            ys[i] = axes.y(Math.min(band.high().applyAsDouble(n), axes.yMax()));
            // back along the lower edge, so the polygon closes without crossing itself
            xs[xs.length - 1 - i] = xs[i];
            ys[ys.length - 1 - i] = axes.y(Math.min(band.low().applyAsDouble(n), axes.yMax()));
        }
        canvas.area(xs, ys, AMDAHL, 0.18);
    }

    private static void plot(ChartCanvas canvas, Axes axes, DoubleUnaryOperator speedup, double upTo, Pen pen) {
        int samples = 240;
        double[] xs = new double[samples + 1];
        double[] ys = new double[samples + 1];
        for (int i = 0; i <= samples; i++) {
            double n = Math.pow(upTo, (double) i / samples);
            xs[i] = axes.x(n);
            ys[i] = axes.y(Math.min(speedup.applyAsDouble(n), axes.yMax()));
        }
        canvas.polyline(xs, ys, pen);
    }

    private double highestValue(double xMax) {
        double highest = 1.0;
        for (Curve curve : curves) {
            for (int i = 0; i <= 240; i++) {
                highest = Math.max(highest, curve.speedup().applyAsDouble(Math.pow(xMax, i / 240.0)));
            }
        }
        for (Point point : measured) {
            highest = Math.max(highest, point.high());
        }
        // the ceiling is worth the room only when the curve gets near it
        if (Double.isFinite(ceiling) && ceiling <= 1.6 * highest) {
            highest = Math.max(highest, ceiling);
        }
        return highest;
    }

    private void drawGrid(ChartCanvas canvas, Axes axes) {
        Pen grid = new Pen(GRID, 1.0, false);
        Pen axis = new Pen(INK, 1.0, false);
        for (double n = 1; n <= axes.xMax() * 1.0001; n *= base) {
            double x = axes.x(n);
            canvas.line(x, axes.top(), x, axes.bottom(), grid);
            canvas.text(x, axes.bottom() + 18, trim(n), 12, Anchor.MIDDLE, INK);
        }
        double step = tickStep(axes.yMax());
        for (double s = 0; s <= axes.yMax() * 1.0001; s += step) {
            double y = axes.y(s);
            canvas.line(axes.left(), y, axes.right(), y, grid);
            canvas.text(axes.left() - 8, y + 4, trim(s), 12, Anchor.END, INK);
        }
        canvas.line(axes.left(), axes.bottom(), axes.right(), axes.bottom(), axis);
        canvas.line(axes.left(), axes.top(), axes.left(), axes.bottom(), axis);
        canvas.text((axes.left() + axes.right()) / 2, axes.bottom() + 40,
                "workers n (log" + base + " scale)", 13, Anchor.MIDDLE, INK);
        canvas.text(16, axes.top() - 12, scaled ? "scaled speedup" : "speedup", 13, Anchor.START, INK);
    }

    private void drawLegend(ChartCanvas canvas, double x, double y, boolean ceilingShown) {
        List<String> labels = new ArrayList<>();
        List<Pen> pens = new ArrayList<>();
        labels.add(scaled ? "ideal (scaled speedup = n)" : "ideal (speedup = n)");
        pens.add(new Pen(IDEAL, 1.5, true));
        for (Curve curve : curves) {
            labels.add(curve.label());
            pens.add(new Pen(curve.rgb(), 2.5, false));
        }
        if (scaled) {
            // Gustafson's law has no ceiling: say so rather than "S = 0"
            labels.add("Gustafson: no limit, each worker adds 1 - s'");
            pens.add(new Pen(0xffffff, 1.0, false));
        } else if (Double.isFinite(ceiling)) {
            String limit = java.math.BigDecimal.valueOf(ceiling).setScale(2, java.math.RoundingMode.HALF_EVEN)
                    .stripTrailingZeros().toPlainString();
            // against a measured T(1) the fit's ceiling is scaled by T(1) fitted / measured, so it is not 1/S itself
            labels.add((measured.isEmpty() ? "limit 1/S = " : "limit of the fit = ") + limit + "×" + (ceilingShown ? "" : " (above chart)"));
            pens.add(new Pen(CEILING, 1.5, true));
        } else {
            labels.add("limit 1/S: none (S = 0)");
            pens.add(new Pen(CEILING, 1.5, true));
        }
        if (band != null) {
            labels.add(scaled ? "95 % confidence band of s'" : "95 % confidence band of S");
            pens.add(new Pen(AMDAHL, 9, false));
        }
        if (advised != null) {
            labels.add("advised worker count");
            pens.add(new Pen(ADVICE, 1.5, true));
        }
        boolean heldOut = measured.stream().anyMatch(Point::heldOut);
        int rows = labels.size() + (measured.isEmpty() ? 0 : 1) + (heldOut ? 1 : 0);
        canvas.frame(x, y, 270, 10 + 18 * rows, 0xcccccc, 0xffffff);
        double row = y + 19;
        for (int i = 0; i < labels.size(); i++) {
            canvas.line(x + 8, row - 4, x + 36, row - 4, pens.get(i));
            canvas.text(x + 44, row, labels.get(i), 12, Anchor.START, INK);
            row += 18;
        }
        if (!measured.isEmpty()) {
            canvas.dot(x + 22, row - 4, 4.5, MEASURED);
            canvas.text(x + 44, row, "measured: median, bar = runs' range", 12, Anchor.START, INK);
            row += 18;
        }
        if (heldOut) {
            canvas.dot(x + 22, row - 4, 4.5, HELD_OUT);
            canvas.text(x + 44, row, "held out of the fit, to check it", 12, Anchor.START, INK);
        }
    }

    /** Maps data to pixels: x logarithmic from 1 to xMax, y linear from 0 to yMax. */
    private record Axes(double left, double right, double top, double bottom, double xMax, double yMax) {
        double x(double n) {
            return left + (right - left) * Math.log(n) / Math.log(xMax);
        }

        double y(double speedup) {
            return bottom - (bottom - top) * speedup / yMax;
        }
    }

    private static int baseFor(List<Integer> counts) {
        boolean decimal = true;
        int largest = 1;
        for (int n : counts) {
            largest = Math.max(largest, n);
            decimal &= n == 1 || isPowerOfTen(n);
        }
        return largest > 1024 || (decimal && largest >= 10) ? 10 : 2;
    }

    private static boolean isPowerOfTen(int n) {
        while (n > 1 && n % 10 == 0) {
            n /= 10;
        }
        return n == 1;
    }

    /** 1, 2, 2.5 or 5 times a power of ten, so that the y axis gets four to eight round ticks. */
    private static double tickStep(double range) {
        double raw = range / 5.0;
        double magnitude = Math.pow(10, Math.floor(Math.log10(raw)));
        for (double factor : new double[] {1, 2, 2.5, 5, 10}) {
            if (factor * magnitude >= raw) {
                return factor * magnitude;
            }
        }
        return 10 * magnitude;
    }

    private static double niceCeiling(double value) {
        double step = tickStep(value);
        return Math.ceil(value / step - 1e-9) * step;
    }

    private static String trim(double value) {
        if (value == Math.rint(value) && Math.abs(value) < 1e15) {
            return Long.toString((long) value);
        }
        String text = String.format(Locale.ROOT, "%.4f", value);
        return text.replaceAll("0+$", "").replaceAll("\\.$", "");
    }
}
