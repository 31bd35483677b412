package dev.amdahl.celery.internal.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.amdahl.MessageLimits;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.OffsetDateTime;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Strict decoding: each field has the type Celery writes, or the message is refused with a reason naming the task. */
@Timeout(30)
class ProtocolRejectionTest {

    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final JsonNode SIMPLE = Fixtures.read("celery-redis-messages.json").get("simple").get("message");
    private final ProtocolCodec codec = ProtocolCodec.of(MessageLimits.ofDefaults());
    private final KombuEnvelope envelope = KombuEnvelope.of(MessageLimits.ofDefaults());
    private static final String ID = "27fed563-917e-4489-a587-0cd4c36ca8ad";

    private WireMessage simple() {
        return envelope.read(Fixtures.redisEntry(SIMPLE));
    }

    private WireMessage withHeader(String name, JsonNode value) {
        WireMessage m = simple();
        m.headers().set(name, value);
        return m;
    }

    private WireMessage withBody(String body) {
        WireMessage m = simple();
        return new WireMessage(m.headers(), m.properties(), m.contentType(), m.contentEncoding(), body.getBytes(StandardCharsets.UTF_8));
    }

    private void refused(WireMessage m, String reason) {
        assertThatThrownBy(() -> codec.decode(m)).isInstanceOf(MalformedCeleryMessageException.class)
                .hasMessageContaining(reason)
                .satisfies(e -> assertThat(((MalformedCeleryMessageException) e).taskId()).isEqualTo(ID));
    }

    private static JsonNode json(String text) {
        try {
            return MAPPER.readTree(text);
        } catch (Exception e) {
            throw new IllegalArgumentException(e);
        }
    }

    @Test
    void headersOfTheWrongTypeAreRefusedNamingTheHeaderAndTheTask() {
        refused(withHeader("retries", json("\"3\"")), "\"retries\" must be a non-negative integer, was \"3\"");
        refused(withHeader("retries", json("1.5")), "\"retries\" must be a non-negative integer");
        refused(withHeader("retries", json("-1")), "\"retries\" must be a non-negative integer");
        refused(withHeader("group_index", json("true")), "\"group_index\"");
        refused(withHeader("ignore_result", json("\"yes\"")), "\"ignore_result\" must be true or false");
        refused(withHeader("eta", json("\"tomorrow\"")), "\"eta\" is not an ISO-8601 time");
        refused(withHeader("eta", json("\"2026-11-24T12:00:00\"")), "has no UTC offset");
        refused(withHeader("expires", json("5")), "\"expires\" must be a string");
        refused(withHeader("timelimit", json("[60, 50, 40]")), "\"timelimit\" header must be an array [hard, soft]");
        refused(withHeader("timelimit", json("[\"60\", null]")), "timelimit\" header[0] must be a number of seconds");
        refused(withHeader("timelimit", json("[null, 1e12]")), "header[1] must be a number of seconds from 0 to");
        refused(withHeader("root_id", json("{}")), "the \"root_id\" header must be a string");
        refused(withHeader("parent_id", JsonNodeFactory.instance.textNode("x".repeat(257))), "1 to 256 characters");
        refused(withHeader("task", JsonNodeFactory.instance.textNode("t".repeat(201))), "task name of 1 to 200");
        refused(withHeader("argsrepr", json("[]")), "\"argsrepr\" must be a string");
    }

    @Test
    void aBodyOfTheWrongShapeIsRefused() {
        refused(withBody("[[1], {}]"), "the body must be the array [args, kwargs, embed], was an array of 2");
        refused(withBody("{\"args\": []}"), "the body must be the array [args, kwargs, embed], was an object");
        refused(withBody("[{}, {}, {}]"), "\"args\" must be an array");
        refused(withBody("[[], [], {}]"), "\"kwargs\" must be an object");
        refused(withBody("[[], {}, 5]"), "\"embed\" (the body's third element) must be an object");
        refused(withBody("[[], {}, {\"callbacks\": {}}]"), "\"embed.callbacks\" must be an array of signatures");
        refused(withBody("[[], {}, {\"chain\": [{\"args\": []}]}]"), "\"embed.chain[0].task\" is missing");
        refused(withBody("[[], {}, {\"chord\": {\"task\": \"x\", \"immutable\": 1}}]"), "\"embed.chord.immutable\" must be true or false");
        refused(withBody("[[], {}, {\"errbacks\": [{\"task\": \"x\", \"options\": {\"task_id\": 7}}]}]"),
                "\"embed.errbacks[0].options.task_id\" must be a string");
        refused(withBody("[[], {}, {}] trailing"), "the body is not JSON");
        refused(withBody("[[], {}, {}"), "the body is not JSON");
    }

    @Test
    void propertiesOfTheWrongTypeAreRefused() {
        WireMessage m = simple();
        m.properties().put("priority", 256);
        refused(m, "the \"priority\" property must be an integer from 0 to 255, was 256");
        WireMessage n = simple();
        n.properties().put("delivery_info", "fx");
        refused(n, "the \"delivery_info\" property must be an object");
        WireMessage o = simple();
        o.properties().put("expiration", "soon");
        refused(o, "the \"expiration\" property must be a count of milliseconds");
    }

