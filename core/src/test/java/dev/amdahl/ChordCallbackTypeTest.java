package dev.amdahl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** A chord's callback is checked against its header when the chord is built, not when it runs. */
@Timeout(60)
class ChordCallbackTypeTest {

    private static final Duration WAIT = Duration.ofSeconds(20);

    record Image(String name, int width) {
    }

    private final Amdahl app = Amdahl.builder().eager(true).build();
    private final Task<Integer, Image> render = app.task("img.render", Integer.class, Image.class, w -> new Image("i" + w, w));
    private final Task<Integer, Integer> square = app.task("num.square", Integer.class, Integer.class, x -> x * x);

    @AfterEach
    void close() {
        app.close();
    }

    @Test
    void aCallbackTakingAListOfTheMembersResultsRunsWithThem() {
        Task<List<Image>, Integer> widest = app.task("img.widest", new TypeRef<List<Image>>() { }, TypeRef.of(Integer.class),
                images -> images.stream().mapToInt(Image::width).max().orElse(0));

        TaskFuture<Integer> f = app.group(List.of(render.sig(3), render.sig(9))).then(widest.sig()).submit();

        assertThat(f.result(WAIT)).isEqualTo(9);
    }

    @Test
    void numbersFitOneAnother() {
        Task<List<Long>, Long> sum = app.task("num.sum", new TypeRef<List<Long>>() { }, TypeRef.of(Long.class),
                xs -> xs.stream().mapToLong(Long::longValue).sum());

        assertThat(app.group(List.of(square.sig(2), square.sig(3))).then(sum.sig()).submit().result(WAIT)).isEqualTo(13L);
    }

    @Test
    void aCallbackWhoseElementsAreNotTheMembersResultsFailsNamingBoth() {
        Task<List<String>, Integer> names = app.task("img.names", new TypeRef<List<String>>() { }, TypeRef.of(Integer.class),
                List::size);
        GroupSignature<Image> header = app.group(List.of(render.sig(1)));

        assertThatThrownBy(() -> header.then(names.sig()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'img.names' takes java.util.List<java.lang.String>")
                .hasMessageContaining("img.render")
                .hasMessageContaining(Image.class.getName());
    }

    @Test
    void aCallbackThatDoesNotTakeAListFailsSayingHow() {
        GroupSignature<Integer> header = app.group(List.of(square.sig(1)));

        assertThatThrownBy(() -> header.then(square.sig()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'num.square' takes java.lang.Integer")
                .hasMessageContaining("TypeRef");
    }

    @Test
    void aCallbackThatIgnoresTheResultsIsNotChecked() {
        assertThat(app.group(List.of(render.sig(1))).then(square.sig(4).immutable()).submit().result(WAIT)).isEqualTo(16);
    }
}
