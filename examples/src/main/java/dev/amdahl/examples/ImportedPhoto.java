package dev.amdahl.examples;

/**
 * One photo as its import chain learns about it: each step returns it with more filled in, and the
 * chord's callback, {@value PhotoImportTasks#INDEX}, gets one per photo. A photo that cannot be imported
 * (not an image, unreadable) travels on with its {@link #problem()} set, so one bad file is reported and
 * skipped instead of failing the whole import.
 *
 * <pre>{@code
 * ImportedPhoto photo = chain.get();
 * if (photo.problem() == null) {
 *     System.out.println(photo.path() + " taken " + photo.capturedAt() + " (" + photo.dateSource() + ")");
 * }
 * }</pre>
 *
 * @param source      the imported file, an absolute path
 * @param library     the library's folder, an absolute path
 * @param name        the file's name in the library
 * @param capturedAt  when it was taken, ISO-8601 local date and time ({@code 2024-05-17T14:03:22}), as the
 *                    camera's clock had it
 * @param dateSource  where {@code capturedAt} came from: {@code exif} (the photo's DateTimeOriginal, else its
 *                    DateTime) or {@code file} (the file's last-modified time, for a photo without one)
 * @param camera      the camera's make and model from EXIF, or {@code null}
 * @param bytes       the file's size
 * @param path        where the photo is in the library, relative to it ({@code 2024/05/17/IMG_0001.jpg});
 *                    {@code null} before the copy step
 * @param thumbnail   its thumbnail, relative to the library; {@code null} before the thumbnail step
 * @param width       the photo's width in pixels; 0 before the thumbnail step
 * @param height      the photo's height in pixels; 0 before the thumbnail step
 * @param problem     why the photo could not be imported, or {@code null}
 * @param taskSeconds the time the steps so far took, summed
 */
public record ImportedPhoto(String source, String library, String name, String capturedAt, String dateSource,
                            String camera, long bytes, String path, String thumbnail, int width, int height,
                            String problem, double taskSeconds) {

    /** The {@link #dateSource()} of a date read from EXIF. */
    public static final String FROM_EXIF = "exif";

    /** The {@link #dateSource()} of a date taken from the file's last-modified time. */
    public static final String FROM_FILE = "file";

    public ImportedPhoto {
        PhotoImport.requireAbsolute("source", source);
        PhotoImport.requireAbsolute("library", library);
        if (!(taskSeconds >= 0) || Double.isInfinite(taskSeconds)) {
            throw new IllegalArgumentException("taskSeconds must be a finite number >= 0, was " + taskSeconds);
        }
    }

    /** A photo that cannot be imported, and why. */
    static ImportedPhoto failed(PhotoToImport photo, String problem, double seconds) {
        return new ImportedPhoto(photo.source(), photo.library(), fileName(photo.source()), null, null, null, 0,
                null, null, 0, 0, problem, seconds);
    }

    static String fileName(String path) {
        java.nio.file.Path name = java.nio.file.Path.of(path).getFileName();
        return name == null ? path : name.toString();
    }

    ImportedPhoto copiedTo(String libraryPath, String libraryName, double seconds) {
        return new ImportedPhoto(source, library, libraryName, capturedAt, dateSource, camera, bytes, libraryPath,
                thumbnail, width, height, problem, taskSeconds + seconds);
    }

    ImportedPhoto withThumbnail(String thumbnailPath, int pixelsWide, int pixelsHigh, double seconds) {
        return new ImportedPhoto(source, library, name, capturedAt, dateSource, camera, bytes, path, thumbnailPath,
                pixelsWide, pixelsHigh, problem, taskSeconds + seconds);
    }

    ImportedPhoto withProblem(String why, double seconds) {
        return new ImportedPhoto(source, library, name, capturedAt, dateSource, camera, bytes, path, thumbnail, width,
                height, why, taskSeconds + seconds);
    }
}
