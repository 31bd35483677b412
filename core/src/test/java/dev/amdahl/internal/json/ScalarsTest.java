package dev.amdahl.internal.json;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/** Every answer the fast paths give is the mapper's own; what they leave alone, the mapper answers. */
class ScalarsTest {

    private static final List<Class<?>> TYPES = List.of(Integer.class, int.class, Long.class, long.class, String.class,
            Boolean.class, boolean.class, Double.class, Object.class);

    @Provide
    Arbitrary<Object> values() {
        return Arbitraries.oneOf(Arbitraries.integers(), Arbitraries.longs(), Arbitraries.strings().ofMaxLength(20),
                Arbitraries.of(true, false), Arbitraries.doubles(), Arbitraries.of((short) 3, 1.5f, List.of(1, 2)),
                Arbitraries.longs().between(Integer.MIN_VALUE - 10L, Integer.MAX_VALUE + 10L));
    }

    @Provide
    Arbitrary<String> texts() {
        return Arbitraries.oneOf(Arbitraries.longs().map(String::valueOf), Arbitraries.integers().map(String::valueOf),
                Arbitraries.of("-0", "00", "01", "-", "", " 1", "1 ", "1.0", "1e3", "true", "false", "null", "\"7\"", "+1",
                        "9223372036854775807", "9223372036854775808", "-9223372036854775808", "2147483648", "-2147483649",
                        "123456789012345678", "1234567890123456789", "TRUE"));
    }

    @Property(tries = 1_000)
    void toTreeIsValueToTree(@ForAll("values") Object value) {
        JsonNode fast = Scalars.toTree(value);
        if (fast != null) {
            JsonNode mapper = Json.mapper().valueToTree(value);
            assertThat(fast).isEqualTo(mapper);
            assertThat(fast.getClass()).isEqualTo(mapper.getClass());
        }
    }

    @Property(tries = 1_000)
    void toJsonIsWriteValueAsString(@ForAll("values") Object value) throws Exception {
        String fast = Scalars.toJson(value);
        if (fast != null) {
            assertThat(fast).isEqualTo(Json.mapper().writeValueAsString(value));
        }
    }

    @Property(tries = 1_000)
    void fromTreeIsConvertValue(@ForAll("values") Object value) {
        JsonNode node = Json.mapper().valueToTree(value);
        for (Class<?> type : TYPES) {
            JavaType t = Json.mapper().constructType(type);
            Object fast = Scalars.fromTree(node, t);
            if (fast != Scalars.NONE) {
                assertThat(fast).isEqualTo(Json.mapper().convertValue(node, t));
            }
        }
    }

    @Property(tries = 1_000)
    void fromJsonIsReadValue(@ForAll("texts") String json) {
        for (Class<?> type : TYPES) {
            JavaType t = Json.mapper().constructType(type);
            Object fast = Scalars.fromJson(json, t);
            if (fast != Scalars.NONE) {
                Object mapper;
                try {
                    mapper = Json.mapper().readValue(json, t);
                } catch (Exception e) {
                    throw new AssertionError("the fast path read " + json + " as " + fast + " where the mapper refuses it", e);
                }
                assertThat(fast).isEqualTo(mapper);
            }
        }
    }
}
