package dev.amdahl.cli;

import dev.amdahl.examples.PhotoImportJob;
import dev.amdahl.examples.PhotoIndex;
import dev.amdahl.examples.PhotoLibraryView;
import dev.amdahl.examples.SamplePhotos;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code amdahl demo photos}: imports a folder of photos into a library by capture date, with a live page. */
@Command(name = "photos",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        header = "Import photos into a library by capture date, as a workflow, with a live web page.",
        description = {"Import a folder of photos (without --photos: sample JPEGs it generates, with EXIF capture dates)"
                + " into a library laid out by capture date, YYYY/MM/DD: per photo a chain of tasks reads its EXIF,"
                + " copies it into place and makes its thumbnail; a chord's callback then writes the searchable index,"
                + " index.json. It prints the wall time, photos per second and the serial fraction: the index, which"
                + " waits for the last photo.",
                "With --ui a page on loopback shows the import as it runs, the thumbnails as they appear, and lets you"
                + " browse the photos already in; it is served by threads of its own, so it answers while every"
                + " worker is busy."},
        footer = {
            "",
            "Examples:",
            "  amdahl demo photos --ui",
            "  amdahl demo photos --photos ~/Pictures/camera --library ~/photo-library --workers 4",
            "  amdahl demo photos --broker redis://127.0.0.1:6379 --ui",
            "      (served by 'amdahl worker --broker redis://127.0.0.1:6379' run elsewhere on this machine:"
                    + " the workers read and write the same folders)",
        })
final class DemoPhotosCommand extends CliCommand {

    @Mixin
    DemoOptions demo;

    @Option(names = "--photos", paramLabel = "FOLDER",
            description = "The folder of photos to import (.jpg, .jpeg, .png, subfolders too). Without it, the demo"
                    + " generates --count sample photos into photo-samples beside the library.")
    Path photos;

    @Option(names = "--count", paramLabel = "N", defaultValue = "48",
            description = "How many sample photos to generate without --photos (default: ${DEFAULT-VALUE}).")
    int count;

    @Option(names = "--size", paramLabel = "WxH", converter = Converters.SizeConverter.class, defaultValue = "1024x768",
            description = "The sample photos' size in pixels (default: ${DEFAULT-VALUE}).")
    Converters.Size size;

    @Option(names = {"-o", "--library"}, paramLabel = "FOLDER", defaultValue = "photo-library",
            description = "The library to import into, created if missing; importing the same photo again keeps one"
                    + " copy (default: ${DEFAULT-VALUE}).")
    Path library;

    @Option(names = "--ui", description = "Serve a page on loopback that shows the import live and the library after it.")
    boolean ui;

    @Option(names = "--ui-port", paramLabel = "PORT", defaultValue = "0",
            description = "The page's port on 127.0.0.1 (default: any free one, printed).")
    int uiPort;

    @Option(names = "--ui-linger", paramLabel = "DURATION", converter = Converters.DurationConverter.class,
            description = "How long the page stays up after the import, e.g. 5m or 0s (default: until Ctrl-C).")
    Duration uiLinger;

    @Override
    int execute() throws InterruptedException {
        if (demo.workers != null && demo.workers.size() > 1) {
            throw usageError("--workers " + demo.workers + ": the import runs once, so give one worker count, e.g. --workers "
                    + demo.workers.get(demo.workers.size() - 1));
        }
        if (demo.workers == null && Brokers.isEmbedded(demo.broker)) {
            demo.workers = List.of(Runtime.getRuntime().availableProcessors());
        }
        Path into = library.toAbsolutePath().normalize();
        PhotoImportJob job;
        try {
            job = photos != null ? PhotoImportJob.of(photos, into) : samples(into);
        } catch (IllegalArgumentException | UncheckedIOException e) {
            throw usageError((photos != null ? "--photos " + photos : "--count " + count + " --size " + size) + ": " + e.getMessage());
        }
        PhotoLibraryView view = null;
        if (ui) {
            try {
                view = PhotoLibraryView.start(into, job.photos().size(), uiPort);
            } catch (IllegalArgumentException | UncheckedIOException e) {
                throw usageError("--ui-port " + uiPort + ": " + e.getMessage());
            }
            out().println("watch the import at " + view.uri());
            out().flush();
        }
        try {
            PhotoImportJob.Import[] last = new PhotoImportJob.Import[1];
            new DemoRunner(spec, demo).run(job, (app, progress) -> {
                last[0] = job.importAll(app, progress);
                return last[0].run();
            });
            out().println(last[0].run().summary());
            for (PhotoIndex.Skipped skipped : PhotoIndex.read(into).skipped()) {
                out().println("skipped " + skipped.source() + ": " + skipped.problem());
            }
            if (view != null) {
                linger(view);
            }
        } finally {
            if (view != null) {
                view.close();
            }
        }
        return OK;
    }

    /** The sample photos, written beside the library; the import takes exactly these, whatever else the folder holds. */
    private PhotoImportJob samples(Path into) {
        Path folder = into.resolveSibling("photo-samples");
        List<Path> written = SamplePhotos.write(folder, count, size.width(), size.height(), 1).stream()
                .map(p -> p.file().toAbsolutePath()).toList();
        out().println("generated " + count + " sample photos (" + size + ", EXIF capture dates over 12 days) in " + folder);
        return new PhotoImportJob(written, into);
    }

    private void linger(PhotoLibraryView view) throws InterruptedException {
        if (uiLinger == null) {
            out().println("browse the library at " + view.uri() + " until Ctrl-C");
            out().flush();
            new CountDownLatch(1).await();
        } else if (!uiLinger.isZero()) {
            out().println("browse the library at " + view.uri() + " for " + Durations.format(uiLinger));
            out().flush();
            Thread.sleep(uiLinger.toMillis());
        }
    }
}
