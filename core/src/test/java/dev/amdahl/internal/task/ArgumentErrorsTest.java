package dev.amdahl.internal.task;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.JsonNode;
import dev.amdahl.internal.json.Json;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Issue 13, item 10: an argument that does not bind names the unknown and missing fields and the field of the wrong
 * kind, never Jackson's settings ("set DeserializationFeature...") or internals ("Creator").
 */
@Timeout(10)
class ArgumentErrorsTest {

    record Chunk(long seed, long samples) {
    }

    record Labelled(String label, Integer count) {
    }

    static final class Bean {
        public int size;
    }

    private static String describe(String json, Class<?> type) throws Exception {
        JsonNode args = Json.mapper().readTree(json);
        JavaType javaType = Json.mapper().constructType(type);
        Throwable failure = catchThrowable(() -> Json.mapper().convertValue(args, javaType));
        assertThat(failure).as("%s does not bind to %s", json, type.getSimpleName()).isNotNull();
        String message = ArgumentErrors.describe(args, javaType, failure);
        assertThat(message).doesNotContain("Feature", "Creator", "`", "set ");
        return message;
    }

    @Test
    void aMisspeltFieldIsUnknownAndTheFieldsItMeantAreMissing() throws Exception {
        assertThat(describe("{\"sampls\": 10}", Chunk.class))
                .isEqualTo("unknown field 'sampls'; missing fields 'seed', 'samples' (its fields: seed, samples)");
    }

    @Test
    void aMissingOrNullPrimitiveFieldIsMissing() throws Exception {
        assertThat(describe("{\"seed\": 1}", Chunk.class)).isEqualTo("missing field 'samples' (its fields: seed, samples)");
        assertThat(describe("{\"seed\": 1, \"samples\": null}", Chunk.class))
                .isEqualTo("missing field 'samples' (its fields: seed, samples)");
    }

    @Test
    void aFieldOfTheWrongKindIsNamedWithWhatItHolds() throws Exception {
        assertThat(describe("{\"seed\": \"one\", \"samples\": 5}", Chunk.class))
                .isEqualTo("field 'seed': expected a whole number, got a string (\"one\")");
        assertThat(describe("{\"label\": \"x\", \"count\": 1.5}", Labelled.class))
                .isEqualTo("field 'count': expected a whole number, got the number 1.5");
    }

    @Test
    void aValueWhereAnObjectBelongsSaysWhichFieldsTheObjectHas() throws Exception {
        assertThat(describe("\"x\"", Chunk.class))
                .isEqualTo("expected an object with the fields seed, samples, got a string (\"x\")");
        assertThat(describe("[1, 2]", Chunk.class)).isEqualTo("expected an object with the fields seed, samples, got an array");
    }

    @Test
    void anUnknownFieldOfABeanListsTheKnownOnes() throws Exception {
        assertThat(describe("{\"sise\": 3}", Bean.class)).isEqualTo("unknown field 'sise' (its fields: size)");
    }

    @Test
    void aListOfTheWrongElementsNamesTheIndex() throws Exception {
        JsonNode args = Json.mapper().readTree("[1, \"two\"]");
        JavaType type = Json.mapper().getTypeFactory().constructCollectionType(List.class, Integer.class);
        Throwable failure = catchThrowable(() -> Json.mapper().convertValue(args, type));

        assertThat(ArgumentErrors.describe(args, type, failure)).isEqualTo("field '1': expected a whole number, got a string (\"two\")");
    }
}
