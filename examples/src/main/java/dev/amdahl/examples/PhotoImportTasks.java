package dev.amdahl.examples;

import dev.amdahl.Amdahl;
import dev.amdahl.Task;
import dev.amdahl.TaskCatalog;
import dev.amdahl.TypeRef;
import java.util.List;

/**
 * The photo import's tasks: per photo a chain {@value #METADATA} → {@value #COPY} → {@value #THUMBNAIL}, each
 * step passing the {@link ImportedPhoto} on; and {@value #INDEX}, the chord's callback that writes the library's
 * index from all of them.
 *
 * <pre>{@code
 * Amdahl app = Amdahl.builder().include(PhotoImportTasks.class).build();
 * List<Signature<ImportedPhoto>> chains = photos.stream()
 *         .map(p -> PhotoImportTasks.metadata(app).sig(new PhotoToImport(p, library))
 *                 .then(PhotoImportTasks.copy(app))
 *                 .then(PhotoImportTasks.thumbnail(app)))
 *         .toList();
 * PhotoIndex.Summary summary = app.group(chains).then(PhotoImportTasks.index(app).sig()).submit().get();
 * }</pre>
 */
public final class PhotoImportTasks implements TaskCatalog {

    /** Reads the capture date and camera: {@link PhotoToImport} to {@link ImportedPhoto}. */
    public static final String METADATA = "photos.metadata";

    /** Copies the photo into the library under its capture date. */
    public static final String COPY = "photos.copy";

    /** Makes the photo's thumbnail. */
    public static final String THUMBNAIL = "photos.thumbnail";

    /** Writes the library's index from the list of imported photos: the chord's callback. */
    public static final String INDEX = "photos.index";

    private static final TypeRef<List<ImportedPhoto>> PHOTOS = new TypeRef<>() { };

    @Override
    public void register(Amdahl app) {
        app.task(METADATA, PhotoToImport.class, ImportedPhoto.class, PhotoImport::readMetadata);
        app.task(COPY, ImportedPhoto.class, ImportedPhoto.class, PhotoImport::copyIntoLibrary);
        app.task(THUMBNAIL, ImportedPhoto.class, ImportedPhoto.class, PhotoImport::makeThumbnail);
        app.task(INDEX, PHOTOS, TypeRef.of(PhotoIndex.Summary.class), PhotoImport::writeIndex);
    }

    /** A handle on {@value #METADATA}, to submit it from an application that includes this catalog (or whose workers do). */
    public static Task<PhotoToImport, ImportedPhoto> metadata(Amdahl app) {
        return app.task(METADATA, PhotoToImport.class, ImportedPhoto.class);
    }

    /** A handle on {@value #COPY}. */
    public static Task<ImportedPhoto, ImportedPhoto> copy(Amdahl app) {
        return app.task(COPY, ImportedPhoto.class, ImportedPhoto.class);
    }

    /** A handle on {@value #THUMBNAIL}. */
    public static Task<ImportedPhoto, ImportedPhoto> thumbnail(Amdahl app) {
        return app.task(THUMBNAIL, ImportedPhoto.class, ImportedPhoto.class);
    }

    /** A handle on {@value #INDEX}. */
    public static Task<List<ImportedPhoto>, PhotoIndex.Summary> index(Amdahl app) {
        return app.task(INDEX, PHOTOS, TypeRef.of(PhotoIndex.Summary.class));
    }
}
