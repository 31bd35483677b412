package dev.amdahl.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.drew.imaging.ImageMetadataReader;
import com.drew.metadata.exif.ExifSubIFDDirectory;
import dev.amdahl.examples.PhotoIndex;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(value = 3, unit = TimeUnit.MINUTES)
class DemoPhotosCommandTest {

    @TempDir
    Path dir;

    @Test
    void itImportsTheSamplesItGeneratesIntoALibraryByTheirExifDatesAndIndexesThem() throws Exception {
        Path library = dir.resolve("lib");

        Cli.Result r = Cli.run("demo", "photos", "--count", "6", "--size", "160x120", "--library", library.toString(),
                "--workers", "2", "--ui", "--ui-linger", "0s");

        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(r.out()).contains("generated 6 sample photos (160x120, EXIF capture dates over 12 days) in " + dir.resolve("photo-samples"))
                .containsPattern("watch the import at http://127\\.0\\.0\\.1:\\d+/")
                .contains("photo import, 6 photos into " + library)
                .containsPattern(Cli.timingRow(2))
                .containsPattern("(?m)^serial fraction S = [01]\\.\\d{4}, Amdahl ceiling")
                .contains("imported 6 photos taken on ")
                .doesNotContain("speedup is against");
        Map<String, PhotoIndex.Entry> index = PhotoIndex.read(library).photos().stream()
                .collect(Collectors.toMap(PhotoIndex.Entry::name, Function.identity()));
        List<Path> samples;
        try (Stream<Path> files = Files.list(dir.resolve("photo-samples"))) {
            samples = files.sorted().toList();
        }
        assertThat(samples).hasSize(6);
        for (Path sample : samples) {
            // read back with the library's own EXIF reader, apart from the import: the dates the camera wrote
            String exif = ImageMetadataReader.readMetadata(sample.toFile()).getFirstDirectoryOfType(ExifSubIFDDirectory.class)
                    .getString(ExifSubIFDDirectory.TAG_DATETIME_ORIGINAL);
            LocalDateTime taken = LocalDateTime.parse(exif, DateTimeFormatter.ofPattern("yyyy:MM:dd HH:mm:ss"));
            PhotoIndex.Entry entry = index.get(sample.getFileName().toString());
            assertThat(entry.capturedAt()).isEqualTo(taken.toString());
            assertThat(entry.path()).startsWith(String.format("%04d/%02d/%02d/", taken.getYear(), taken.getMonthValue(), taken.getDayOfMonth()));
            assertThat(library.resolve(entry.path())).hasSameBinaryContentAs(sample);
            assertThat(library.resolve(entry.thumbnail())).isRegularFile();
        }
    }

    @Test
    void aFolderOfPhotosIsImportedAsItIsAndABadOneIsAUsageError() throws Exception {
        Path camera = Files.createDirectories(dir.resolve("camera"));
        Cli.Result empty = Cli.run("demo", "photos", "--photos", camera.toString(), "--library", dir.resolve("lib").toString());
        Cli.Result workers = Cli.run("demo", "photos", "--workers", "1,2", "--library", dir.resolve("lib").toString());

        assertThat(empty.exitCode()).isEqualTo(2);
        assertThat(empty.err()).contains("--photos " + camera + ": no photos in " + camera).doesNotContain("\tat ");
        assertThat(workers.exitCode()).isEqualTo(2);
        assertThat(workers.err()).contains("the import runs once, so give one worker count");
    }
}
