package dev.amdahl.examples;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.GradientPaint;
import java.awt.Graphics2D;
import java.awt.Polygon;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.stream.IntStream;
import javax.imageio.ImageIO;
import org.apache.commons.imaging.ImagingException;
import org.apache.commons.imaging.formats.jpeg.exif.ExifRewriter;
import org.apache.commons.imaging.formats.tiff.constants.ExifTagConstants;
import org.apache.commons.imaging.formats.tiff.constants.TiffTagConstants;
import org.apache.commons.imaging.formats.tiff.write.TiffOutputDirectory;
import org.apache.commons.imaging.formats.tiff.write.TiffOutputSet;

/**
 * Generates a folder of JPEG photos for the photo import to take in: landscapes lit for the hour they were
 * "taken", each with its capture date and camera written into its EXIF (DateTimeOriginal, DateTimeDigitized,
 * DateTime, Make, Model), as a camera writes them. The file times are all one old date, so an import that
 * sorts by them instead of EXIF would put every photo on one day.
 *
 * <pre>{@code
 * List<SamplePhotos.Photo> photos = SamplePhotos.write(Path.of("camera"), 48, 1024, 768, 7);
 * photos.get(0).capturedAt();   // 2024-05-03T09:41:17, also in the file's EXIF
 * }</pre>
 *
 * <p>The same count, size and seed give the same photos, byte for byte.
 */
public final class SamplePhotos {

    /** The file time every generated photo gets, far from its capture date. */
    static final Instant FILE_TIME = Instant.parse("2001-01-01T00:00:00Z");

    private static final LocalDateTime FIRST_DAY = LocalDateTime.of(2024, 5, 3, 0, 0);
    private static final int DAYS = 12;
    private static final String[][] CAMERAS = {{"Amdahl Optics", "Speedup 100"}, {"Gustafson", "Scaled S2"},
        {"Celery Cameras", "Chord Mark II"}};
    private static final DateTimeFormatter EXIF_DATE = DateTimeFormatter.ofPattern("yyyy:MM:dd HH:mm:ss", Locale.ROOT);

    private SamplePhotos() {
    }

    /**
     * A generated photo.
     *
     * @param file       where it was written
     * @param capturedAt the capture date in its EXIF
     * @param make       the camera's make in its EXIF
     * @param model      the camera's model in its EXIF
     */
    public record Photo(Path file, LocalDateTime capturedAt, String make, String model) {

        /** Make and model, as the import reports them. */
        public String camera() {
            return make + " " + model;
        }
    }

