package dev.amdahl.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.amdahl.Amdahl;
import dev.amdahl.Worker;
import dev.amdahl.WorkerOptions;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Collectors;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(value = 2, unit = TimeUnit.MINUTES)
class PhotoImportTest {

    @TempDir
    Path dir;

    private PhotoImportJob.Import importOnAWorker(PhotoImportJob job, JobProgress progress) {
        try (Amdahl app = Amdahl.builder().include(PhotoImportTasks.class).build();
             Worker worker = app.startWorker(WorkerOptions.builder().concurrency(2).build())) {
            return job.importAll(app, progress);
        }
    }

    @Test
    void photosLandInTheLibraryByTheirExifDateAndTheIndexHasThoseDates() throws Exception {
        List<SamplePhotos.Photo> samples = SamplePhotos.write(dir.resolve("camera"), 10, 320, 240, 3);
        Path library = dir.resolve("library");
        List<Integer> progress = new CopyOnWriteArrayList<>();

        PhotoImportJob.Import done = importOnAWorker(PhotoImportJob.of(dir.resolve("camera"), library), (d, total) -> progress.add(d));

        assertThat(done.summary().imported()).isEqualTo(10);
        assertThat(done.summary().skipped()).isZero();
        assertThat(done.summary().days()).isEqualTo(samples.stream().map(p -> p.capturedAt().toLocalDate()).distinct().count());
        assertThat(done.run().tasks()).isEqualTo(31);
        assertThat(done.run().stats().serialSeconds()).isPositive();
        assertThat(done.run().stats().parallelSeconds()).isPositive();
        assertThat(progress).first().isEqualTo(0);
        assertThat(progress).last().isEqualTo(10);
        assertThat(progress).isSorted();

        Map<String, PhotoIndex.Entry> index = PhotoIndex.read(library).photos().stream()
                .collect(Collectors.toMap(PhotoIndex.Entry::name, Function.identity()));
        assertThat(index).hasSize(10);
        for (SamplePhotos.Photo sample : samples) {
            String name = sample.file().getFileName().toString();
            LocalDateTime taken = sample.capturedAt();
            String day = String.format("%04d/%02d/%02d", taken.getYear(), taken.getMonthValue(), taken.getDayOfMonth());
            PhotoIndex.Entry entry = index.get(name);
            assertThat(entry.capturedAt()).as(name).isEqualTo(taken.toString());
            assertThat(entry.dateSource()).isEqualTo("exif");
            assertThat(entry.camera()).isEqualTo(sample.camera());
            assertThat(entry.path()).isEqualTo(day + "/" + name);
            assertThat(entry.width()).isEqualTo(320);
            assertThat(entry.height()).isEqualTo(240);
            assertThat(library.resolve(entry.path())).hasSameBinaryContentAs(sample.file());
            BufferedImage thumbnail = ImageIO.read(library.resolve(entry.thumbnail()).toFile());
            assertThat(thumbnail.getWidth()).isEqualTo(PhotoImport.THUMBNAIL_SIZE);
            assertThat(thumbnail.getHeight()).isEqualTo(192);
        }
        try (var files = Files.walk(library)) {
            assertThat(files.filter(p -> p.getFileName().toString().endsWith(".tmp"))).as("no temporary file left").isEmpty();
        }
        String firstDay = index.values().iterator().next().capturedAt().substring(0, 10);
        assertThat(PhotoIndex.read(library).search(firstDay)).isNotEmpty().allSatisfy(e -> assertThat(e.capturedAt()).startsWith(firstDay));
        assertThat(PhotoIndex.read(library).photos()).extracting(PhotoIndex.Entry::capturedAt).isSorted();
    }

    @Test
    void aFileThatIsNoImageIsSkippedWithItsReasonAndTheOthersAreImported() throws Exception {
        SamplePhotos.write(dir.resolve("camera"), 3, 64, 48, 1);
        Files.writeString(dir.resolve("camera/broken.jpg"), "these are not the bytes of a JPEG");
        Path library = dir.resolve("library");

        PhotoImportJob.Import done = importOnAWorker(PhotoImportJob.of(dir.resolve("camera"), library), JobProgress.NONE);

        assertThat(done.summary().imported()).isEqualTo(3);
        assertThat(done.summary().skipped()).isEqualTo(1);
        PhotoIndex index = PhotoIndex.read(library);
        assertThat(index.photos()).hasSize(3);
        assertThat(index.skipped()).singleElement().satisfies(s -> {
            assertThat(s.source()).endsWith("broken.jpg");
            assertThat(s.problem()).startsWith("not an image metadata-extractor can read");
        });
    }

