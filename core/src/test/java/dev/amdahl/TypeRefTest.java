package dev.amdahl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(60)
class TypeRefTest {

    private static final Duration WAIT = Duration.ofSeconds(20);

    record Image(String name, int width) {
    }

    @Test
    void aListOfRecordsComesBackAsRecordsNotMaps() {
        try (Amdahl app = Amdahl.builder().build()) {
            Task<Integer, List<Image>> thumbnails = app.task("album.thumbnails", TypeRef.of(Integer.class),
                    new TypeRef<List<Image>>() { }, n -> List.of(new Image("a", n), new Image("b", n * 2)));
            app.startWorker(WorkerOptions.builder().concurrency(1).build());

            List<Image> images = thumbnails.submit(100).result(WAIT);

            assertThat(images).containsExactly(new Image("a", 100), new Image("b", 200));
            assertThat(images.get(0)).isInstanceOf(Image.class);
        }
    }

    @Test
    void aGenericArgumentDecodesIntoItsType() {
        try (Amdahl app = Amdahl.builder().eager(true).build()) {
            Task<Map<String, Image>, Integer> widest = app.task("album.widest", new TypeRef<Map<String, Image>>() { },
                    TypeRef.of(Integer.class), m -> m.values().stream().mapToInt(Image::width).max().orElse(0));

            assertThat(widest.submit(Map.of("x", new Image("x", 3), "y", new Image("y", 7))).result(WAIT)).isEqualTo(7);
        }
    }

    @Test
    void aTypeRefWithoutItsTypeArgumentIsRefusedSayingHowToMakeOne() {
        assertThatThrownBy(() -> new TypeRef() { }).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("new TypeRef<List<Image>>() { }");
    }

    @Test
    void typeRefsOfTheSameTypeAreEqual() {
        assertThat(new TypeRef<List<Image>>() { }).isEqualTo(new TypeRef<List<Image>>() { });
        assertThat(TypeRef.of(String.class).type()).isEqualTo(String.class);
    }
}
