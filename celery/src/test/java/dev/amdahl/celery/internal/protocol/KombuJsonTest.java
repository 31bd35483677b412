package dev.amdahl.celery.internal.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.amdahl.MessageLimits;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(30)
class KombuJsonTest {

    private final KombuJson json = KombuJson.of(MessageLimits.ofDefaults());

    private JsonNode parse(String text) {
        return json.parse(text.getBytes(StandardCharsets.UTF_8), "the body", "t-1");
    }

    @Test
    void typedValuesOfKombu53BecomeThePlainFormsOfKombu52() throws Exception {
        JsonNode typed = parse("""
                [{"__type__": "datetime", "__value__": "2026-11-24T12:00:00+00:00"},
                 {"__type__": "date", "__value__": "2026-11-24"},
                 {"__type__": "time", "__value__": "12:30:00.000001"},
                 {"__type__": "decimal", "__value__": "1.10"},
                 {"__type__": "uuid", "__value__": {"hex": "00000000000000000000000000000001"}},
                 {"__type__": "bytes", "__value__": "hé"},
                 {"__type__": "base64", "__value__": "AAEC"},
                 {"nested": [{"__type__": "decimal", "__value__": "2"}]},
                 {"__type__": "decimal", "__value__": "3", "other": 1}]""");
        JsonNode plain = KombuJson.plain(typed, "args", "t-1");
        assertThat(plain.get(0).asText()).isEqualTo("2026-11-24T12:00:00+00:00");
        assertThat(plain.get(1).asText()).isEqualTo("2026-11-24");
        assertThat(plain.get(2).asText()).isEqualTo("12:30:00.000001");
        assertThat(plain.get(3).asText()).isEqualTo("1.10");
        assertThat(plain.get(4).asText()).isEqualTo("00000000-0000-0000-0000-000000000001");
        assertThat(plain.get(5).binaryValue()).isEqualTo("hé".getBytes(StandardCharsets.UTF_8));
        assertThat(plain.get(6).asText()).isEqualTo("AAEC");
        assertThat(plain.get(7).get("nested").get(0).asText()).isEqualTo("2");
        // three keys: not a typed value, as kombu's own object hook decides
        assertThat(plain.get(8).get("other").asInt()).isEqualTo(1);
        assertThat(typed.get(0).isObject()).as("the input is left alone").isTrue();
    }

    @Test
    void anUnknownMarkerOrABadValueIsRefusedNamingWhereItIs() {
        assertThatThrownBy(() -> KombuJson.plain(parse("[1, {\"k\": {\"__type__\": \"pickle\", \"__value__\": \"x\"}}]"), "args", "t-1"))
                .isInstanceOf(MalformedCeleryMessageException.class)
                .hasMessageContaining("t-1").hasMessageContaining("\"args[1].k\"").hasMessageContaining("\"pickle\"");
        assertThatThrownBy(() -> KombuJson.plain(parse("[{\"__type__\": \"datetime\", \"__value__\": \"yesterday\"}]"), "args", "t-1"))
                .hasMessageContaining("\"args[0]\" is a kombu datetime whose value does not read as one");
        assertThatThrownBy(() -> KombuJson.plain(parse("[{\"__type__\": \"uuid\", \"__value__\": \"0000\"}]"), "args", "t-1"))
                .hasMessageContaining("{\"hex\": 32 hex digits}");
        assertThatThrownBy(() -> KombuJson.plain(parse("[{\"__type__\": \"decimal\", \"__value__\": 1.5}]"), "args", "t-1"))
                .hasMessageContaining("whose __value__ is not a string");
    }

    record Values(Instant at, OffsetDateTime aware, LocalDateTime naive, LocalDate day, LocalTime time, BigDecimal amount,
                  UUID id, byte[] data) {
    }

    private static final Values VALUES = new Values(Instant.parse("2026-11-24T12:00:00.123456Z"),
            OffsetDateTime.of(2026, 11, 24, 12, 0, 0, 0, ZoneOffset.ofHours(2)), LocalDateTime.of(2026, 11, 24, 12, 0),
            LocalDate.of(2026, 11, 24), LocalTime.of(12, 30), new BigDecimal("1.10"), new UUID(0, 1), new byte[] {0, 1, 2});

    @Test
    void plainStyleWritesWhatKombu52Writes() {
        JsonNode t = KombuJson.toTree(VALUES, KombuJson.Style.PLAIN);
        assertThat(t.get("at").asText()).isEqualTo("2026-11-24T12:00:00.123456Z");
        assertThat(t.get("aware").asText()).isEqualTo("2026-11-24T12:00:00+02:00");
        assertThat(t.get("naive").asText()).isEqualTo("2026-11-24T12:00:00");
        assertThat(t.get("day").asText()).isEqualTo("2026-11-24T00:00:00");
        assertThat(t.get("time").asText()).isEqualTo("12:30:00");
        assertThat(t.get("amount").asText()).isEqualTo("1.10");
        assertThat(t.get("id").asText()).isEqualTo("00000000-0000-0000-0000-000000000001");
        assertThat(t.get("data").asText()).isEqualTo("AAEC");
    }

    @Test
    void typedStyleWritesKombu53MarkersAndReadsBack() {
        JsonNode t = KombuJson.toTree(VALUES, KombuJson.Style.TYPED);
        assertThat(t.get("at").toString()).isEqualTo("{\"__type__\":\"datetime\",\"__value__\":\"2026-11-24T12:00:00.123456+00:00\"}");
        assertThat(t.get("day").toString()).isEqualTo("{\"__type__\":\"date\",\"__value__\":\"2026-11-24\"}");
        assertThat(t.get("amount").toString()).isEqualTo("{\"__type__\":\"decimal\",\"__value__\":\"1.10\"}");
        assertThat(t.get("id").toString()).isEqualTo("{\"__type__\":\"uuid\",\"__value__\":{\"hex\":\"00000000000000000000000000000001\"}}");
        assertThat(t.get("data").toString()).isEqualTo("{\"__type__\":\"base64\",\"__value__\":\"AAEC\"}");
        Values back = KombuJson.binder().convertValue(KombuJson.plain(t, "args", null), Values.class);
        assertThat(back.at()).isEqualTo(VALUES.at());
        assertThat(back.aware()).isEqualTo(VALUES.aware());
        assertThat(back.day()).isEqualTo(VALUES.day());
        assertThat(back.amount()).isEqualTo(VALUES.amount());
        assertThat(back.id()).isEqualTo(VALUES.id());
        assertThat(back.data()).isEqualTo(VALUES.data());
    }

    @Test
    void limitsAndStrictnessOfTheReader() {
        KombuJson small = KombuJson.of(MessageLimits.builder().maxMessageBytes(64).maxNestingDepth(3).build());
        assertThatThrownBy(() -> small.parse(new byte[65], "the body", "t-9"))
                .hasMessageContaining("t-9").hasMessageContaining("over MessageLimits.maxMessageBytes (64)");
        assertThatThrownBy(() -> small.parse("[[[[1]]]]".getBytes(StandardCharsets.UTF_8), "the body", null))
                .hasMessageContaining("over the message limits");
        assertThatThrownBy(() -> parse("{\"id\": 1, \"id\": 2}")).hasMessageContaining("not JSON").hasMessageContaining("Duplicate");
        assertThatThrownBy(() -> parse("[1] [2]")).hasMessageContaining("not JSON");
        assertThatThrownBy(() -> parse("")).hasMessageContaining("empty");
        assertThat(List.of(parse("1.5").decimalValue())).containsExactly(new BigDecimal("1.5"));
        assertThat(Map.of("k", 1)).isNotEmpty();
    }
}
