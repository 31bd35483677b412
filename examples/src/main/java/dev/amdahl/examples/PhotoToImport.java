package dev.amdahl.examples;

/**
 * The argument of the first step of a photo's import chain, {@value PhotoImportTasks#METADATA}: which file
 * to import and into which library. Both are absolute paths as the workers see them, so a worker elsewhere
 * needs the same folders (one machine, or a shared file system).
 *
 * <pre>{@code
 * TaskFuture<ImportedPhoto> one = PhotoImportTasks.metadata(app)
 *         .sig(new PhotoToImport("/home/ann/camera/IMG_0001.jpg", "/home/ann/library"))
 *         .then(PhotoImportTasks.copy(app))
 *         .then(PhotoImportTasks.thumbnail(app))
 *         .submit();
 * }</pre>
 *
 * @param source  the photo to import, an absolute path
 * @param library the library's folder, an absolute path
 */
public record PhotoToImport(String source, String library) {

    public PhotoToImport {
        PhotoImport.requireAbsolute("source", source);
        PhotoImport.requireAbsolute("library", library);
    }
}
