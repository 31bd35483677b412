package dev.amdahl.examples;

import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * A photo library's searchable index, {@value #FILE_NAME} at the library's top: every photo with where it
 * is, when it was taken and by which camera, plus the files an import skipped and why. Written by the
 * import's last task, {@value PhotoImportTasks#INDEX}, and read by anyone.
 *
 * <pre>{@code
 * PhotoIndex index = PhotoIndex.read(Path.of("photo-library"));
 * for (PhotoIndex.Entry photo : index.search("2024-05")) {     // taken in May 2024
 *     System.out.println(photo.path() + "  " + photo.camera());
 * }
 * }</pre>
 *
 * @param photos  the library's photos, oldest first
 * @param skipped the files the last import could not import
 */
public record PhotoIndex(List<Entry> photos, List<Skipped> skipped) {

    /** The index's file name in the library. */
    public static final String FILE_NAME = "index.json";

    private static final ObjectMapper JSON = JsonMapper.builder()
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .enable(SerializationFeature.INDENT_OUTPUT)
            .build();

    public PhotoIndex {
        photos = List.copyOf(Objects.requireNonNull(photos, "photos"));
        skipped = List.copyOf(Objects.requireNonNull(skipped, "skipped"));
    }

    /**
     * One photo of the library.
     *
     * @param path       where it is, relative to the library ({@code 2024/05/17/IMG_0001.jpg})
     * @param thumbnail  its thumbnail, relative to the library
     * @param name       its file name
     * @param capturedAt when it was taken, ISO-8601 local date and time
     * @param dateSource {@code exif} or {@code file}, see {@link ImportedPhoto#dateSource()}
     * @param camera     make and model, or {@code null}
     * @param width      in pixels
     * @param height     in pixels
     * @param bytes      the file's size
     */
    public record Entry(String path, String thumbnail, String name, String capturedAt, String dateSource, String camera,
                        int width, int height, long bytes) {

        public Entry {
            Objects.requireNonNull(path, "path");
            Objects.requireNonNull(capturedAt, "capturedAt");
        }

        /** Whether every word of {@code query} occurs in the date, the path or the camera, ignoring case. */
        boolean matches(String query) {
            String text = (capturedAt + " " + path + " " + (camera == null ? "" : camera)).toLowerCase(Locale.ROOT);
            for (String word : query.toLowerCase(Locale.ROOT).trim().split("\\s+")) {
                if (!text.contains(word)) {
                    return false;
                }
            }
            return true;
        }
    }

    /**
     * A file an import could not import.
     *
     * @param source  the file
     * @param problem why
     */
    public record Skipped(String source, String problem) {
    }

    /**
     * What building the index found, the result of {@value PhotoImportTasks#INDEX}.
     *
     * @param index        the index file, an absolute path
     * @param imported     how many photos this import brought into the library
     * @param skipped      how many files it skipped
     * @param libraryPhotos how many photos the library holds now (earlier imports included)
     * @param days         on how many days this import's photos were taken
     * @param photoSeconds the time the photos' chains took in their tasks, summed
     * @param indexSeconds the time building the index took: the import's serial part
     */
    public record Summary(String index, int imported, int skipped, int libraryPhotos, int days, double photoSeconds,
                          double indexSeconds) {
    }

    /** The photos whose date, path or camera contain every word of {@code query}; all of them for a blank one. */
    public List<Entry> search(String query) {
        if (query == null || query.isBlank()) {
            return photos;
        }
        return photos.stream().filter(p -> p.matches(query)).toList();
    }

    /** The index of {@code library}, as its last import wrote it. */
    public static PhotoIndex read(Path library) {
        Path file = library.resolve(FILE_NAME);
        try {
            return JSON.readValue(file.toFile(), PhotoIndex.class);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the photo index " + file + ": " + e.getMessage(), e);
        }
    }

    /** Whether {@code library} has an index yet. */
    public static boolean exists(Path library) {
        return Files.isRegularFile(library.resolve(FILE_NAME));
    }

    /** This index as the JSON of its file. */
    byte[] toJson() {
        try {
            return JSON.writeValueAsBytes(this);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** This index with its photos oldest first, then by path. */
    PhotoIndex sorted() {
        return new PhotoIndex(photos.stream().sorted(Comparator.comparing(Entry::capturedAt).thenComparing(Entry::path)).toList(),
                skipped);
    }
}