    /**
     * Writes {@code count} photos of {@code width x height} pixels into {@code folder} (created if needed) as
     * {@code IMG_0001.jpg}, ..., in parallel on this JVM's common pool.
     *
     * @return the photos, in file-name order
     * @throws IllegalArgumentException when a count or size is out of range
     */
    public static List<Photo> write(Path folder, int count, int width, int height, long seed) {
        if (count < 1 || count > 10_000) {
            throw new IllegalArgumentException("write 1 to 10000 sample photos, not " + count);
        }
        if (width < 16 || height < 16 || (long) width * height > 24_000_000) {
            throw new IllegalArgumentException("a sample photo is 16x16 to 24 megapixels, not " + width + "x" + height);
        }
        try {
            Files.createDirectories(folder);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create " + folder + ": " + e.getMessage(), e);
        }
        Random dates = new Random(seed);
        List<LocalDateTime> taken = new ArrayList<>();
        List<String[]> cameras = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            taken.add(FIRST_DAY.plusDays(dates.nextInt(DAYS)).plusHours(7 + dates.nextInt(13))
                    .plusMinutes(dates.nextInt(60)).plusSeconds(dates.nextInt(60)));
            cameras.add(CAMERAS[dates.nextInt(CAMERAS.length)]);
        }
        return IntStream.range(0, count).parallel().mapToObj(i -> {
            Path file = folder.resolve(String.format(Locale.ROOT, "IMG_%04d.jpg", i + 1));
            String[] camera = cameras.get(i);
            byte[] jpeg = withExif(jpeg(landscape(width, height, taken.get(i).getHour(), seed * 31 + i)), taken.get(i), camera[0], camera[1]);
            try {
                Files.write(file, jpeg);
                Files.setLastModifiedTime(file, FileTime.from(FILE_TIME));
            } catch (IOException e) {
                throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
            }
            return new Photo(file, taken.get(i), camera[0], camera[1]);
        }).toList();
    }

    /** Hills under a sky coloured for the hour, the sun where it would be. */
    static BufferedImage landscape(int width, int height, int hour, long seed) {
        Random random = new Random(seed);
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
            double day = Math.sin(Math.PI * (hour - 6) / 14.0); // 0 at dawn and dusk, 1 at 13:00
            Color zenith = blend(new Color(40, 40, 110), new Color(60, 130, 220), day);
            Color horizon = blend(new Color(250, 140, 70), new Color(190, 220, 250), day);
            g.setPaint(new GradientPaint(0, 0, zenith, 0, height * 0.6f, horizon));
            g.fillRect(0, 0, width, height);
            int sunX = (int) (width * (hour - 6) / 14.0);
            int sunY = (int) (height * (0.55 - 0.45 * day));
            int sun = Math.max(8, width / 12);
            g.setColor(blend(new Color(255, 120, 60), new Color(255, 250, 210), day));
            g.fillOval(sunX - sun / 2, sunY - sun / 2, sun, sun);
            for (int layer = 0; layer < 4; layer++) {
                double base = height * (0.5 + 0.12 * layer);
                double amplitude = height * (0.10 - 0.015 * layer);
                double phase = random.nextDouble() * 10;
                double waves = 1.5 + random.nextDouble() * 2;
                Polygon hill = new Polygon();
                hill.addPoint(0, height);
                for (int x = 0; x <= width; x += Math.max(1, width / 160)) {
                    double t = x / (double) width;
                    double y = base - amplitude * (Math.sin(phase + t * waves * Math.PI) + 0.4 * Math.sin(phase * 2 + t * waves * 5));
                    hill.addPoint(x, (int) y);
                }
                hill.addPoint(width, height);
                Color green = new Color(30 + 20 * layer, 90 + 25 * layer, 40 + 10 * layer);
                g.setColor(blend(green.darker().darker(), green, 0.3 + 0.7 * day));
                g.fillPolygon(hill);
            }
            g.setStroke(new BasicStroke(Math.max(1, width / 400f)));
            for (int tree = 0; tree < 30; tree++) {
                int x = random.nextInt(width);
                int y = (int) (height * (0.7 + 0.3 * random.nextDouble()));
                int size = (int) (height * (0.03 + 0.05 * random.nextDouble()));
                g.setColor(new Color(20, 60 + random.nextInt(50), 25));
                g.fillPolygon(new int[] {x - size / 2, x, x + size / 2}, new int[] {y, y - 2 * size, y}, 3);
            }
        } finally {
            g.dispose();
        }
        // grain, as a real sensor has: it also gives the JPEG a realistic size
        int[] row = new int[width];
        for (int y = 0; y < height; y++) {
            image.getRGB(0, y, width, 1, row, 0, width);
            for (int x = 0; x < width; x++) {
                int n = random.nextInt(17) - 8;
                int rgb = row[x];
                row[x] = (clamp(((rgb >> 16) & 0xff) + n) << 16) | (clamp(((rgb >> 8) & 0xff) + n) << 8) | clamp((rgb & 0xff) + n);
            }
            image.setRGB(0, y, width, 1, row, 0, width);
        }
        return image;
    }

    static byte[] jpeg(BufferedImage image) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            if (!ImageIO.write(image, "jpg", out)) {
                throw new IllegalStateException("this Java runtime has no JPEG writer");
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    /** The JPEG with an EXIF segment saying when and with what it was taken, its image data untouched. */
    static byte[] withExif(byte[] jpeg, LocalDateTime taken, String make, String model) {
        String date = EXIF_DATE.format(taken);
        try {
            TiffOutputSet exif = new TiffOutputSet();
            TiffOutputDirectory root = exif.getOrCreateRootDirectory();
            root.add(TiffTagConstants.TIFF_TAG_MAKE, make);
            root.add(TiffTagConstants.TIFF_TAG_MODEL, model);
            root.add(TiffTagConstants.TIFF_TAG_DATE_TIME, date);
            TiffOutputDirectory sub = exif.getOrCreateExifDirectory();
            sub.add(ExifTagConstants.EXIF_TAG_DATE_TIME_ORIGINAL, date);
            sub.add(ExifTagConstants.EXIF_TAG_DATE_TIME_DIGITIZED, date);
            ByteArrayOutputStream out = new ByteArrayOutputStream(jpeg.length + 1024);
            new ExifRewriter().updateExifMetadataLossless(jpeg, out, exif);
            return out.toByteArray();
        } catch (ImagingException e) {
            throw new IllegalStateException("Commons Imaging could not write EXIF into a JPEG of ImageIO's: " + e.getMessage(), e);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Color blend(Color a, Color b, double t) {
        double u = Math.max(0, Math.min(1, t));
        return new Color((int) (a.getRed() + (b.getRed() - a.getRed()) * u), (int) (a.getGreen() + (b.getGreen() - a.getGreen()) * u),
                (int) (a.getBlue() + (b.getBlue() - a.getBlue()) * u));
    }

    private static int clamp(int v) {
        return v < 0 ? 0 : Math.min(255, v);
    }
}
