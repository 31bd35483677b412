package dev.amdahl.examples;

import dev.amdahl.Amdahl;
import dev.amdahl.Signature;
import dev.amdahl.TaskCatalog;
import dev.amdahl.TaskFuture;
import dev.amdahl.TaskTimeoutException;
import dev.amdahl.scaling.JobStats;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.stream.Stream;

/**
 * Imports a folder of photos into a library laid out by capture date, as a workflow: per photo a chain
 * ({@value PhotoImportTasks#METADATA}, {@value PhotoImportTasks#COPY}, {@value PhotoImportTasks#THUMBNAIL}) and
 * the chains the header of a chord whose callback, {@value PhotoImportTasks#INDEX}, writes the index.
 *
 * <pre>{@code
 * PhotoImportJob job = PhotoImportJob.of(Path.of("camera"), Path.of("photo-library"));
 * try (Amdahl app = Amdahl.builder().include(PhotoImportTasks.class).build();
 *      Worker worker = app.startWorker(WorkerOptions.builder().concurrency(4).build())) {
 *     PhotoImportJob.Import done = job.importAll(app, JobProgress.NONE);
 *     System.out.println(done.summary().imported() + " photos, index " + done.summary().index());
 * }
 * }</pre>
 *
 * <p>The index is the serial part: it cannot start before the last photo is in, and one task writes it. The
 * run's {@link JobRun#stats()} count it, with the submission, as serial, and the photos' steps as parallel,
 * from the times the tasks measured themselves (the chord's callback runs on a worker, not in this process).
 * Progress counts the thumbnails that appear in the library, which is what "imported" means to a reader of it.
 * The run makes the library's folder and the marker file without which the tasks write nothing there.
 *
 * @param photos  the photos to import, absolute paths
 * @param library the library's folder, an absolute path
 */
public record PhotoImportJob(List<Path> photos, Path library) implements DemoJob {

    /** How long a run waits between two looks at the library for its progress. */
    private static final Duration PROGRESS_POLL = Duration.ofMillis(200);

    /** How long a run waits for the whole import before it gives up. */
    private static final Duration IMPORT_TIMEOUT = Duration.ofMinutes(30);

    public PhotoImportJob {
        photos = List.copyOf(Objects.requireNonNull(photos, "photos"));
        Objects.requireNonNull(library, "library");
        if (photos.isEmpty()) {
            throw new IllegalArgumentException("no photos to import: give a folder with " + PhotoImport.EXTENSIONS + " files");
        }
        for (Path p : photos) {
            PhotoImport.requireAbsolute("a photo", p.toString());
        }
        PhotoImport.requireAbsolute("the library", library.toString());
    }

    /**
     * The photos of {@code folder} and its subfolders ({@code .jpg}, {@code .jpeg}, {@code .png}), to be imported
     * into {@code library}.
     *
     * @throws IllegalArgumentException when the folder holds no photos, or is the library or inside it
     */
    public static PhotoImportJob of(Path folder, Path library) {
        Path from = folder.toAbsolutePath().normalize();
        Path to = library.toAbsolutePath().normalize();
        if (!Files.isDirectory(from)) {
            throw new IllegalArgumentException("no folder " + from + " to import photos from");
        }
        if (from.startsWith(to)) {
            throw new IllegalArgumentException("the photos to import, " + from + ", are in the library " + to
                    + " already: import them from a folder outside it");
        }
        List<Path> found = PhotoImport.photosIn(from).stream().filter(p -> !p.startsWith(to)).toList();
        if (found.isEmpty()) {
            throw new IllegalArgumentException("no photos in " + from + ": the import takes " + PhotoImport.EXTENSIONS + " files");
        }
        return new PhotoImportJob(found, to);
    }

    /** The index summary and what importing took. */
    public record Import(PhotoIndex.Summary summary, JobRun run) {
    }

    @Override
    public String name() {
        return "photos";
    }

    @Override
    public String description() {
        return "photo import, " + photos.size() + " photos into " + library
                + ": per photo a chain (metadata, copy, thumbnail), then a chord's callback writes the index";
    }

    @Override
    public Class<? extends TaskCatalog> catalog() {
        return PhotoImportTasks.class;
    }

    /** One timed run per worker count: an import at the default size takes seconds. */
    @Override
    public int defaultRepeats() {
        return 1;
    }

    /** Three steps per photo and the index. */
    @Override
    public int taskCount() {
        return 3 * photos.size() + 1;
    }

    /**
     * Imports the photos on {@code app}'s workers and waits for the index.
     *
     * @param progress told how many thumbnails have appeared in the library, from the calling thread
     * @throws UncheckedIOException             when the library's folder cannot be created
     * @throws dev.amdahl.TaskFailedException when a step fails for a reason other than its photo (the library
     *                                        cannot be written, say); a photo that cannot be read is skipped
     */
    public Import importAll(Amdahl app, JobProgress progress) {
        PhotoImport.createLibrary(library);
        Instant started = Instant.now().truncatedTo(ChronoUnit.SECONDS); // file times may have whole seconds only
        long start = System.nanoTime();
        List<Signature<ImportedPhoto>> chains = photos.stream()
                .map(p -> PhotoImportTasks.metadata(app).sig(new PhotoToImport(p.toString(), library.toString()))
                        .then(PhotoImportTasks.copy(app))
                        .then(PhotoImportTasks.thumbnail(app)))
                .toList();
        TaskFuture<PhotoIndex.Summary> index = app.group(chains).then(PhotoImportTasks.index(app).sig()).submit();
        double submitSeconds = (System.nanoTime() - start) / 1e9;
        long deadline = start + IMPORT_TIMEOUT.toNanos();
        PhotoIndex.Summary summary = null;
        progress.update(0, photos.size());
        while (summary == null) {
            try {
                summary = index.result(PROGRESS_POLL);
            } catch (TaskTimeoutException e) {
                if (System.nanoTime() - deadline > 0) {
                    throw e;
                }
                progress.update(Math.min(photos.size(), thumbnailsSince(started)), photos.size());
            }
        }
        Duration wall = Duration.ofNanos(System.nanoTime() - start);
        progress.update(photos.size(), photos.size());
        String text = String.format(Locale.ROOT, "imported %d photos taken on %d days (%d skipped); the library holds %d, index %s",
                summary.imported(), summary.days(), summary.skipped(), summary.libraryPhotos(), summary.index());
        JobStats stats = new JobStats(submitSeconds + summary.indexSeconds(), summary.photoSeconds());
        return new Import(summary, new JobRun(wall, taskCount(), text, stats));
    }

    @Override
    public JobRun run(Amdahl app, JobProgress progress) {
        return importAll(app, progress).run();
    }

    /** How many thumbnails in the library were written at or after {@code since}. */
    private int thumbnailsSince(Instant since) {
        Path thumbnails = library.resolve(PhotoImport.THUMBNAILS);
        if (!Files.isDirectory(thumbnails)) {
            return 0;
        }
        try (Stream<Path> files = Files.walk(thumbnails)) {
            return (int) files.filter(p -> PhotoImport.isPhotoName(p.getFileName().toString()))
                    .filter(p -> writtenSince(p, since)).count();
        } catch (IOException | UncheckedIOException e) {
            return 0; // a folder that changed under the walk: the next look counts again
        }
    }

    private static boolean writtenSince(Path file, Instant since) {
        try {
            return !Files.getLastModifiedTime(file).toInstant().isBefore(since);
        } catch (IOException e) {
            return false;
        }
    }
}