    @Test
    void pickleAndOtherSerializersAreRefusedUnread() {
        WireMessage m = simple();
        WireMessage pickle = new WireMessage(m.headers(), m.properties(), "application/x-python-serialize", "binary", new byte[] {(byte) 0x80, 4});
        refused(pickle, "pickle, which this worker never reads");
        refused(new WireMessage(m.headers(), m.properties(), "application/x-yaml", "utf-8", m.body()), "task_serializer='json'");
        refused(new WireMessage(m.headers(), m.properties(), "application/json", "latin-1", m.body()), "content encoding");
    }

    @Test
    void aMessageOverTheLimitsIsRefusedBeforeItIsBuilt() {
        ProtocolCodec small = ProtocolCodec.of(MessageLimits.builder().maxMessageBytes(128).build());
        String big = "[[\"" + "x".repeat(200) + "\"], {}, {}]";
        assertThatThrownBy(() -> small.decode(withBody(big))).hasMessageContaining(ID)
                .hasMessageContaining("over MessageLimits.maxMessageBytes (128)");
        ProtocolCodec shallow = ProtocolCodec.of(MessageLimits.builder().maxNestingDepth(4).build());
        assertThatThrownBy(() -> shallow.decode(withBody("[[[[[1]]]], {}, {}]"))).hasMessageContaining(ID)
                .hasMessageContaining("over the message limits");
    }

    @Test
    void withoutAnIdHeaderTheReasonSaysSo() {
        WireMessage m = simple();
        m.headers().remove("id");
        assertThatThrownBy(() -> codec.decode(m)).hasMessageContaining("no \"id\" header")
                .satisfies(e -> assertThat(((MalformedCeleryMessageException) e).taskId()).isNull());
        WireMessage n = simple();
        n.headers().removeAll();
        assertThatThrownBy(() -> codec.decode(withBodyOf(n, "[[], {}, {}]"))).hasMessageContaining("neither a protocol 2 message");
    }

    private static WireMessage withBodyOf(WireMessage m, String body) {
        return new WireMessage(m.headers(), m.properties(), m.contentType(), m.contentEncoding(), body.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void protocol1BodiesAreDecodedAsCeleryConvertsThem() {
        WireMessage m = simple();
        m.headers().removeAll();
        CeleryTaskMessage v1 = codec.decode(withBodyOf(m, """
                {"task": "fx.add", "id": "v1-id", "args": [2, 3], "kwargs": {"z": 1}, "retries": 2,
                 "eta": "2026-11-24T21:06:13.083565", "expires": null, "utc": true,
                 "callbacks": [{"task": "fx.add", "args": [1], "kwargs": {}, "options": {}, "subtask_type": null, "immutable": false}],
                 "errbacks": null, "timelimit": [60, 50], "taskset": "g-1", "chord": null}"""));
        assertThat(v1.protocol()).isEqualTo(1);
        assertThat(v1.id()).isEqualTo("v1-id");
        assertThat(v1.headers().rootId()).isEqualTo("v1-id");
        assertThat(v1.headers().retries()).isEqualTo(2);
        assertThat(v1.headers().eta()).isEqualTo(OffsetDateTime.parse("2026-11-24T21:06:13.083565Z"));
        assertThat(v1.headers().group()).isEqualTo("g-1");
        assertThat(v1.headers().hardTimeLimit()).isEqualTo(Duration.ofSeconds(60));
        assertThat(v1.body().kwargs().get("z").asInt()).isEqualTo(1);
        assertThat(v1.body().callbacks()).hasSize(1);
        assertThatThrownBy(() -> codec.decode(withBodyOf(m, "{\"task\": \"fx.add\", \"id\": \"v1-id\", \"args\": {}}")))
                .hasMessageContaining("v1-id").hasMessageContaining("\"args\" must be an array");
        assertThatThrownBy(() -> codec.decode(withBodyOf(m, "{\"task\": \"fx.add\", \"id\": \"v1-id\", \"utc\": false, \"eta\": \"2026-11-24T21:06:13\"}")))
                .hasMessageContaining("has no UTC offset");
    }

    @Test
    void anEncodedMessageOverTheLimitsIsRefusedAtTheSender() {
        ProtocolCodec small = ProtocolCodec.of(MessageLimits.builder().maxMessageBytes(256).build());
        ArrayNode args = JsonNodeFactory.instance.arrayNode().add("x".repeat(300));
        CeleryTaskMessage m = CeleryTaskMessage.newTask("t-big", "fx.add", args, JsonNodeFactory.instance.objectNode(), "fx");
        assertThatThrownBy(() -> small.encode(m)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'fx.add' (id t-big) is refused").hasMessageContaining("maxMessageBytes");
    }

    @Test
    void envelopesOfTheWrongShapeAreRefused() {
        ObjectNode e = SIMPLE.deepCopy();
        e.put("body", "not base64 !!");
        assertThatThrownBy(() -> envelope.read(Fixtures.redisEntry(e))).hasMessageContaining(ID).hasMessageContaining("not base64");
        ObjectNode f = SIMPLE.deepCopy();
        f.put("body", 5);
        assertThatThrownBy(() -> envelope.read(Fixtures.redisEntry(f))).hasMessageContaining("\"body\" must be a string");
        assertThatThrownBy(() -> envelope.read("[1]".getBytes(StandardCharsets.UTF_8))).hasMessageContaining("not a kombu envelope");
    }
}
