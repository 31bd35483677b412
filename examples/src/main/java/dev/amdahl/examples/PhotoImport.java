package dev.amdahl.examples;

import com.drew.imaging.ImageMetadataReader;
import com.drew.imaging.ImageProcessingException;
import com.drew.metadata.Directory;
import com.drew.metadata.Metadata;
import com.drew.metadata.exif.ExifDirectoryBase;
import com.drew.metadata.exif.ExifIFD0Directory;
import com.drew.metadata.exif.ExifSubIFDDirectory;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The steps of a photo import, each the body of one task: read the metadata, copy the photo into the library
 * under its capture date, make its thumbnail; then, once for the whole import, write the index.
 *
 * <p>A library is laid out by capture date: {@code YYYY/MM/DD/NAME} for the photo, the same under
 * {@value #THUMBNAILS}/ for its thumbnail, and {@value PhotoIndex#FILE_NAME} at the top. Every file is written
 * under a temporary name beginning with a dot and then moved into place, so a reader (the live view, another
 * worker) sees a whole file or none; names beginning with a dot are never photos. The tasks write only into a
 * folder that holds the marker {@value #LIBRARY_MARKER}, which the client creates.
 *
 * <p>Each step is idempotent, as a task must be under at-least-once delivery: a copy that finds the same
 * bytes already in place keeps them, a thumbnail or the index is simply written again. Two different photos
 * with one name on one day both stay: the second gets the start of its SHA-256 in its name.
 */
final class PhotoImport {

    private static final Logger log = LoggerFactory.getLogger(PhotoImport.class);

    /** The folder of the thumbnails, in the library. */
    static final String THUMBNAILS = "thumbnails";

    /** The longer side of a thumbnail, in pixels. */
    static final int THUMBNAIL_SIZE = 256;

    /**
     * The file that makes a folder a library the tasks write into. The client that starts an import creates it; a
     * worker refuses to write anywhere without it, so a message naming another folder (a message is untrusted) cannot
     * make a worker write into it.
     */
    static final String LIBRARY_MARKER = ".amdahl-photo-library";

    /** The file name endings the import takes for photos, lower case. */
    static final List<String> EXTENSIONS = List.of(".jpg", ".jpeg", ".png");

    private static final DateTimeFormatter EXIF_DATE = DateTimeFormatter.ofPattern("yyyy:MM:dd HH:mm:ss", Locale.ROOT);

    private PhotoImport() {
    }

    static void requireAbsolute(String what, String path) {
        if (path == null || path.isBlank() || !Path.of(path).isAbsolute()) {
            throw new IllegalArgumentException(what + " must be an absolute path, was " + (path == null ? "null" : "'" + path + "'"));
        }
    }

    static boolean isPhotoName(String name) {
        String lower = name.toLowerCase(Locale.ROOT);
        return !name.startsWith(".") && EXTENSIONS.stream().anyMatch(lower::endsWith);
    }

    /** The photos of {@code folder} and its subfolders, by path. */
    static List<Path> photosIn(Path folder) {
        try (Stream<Path> files = Files.walk(folder)) {
            return files.filter(Files::isRegularFile).filter(p -> isPhotoName(p.getFileName().toString()))
                    .map(Path::toAbsolutePath).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list the photos in " + folder + ": " + e.getMessage(), e);
        }
    }

    /** Step 1, {@value PhotoImportTasks#METADATA}: the capture date and camera from EXIF, and the size. */
    static ImportedPhoto readMetadata(PhotoToImport photo) {
        long start = System.nanoTime();
        Path source = Path.of(photo.source());
        String name = ImportedPhoto.fileName(photo.source());
        if (!isPhotoName(name)) {
            return ImportedPhoto.failed(photo, "not a photo: the import takes " + EXTENSIONS + " files", seconds(start));
        }
        try {
            long bytes = Files.size(source);
            Metadata metadata;
            try (InputStream in = Files.newInputStream(source)) {
                metadata = ImageMetadataReader.readMetadata(in, bytes);
            }
            Directory ifd0 = metadata.getFirstDirectoryOfType(ExifIFD0Directory.class);
            Directory exif = metadata.getFirstDirectoryOfType(ExifSubIFDDirectory.class);
            LocalDateTime taken = firstDate(exif, ExifDirectoryBase.TAG_DATETIME_ORIGINAL, ifd0, ExifDirectoryBase.TAG_DATETIME);
            String dateSource = ImportedPhoto.FROM_EXIF;
            if (taken == null) {
                taken = LocalDateTime.ofInstant(Files.getLastModifiedTime(source).toInstant(), ZoneId.systemDefault());
                dateSource = ImportedPhoto.FROM_FILE;
            }
            return new ImportedPhoto(photo.source(), photo.library(), name, taken.truncatedTo(ChronoUnit.SECONDS).toString(),
                    dateSource, camera(ifd0), bytes, null, null, 0, 0, null, seconds(start));
        } catch (ImageProcessingException e) {
            return ImportedPhoto.failed(photo, "not an image metadata-extractor can read: " + e.getMessage(), seconds(start));
        } catch (IOException e) {
            return ImportedPhoto.failed(photo, "cannot read it: " + e, seconds(start));
        }
    }

    /** Step 2, {@value PhotoImportTasks#COPY}: the photo copied to {@code YYYY/MM/DD/} of the library. */
    static ImportedPhoto copyIntoLibrary(ImportedPhoto photo) {
        long start = System.nanoTime();
        if (photo.problem() != null) {
            return photo;
        }
        Path library = requireLibrary(photo.library());
        String folder = dateFolder(photo.capturedAt());
        String name = photo.name();
        try {
            Path source = Path.of(photo.source());
            Path target = library.resolve(folder).resolve(name);
            if (Files.exists(target) && !sameBytes(source, target)) {
                name = withSuffix(name, "-" + sha256(source).substring(0, 8));
                target = library.resolve(folder).resolve(name);
            }
            if (!Files.exists(target) || !sameBytes(source, target)) {
                Path tmp = temporary(target);
                Files.copy(source, tmp, StandardCopyOption.REPLACE_EXISTING);
                moveIntoPlace(tmp, target);
            }
            return photo.copiedTo(folder + "/" + name, name, seconds(start));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot copy " + photo.source() + " into " + library.resolve(folder) + ": " + e, e);
        }
    }

    /** Step 3, {@value PhotoImportTasks#THUMBNAIL}: a JPEG at most {@value #THUMBNAIL_SIZE} pixels on its longer side. */
    static ImportedPhoto makeThumbnail(ImportedPhoto photo) {
        long start = System.nanoTime();
        if (photo.problem() != null) {
            return photo;
        }
        Path library = requireLibrary(photo.library());
        String relative = THUMBNAILS + "/" + photo.path() + (photo.path().toLowerCase(Locale.ROOT).endsWith(".png") ? ".jpg" : "");
        BufferedImage image;
        try {
            image = ImageIO.read(library.resolve(photo.path()).toFile());
        } catch (IOException e) {
            return photo.withProblem("cannot decode it: " + e.getMessage(), seconds(start));
        }
        if (image == null) {
            return photo.withProblem("no image decoder of this Java runtime reads it", seconds(start));
        }
        try {
            Path target = library.resolve(relative);
            Path tmp = temporary(target);
            if (!ImageIO.write(scaledDown(image, THUMBNAIL_SIZE), "jpg", tmp.toFile())) {
                throw new IllegalStateException("this Java runtime has no JPEG writer");
            }
            moveIntoPlace(tmp, target);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the thumbnail " + library.resolve(relative) + ": " + e, e);
        }
        return photo.withThumbnail(relative, image.getWidth(), image.getHeight(), seconds(start));
    }

    /**
     * The chord's callback, {@value PhotoImportTasks#INDEX}: writes {@value PhotoIndex#FILE_NAME} with this import's
     * photos and those of earlier imports that are still in the library.
     */
    static PhotoIndex.Summary writeIndex(List<ImportedPhoto> photos) {
        long start = System.nanoTime();
        if (photos.isEmpty()) {
            throw new IllegalArgumentException("an import of no photos has no library to index");
        }
        Path library = requireLibrary(photos.get(0).library());
        if (photos.stream().anyMatch(p -> !p.library().equals(photos.get(0).library()))) {
            throw new IllegalArgumentException("the photos of one index go into one library; these name "
                    + photos.stream().map(ImportedPhoto::library).distinct().toList());
        }
        Map<String, PhotoIndex.Entry> entries = new LinkedHashMap<>();
        if (PhotoIndex.exists(library)) {
            try {
                for (PhotoIndex.Entry earlier : PhotoIndex.read(library).photos()) {
                    if (Files.isRegularFile(library.resolve(earlier.path()))) {
                        entries.put(earlier.path(), earlier);
                    }
                }
            } catch (UncheckedIOException e) {
                log.warn("the library's index is unreadable and is written anew from this import's photos: {}", e.getMessage());
            }
        }
        List<PhotoIndex.Skipped> skipped = new ArrayList<>();
        Set<String> days = new HashSet<>();
        double photoSeconds = 0;
        int imported = 0;
        for (ImportedPhoto p : photos) {
            photoSeconds += p.taskSeconds();
            if (p.problem() != null) {
                skipped.add(new PhotoIndex.Skipped(p.source(), p.problem()));
                continue;
            }
            imported++;
            days.add(p.capturedAt().substring(0, 10));
            entries.put(p.path(), new PhotoIndex.Entry(p.path(), p.thumbnail(), p.name(), p.capturedAt(), p.dateSource(),
                    p.camera(), p.width(), p.height(), p.bytes()));
        }
        PhotoIndex index = new PhotoIndex(List.copyOf(entries.values()), skipped).sorted();
        Path file = library.resolve(PhotoIndex.FILE_NAME);
        try {
            Path tmp = temporary(file);
            Files.write(tmp, index.toJson());
            moveIntoPlace(tmp, file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the photo index " + file + ": " + e, e);
        }
        return new PhotoIndex.Summary(file.toString(), imported, skipped.size(), index.photos().size(), days.size(),
                photoSeconds, seconds(start));
    }

    /** Makes {@code library} a library the tasks may write into: the folder and its marker. */
    static void createLibrary(Path library) {
        try {
            Files.createDirectories(library);
            Path marker = library.resolve(LIBRARY_MARKER);
            if (!Files.exists(marker)) {
                Files.writeString(marker, "a photo library of Amdahl's photo import: its tasks write only where this file is\n");
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the photo library " + library + ": " + e.getMessage(), e);
        }
    }

    private static Path requireLibrary(String library) {
        Path folder = Path.of(library).normalize();
        if (!Files.isRegularFile(folder.resolve(LIBRARY_MARKER))) {
            throw new IllegalArgumentException("not a photo library: " + folder + " has no " + LIBRARY_MARKER
                    + ", which the client that starts an import creates ('amdahl demo photos --library " + folder
                    + "' does); the tasks write nowhere else");
        }
        return folder;
    }

    /** {@code 2024/05/17} for {@code 2024-05-17T14:03:22}. */
    static String dateFolder(String capturedAt) {
        LocalDateTime taken;
        try {
            taken = LocalDateTime.parse(capturedAt);
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException("capturedAt must be an ISO-8601 local date and time, was '" + capturedAt + "'", e);
        }
        return String.format(Locale.ROOT, "%04d/%02d/%02d", taken.getYear(), taken.getMonthValue(), taken.getDayOfMonth());
    }

    /** The image scaled to fit {@code size} pixels on its longer side, halving first so that no detail aliases. */
    static BufferedImage scaledDown(BufferedImage image, int size) {
        double scale = Math.min(1.0, size / (double) Math.max(image.getWidth(), image.getHeight()));
        int width = Math.max(1, (int) Math.round(image.getWidth() * scale));
        int height = Math.max(1, (int) Math.round(image.getHeight() * scale));
        BufferedImage current = image;
        while (current.getWidth() / 2 >= width && current.getHeight() / 2 >= height) {
            current = resized(current, current.getWidth() / 2, current.getHeight() / 2);
        }
        return resized(current, width, height);
    }

    private static BufferedImage resized(BufferedImage image, int width, int height) {
        BufferedImage out = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = out.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
            g.drawImage(image, 0, 0, width, height, Color.WHITE, null); // white under any transparency: JPEG has none
        } finally {
            g.dispose();
        }
        return out;
    }

    private static LocalDateTime firstDate(Directory first, int firstTag, Directory second, int secondTag) {
        LocalDateTime date = exifDate(first, firstTag);
        return date != null ? date : exifDate(second, secondTag);
    }

    /** An EXIF date ({@code 2024:05:17 14:03:22}); {@code null} when absent or blank, as cameras without a clock write it. */
    private static LocalDateTime exifDate(Directory directory, int tag) {
        String text = directory == null ? null : directory.getString(tag);
        if (text == null || text.isBlank()) {
            return null;
        }
        try {
            return LocalDateTime.parse(text.trim(), EXIF_DATE);
        } catch (DateTimeParseException e) {
            return null; // "0000:00:00 00:00:00" and worse: no date, as far as a library is concerned
        }
    }

    private static String camera(Directory ifd0) {
        if (ifd0 == null) {
            return null;
        }
        String make = trimmed(ifd0.getString(ExifDirectoryBase.TAG_MAKE));
        String model = trimmed(ifd0.getString(ExifDirectoryBase.TAG_MODEL));
        if (make == null) {
            return model;
        }
        // many cameras repeat the make in the model: "Canon" + "Canon EOS 5D" is "Canon EOS 5D"
        return model == null ? make : model.startsWith(make) ? model : make + " " + model;
    }

    private static String trimmed(String s) {
        return s == null || s.isBlank() ? null : s.trim();
    }

    private static boolean sameBytes(Path a, Path b) throws IOException {
        return Files.size(a) == Files.size(b) && Files.mismatch(a, b) == -1;
    }

    private static String sha256(Path file) throws IOException {
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            return HexFormat.of().formatHex(digest.digest(Files.readAllBytes(file)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime has SHA-256", e);
        }
    }

    private static String withSuffix(String name, String suffix) {
        int dot = name.lastIndexOf('.');
        return dot <= 0 ? name + suffix : name.substring(0, dot) + suffix + name.substring(dot);
    }

    /** A temporary file beside {@code target}, hidden from readers by its leading dot. */
    private static Path temporary(Path target) throws IOException {
        Files.createDirectories(target.getParent());
        return Files.createTempFile(target.getParent(), "." + target.getFileName(), ".tmp");
    }

    private static void moveIntoPlace(Path tmp, Path target) throws IOException {
        try {
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    private static double seconds(long startNanos) {
        return (System.nanoTime() - startNanos) / 1e9;
    }
}
