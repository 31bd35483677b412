package dev.amdahl.celery.internal.result;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.amdahl.MessageLimits;
import dev.amdahl.celery.CeleryArguments;
import dev.amdahl.celery.internal.protocol.CeleryTaskMessage;
import dev.amdahl.celery.internal.protocol.Fixtures;
import dev.amdahl.celery.internal.protocol.KombuEnvelope;
import dev.amdahl.celery.internal.protocol.ProtocolCodec;
import java.math.BigDecimal;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(30)
class ArgumentBindingTest {

    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final JsonNode REDIS = Fixtures.read("celery-redis-messages.json");

    record Add(int x, int y) {
    }

    record Mixed(double x, List<Object> y) {
    }

    record Typed(LocalDateTime at, Map<String, Object> rest) {
    }

    record TypedFields(UUID u, LocalDate d, BigDecimal dec) {
    }

    record WithOptional(int x, Optional<String> label) {
    }

    private static CeleryTaskMessage fixture(String name) {
        return ProtocolCodec.of(MessageLimits.ofDefaults()).decode(KombuEnvelope.of(MessageLimits.ofDefaults())
                .read(Fixtures.redisEntry(REDIS.get(name).get("message"))));
    }

    private static ArrayNode args(String json) throws Exception {
        return (ArrayNode) MAPPER.readTree(json);
    }

    private static ObjectNode kwargs(String json) throws Exception {
        return (ObjectNode) MAPPER.readTree(json);
    }

    @Test
    void positionalArgumentsFillTheComponentsInOrder() {
        CeleryTaskMessage m = fixture("simple");
        assertThat(ArgumentBinding.of(Add.class).bind(m.task(), m.body().args(), m.body().kwargs())).isEqualTo(new Add(2, 3));
    }

    @Test
    void keywordArgumentsFillTheComponentsByName() throws Exception {
        CeleryTaskMessage m = fixture("kwargs_types");
        Mixed bound = ArgumentBinding.of(Mixed.class).bind(m.task(), m.body().args(), m.body().kwargs());
        assertThat(bound.x()).isEqualTo(1.5);
        assertThat(bound.y()).containsExactly(1, "two", null, true, Map.of("k", "v"));
        assertThat(ArgumentBinding.of(Add.class).bind("fx.add", args("[1]"), kwargs("{\"y\": 2}"))).isEqualTo(new Add(1, 2));
    }

    @Test
    void kombu52PlainStringsBindToJavaTypes() {
        CeleryTaskMessage m = fixture("typed_values");
        Typed t = ArgumentBinding.of(Typed.class).bind(m.task(), m.body().args(), m.body().kwargs());
        assertThat(t.at()).isEqualTo(LocalDateTime.of(2026, 11, 24, 12, 0));
        TypedFields f = ArgumentBinding.of(TypedFields.class).bind(m.task(), MAPPER.createArrayNode(), (ObjectNode) m.body().args().get(1));
        assertThat(f.u()).isEqualTo(new UUID(0, 1));
        assertThat(f.d()).isEqualTo(LocalDate.of(2026, 11, 24));   // kombu 5.2 wrote the date as its midnight
        assertThat(f.dec()).isEqualTo(new BigDecimal("1.10"));
    }

    @Test
    void kombu53TypedValuesBindToTheSameJavaTypes() throws Exception {
        TypedFields f = ArgumentBinding.of(TypedFields.class).bind("fx.t", args("""
                [{"__type__": "uuid", "__value__": {"hex": "00000000000000000000000000000001"}},
                 {"__type__": "date", "__value__": "2026-11-24"}, {"__type__": "decimal", "__value__": "1.10"}]"""), kwargs("{}"));
        assertThat(f).isEqualTo(new TypedFields(new UUID(0, 1), LocalDate.of(2026, 11, 24), new BigDecimal("1.10")));
    }

    @Test
    void aMismatchNamesTheParameterAsPythonWould() throws Exception {
        ArgumentBinding<Add> add = ArgumentBinding.of(Add.class);
        assertThatThrownBy(() -> add.bind("fx.add", args("[1]"), kwargs("{}")))
                .isInstanceOf(ArgumentMismatchException.class).hasMessage("fx.add() missing 1 required argument: 'y'");
        assertThatThrownBy(() -> add.bind("fx.add", args("[]"), kwargs("{}")))
                .hasMessage("fx.add() missing 2 required arguments: 'x', 'y'");
        assertThatThrownBy(() -> add.bind("fx.add", args("[1, 2]"), kwargs("{\"z\": 3}")))
                .hasMessage("fx.add() got an unexpected keyword argument 'z' (its parameters are [x, y])");
        assertThatThrownBy(() -> add.bind("fx.add", args("[1, 2, 3]"), kwargs("{}")))
                .hasMessage("fx.add() takes 2 positional arguments but 3 were given");
        assertThatThrownBy(() -> add.bind("fx.add", args("[1, 2]"), kwargs("{\"x\": 3}")))
                .hasMessage("fx.add() got multiple values for argument 'x'");
        assertThatThrownBy(() -> add.bind("fx.add", args("[1.5, 2]"), kwargs("{}")))
                .hasMessageStartingWith("fx.add() argument 'x' (args[0]) does not bind to int");
        assertThatThrownBy(() -> add.bind("fx.add", args("[\"1\", 2]"), kwargs("{}")))
                .hasMessageStartingWith("fx.add() argument 'x' (args[0]) does not bind to int");
        assertThatThrownBy(() -> add.bind("fx.add", args("[null, 2]"), kwargs("{}")))
                .hasMessageStartingWith("fx.add() argument 'x' (args[0]) does not bind to int: None is no int");
    }

    @Test
    void anOptionalComponentMayBeLeftOut() throws Exception {
        assertThat(ArgumentBinding.of(WithOptional.class).bind("t", args("[1]"), kwargs("{}")))
                .isEqualTo(new WithOptional(1, Optional.empty()));
        assertThat(ArgumentBinding.of(WithOptional.class).bind("t", args("[1]"), kwargs("{\"label\": \"a\"}")))
                .isEqualTo(new WithOptional(1, Optional.of("a")));
    }

    @Test
    void aNonRecordTypeTakesExactlyOnePositionalArgument() throws Exception {
        assertThat(ArgumentBinding.of(String.class).bind("t", args("[\"bad input\"]"), kwargs("{}"))).isEqualTo("bad input");
        assertThatThrownBy(() -> ArgumentBinding.of(String.class).bind("t", args("[\"a\", \"b\"]"), kwargs("{}")))
                .hasMessageStartingWith("t() takes exactly 1 positional argument (a String) but was given 2 positional");
    }

    @Test
    void rawArgumentsComeWholeWithTypedValuesUnwrapped() throws Exception {
        CeleryArguments raw = ArgumentBinding.of(CeleryArguments.class).bind("t",
                args("[1, {\"__type__\": \"decimal\", \"__value__\": \"2.5\"}]"), kwargs("{\"k\": true}"));
        assertThat(raw.arg(0).asInt()).isEqualTo(1);
        assertThat(raw.arg(1).asText()).isEqualTo("2.5");
        assertThat(raw.kwarg("k").asBoolean()).isTrue();
        assertThatThrownBy(() -> raw.arg(2)).hasMessageContaining("has 2 positional arguments");
        assertThatThrownBy(() -> raw.kwarg("z")).hasMessageContaining("no keyword argument 'z' (it has [k])");
    }
}
