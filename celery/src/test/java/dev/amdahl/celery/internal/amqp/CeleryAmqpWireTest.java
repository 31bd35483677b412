package dev.amdahl.celery.internal.amqp;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Envelope;
import com.rabbitmq.client.impl.LongStringHelper;
import dev.amdahl.MessageLimits;
import dev.amdahl.celery.internal.protocol.CeleryTaskMessage;
import dev.amdahl.celery.internal.protocol.Fixtures;
import dev.amdahl.celery.internal.protocol.KombuEnvelope;
import dev.amdahl.celery.internal.protocol.ProtocolCodec;
import dev.amdahl.celery.internal.protocol.WireMessage;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The AMQP captures of Celery 5.2.6 / kombu 5.2.4 ({@code celery-amqp-messages.json}) through the broker's conversion:
 * a delivery with those properties and headers (strings as the AMQP client hands them, long strings) decodes to what
 * the capture decodes to, and a Celery message is published with the capture's headers table and properties.
 */
@Timeout(30)
class CeleryAmqpWireTest {

    private static final JsonNode AMQP_CAPTURES = Fixtures.read("celery-amqp-messages.json");
    private static final ObjectMapper JSON = new ObjectMapper();
    private final ProtocolCodec codec = ProtocolCodec.of(MessageLimits.ofDefaults());

    @ParameterizedTest
    @ValueSource(strings = {"simple", "chain", "countdown_limits_priority"})
    void aCeleryDeliveryDecodesAsItsCapture(String name) {
        JsonNode capture = AMQP_CAPTURES.get(name);
        JsonNode p = capture.get("properties");
        AMQP.BasicProperties props = new AMQP.BasicProperties.Builder()
                .headers(asDelivered(p.get("application_headers")))
                .correlationId(p.get("correlation_id").asText()).replyTo(p.get("reply_to").asText())
                .priority(p.get("priority").asInt()).deliveryMode(p.get("delivery_mode").asInt())
                .contentType(p.get("content_type").asText()).contentEncoding(p.get("content_encoding").asText()).build();
        JsonNode info = capture.get("delivery_info");
        Envelope delivery = new Envelope(7, info.get("redelivered").asBoolean(), info.get("exchange").asText(),
                info.get("routing_key").asText());

        byte[] entry = CeleryAmqpBroker.envelope(delivery, props, capture.get("body").asText().getBytes(StandardCharsets.UTF_8));
        CeleryTaskMessage ours = codec.decode(KombuEnvelope.of(MessageLimits.ofDefaults()).read(entry));
        CeleryTaskMessage theirs = codec.decode(Fixtures.amqp(capture));

        assertThat(ours.headers()).isEqualTo(theirs.headers());
        assertThat(ours.body()).isEqualTo(theirs.body());
        assertThat(ours.properties().correlationId()).isEqualTo(theirs.properties().correlationId());
        assertThat(ours.properties().replyTo()).isEqualTo(theirs.properties().replyTo());
        assertThat(ours.properties().priority()).isEqualTo(theirs.properties().priority());
        assertThat(ours.properties().routingKey()).isEqualTo("fxa");
        assertThat(ours.properties().exchange()).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"simple", "chain", "countdown_limits_priority"})
    void aCeleryMessageIsPublishedWithItsCapturesHeadersTableAndProperties(String name) {
        JsonNode capture = AMQP_CAPTURES.get(name);
        JsonNode p = capture.get("properties");
        WireMessage wire = Fixtures.amqp(capture);

        AMQP.BasicProperties props = CeleryAmqpBroker.properties(wire, p.get("priority").asInt(), null);

        assertThat(JSON.valueToTree(props.getHeaders()).equals(p.get("application_headers"))).as("%s", props.getHeaders()).isTrue();
        assertThat(props.getCorrelationId()).isEqualTo(p.get("correlation_id").asText());
        assertThat(props.getReplyTo()).isEqualTo(p.get("reply_to").asText());
        assertThat(props.getPriority()).isEqualTo(p.get("priority").asInt());
        assertThat(props.getDeliveryMode()).isEqualTo(2);
        assertThat(props.getContentType()).isEqualTo("application/json");
        assertThat(props.getContentEncoding()).isEqualTo("utf-8");
    }

    /** A JSON headers table as the AMQP client delivers it: text as long strings, numbers as integers. */
    private static Map<String, Object> asDelivered(JsonNode headers) {
        Map<String, Object> m = new LinkedHashMap<>();
        headers.fields().forEachRemaining(e -> m.put(e.getKey(), value(e.getValue())));
        return m;
    }

    private static Object value(JsonNode v) {
        if (v.isNull()) {
            return null;
        }
        if (v.isTextual()) {
            return LongStringHelper.asLongString(v.textValue());
        }
        if (v.isBoolean()) {
            return v.booleanValue();
        }
        if (v.isInt()) {
            return v.intValue();
        }
        if (v.isArray()) {
            List<Object> l = new ArrayList<>();
            v.forEach(x -> l.add(value(x)));
            return l;
        }
        if (v.isObject()) {
            return asDelivered(v);
        }
        return v.numberValue();
    }
}