    @Test
    void aPhotoWithoutExifIsFiledUnderItsFileTime() throws Exception {
        Path camera = Files.createDirectories(dir.resolve("camera"));
        Path png = camera.resolve("scan.png");
        ImageIO.write(SamplePhotos.landscape(80, 60, 12, 5), "png", png.toFile());
        LocalDateTime modified = LocalDateTime.of(2019, 8, 14, 18, 30, 5);
        Files.setLastModifiedTime(png, FileTime.from(modified.atZone(ZoneId.systemDefault()).toInstant()));
        Path library = dir.resolve("library");

        importOnAWorker(PhotoImportJob.of(camera, library), JobProgress.NONE);

        PhotoIndex.Entry entry = PhotoIndex.read(library).photos().get(0);
        assertThat(entry.dateSource()).isEqualTo("file");
        assertThat(entry.capturedAt()).isEqualTo("2019-08-14T18:30:05");
        assertThat(entry.path()).isEqualTo("2019/08/14/scan.png");
        assertThat(library.resolve(entry.thumbnail())).isRegularFile();
        assertThat(entry.thumbnail()).isEqualTo("thumbnails/2019/08/14/scan.png.jpg");
    }

    @Test
    void importingAgainKeepsOneCopyAndAnotherPhotoOfTheSameNameAndDayGetsItsHashInItsName() throws Exception {
        Path library = dir.resolve("library");
        List<SamplePhotos.Photo> first = SamplePhotos.write(dir.resolve("a"), 2, 64, 48, 9);
        importOnAWorker(PhotoImportJob.of(dir.resolve("a"), library), JobProgress.NONE);
        PhotoImportJob.Import again = importOnAWorker(PhotoImportJob.of(dir.resolve("a"), library), JobProgress.NONE);
        assertThat(again.summary().libraryPhotos()).isEqualTo(2);

        // the same names, dates and cameras (same seed for the dates), other pixels: other photos
        Path other = Files.createDirectories(dir.resolve("b"));
        for (SamplePhotos.Photo p : first) {
            byte[] jpeg = SamplePhotos.withExif(SamplePhotos.jpeg(SamplePhotos.landscape(64, 48, 3, 77)), p.capturedAt(), p.make(), p.model());
            Files.write(other.resolve(p.file().getFileName()), jpeg);
        }
        PhotoImportJob.Import third = importOnAWorker(PhotoImportJob.of(other, library), JobProgress.NONE);

        assertThat(third.summary().libraryPhotos()).isEqualTo(4);
        assertThat(PhotoIndex.read(library).photos()).extracting(PhotoIndex.Entry::name)
                .contains("IMG_0001.jpg", "IMG_0002.jpg")
                .anySatisfy(n -> assertThat(n).matches("IMG_0001-[0-9a-f]{8}\\.jpg"));
    }

    @Test
    void aMessageNamingAFolderThatIsNoLibraryWritesNothingThere() throws Exception {
        SamplePhotos.Photo photo = SamplePhotos.write(dir.resolve("camera"), 1, 32, 24, 2).get(0);
        Path elsewhere = Files.createDirectories(dir.resolve("not-a-library"));
        try (Amdahl app = Amdahl.builder().include(PhotoImportTasks.class).build();
             Worker worker = app.startWorker(WorkerOptions.builder().concurrency(1).build())) {
            var chain = PhotoImportTasks.metadata(app).sig(new PhotoToImport(photo.file().toString(), elsewhere.toString()))
                    .then(PhotoImportTasks.copy(app)).submit();

            assertThatThrownBy(() -> chain.result(java.time.Duration.ofSeconds(30)))
                    .isInstanceOf(dev.amdahl.TaskFailedException.class)
                    .hasMessageContaining("not a photo library: " + elsewhere + " has no .amdahl-photo-library");
        }
        try (var files = Files.list(elsewhere)) {
            assertThat(files).isEmpty();
        }
    }

    @Test
    void aFolderWithoutPhotosOrInsideTheLibraryIsRefusedWithTheReason() throws Exception {
        Path empty = Files.createDirectories(dir.resolve("empty"));
        Path library = Files.createDirectories(dir.resolve("library"));

        assertThatThrownBy(() -> PhotoImportJob.of(empty, library)).hasMessageContaining("no photos in " + empty);
        assertThatThrownBy(() -> PhotoImportJob.of(library, library)).hasMessageContaining("are in the library");
        assertThatThrownBy(() -> PhotoImportJob.of(dir.resolve("nope"), library)).hasMessageContaining("no folder");
        assertThatThrownBy(() -> new PhotoToImport("relative.jpg", library.toString())).hasMessageContaining("absolute");
    }
}
