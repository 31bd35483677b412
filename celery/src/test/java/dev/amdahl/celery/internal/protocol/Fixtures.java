package dev.amdahl.celery.internal.protocol;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/** The Celery 5.2 captures under {@code src/test/resources/celery-5.2} (a copy of {@code shared/fixtures/celery-5.2}). */
public final class Fixtures {

    private static final ObjectMapper MAPPER = new ObjectMapper();

    private Fixtures() {
    }

    public static JsonNode read(String file) {
        try (InputStream in = Fixtures.class.getResourceAsStream("/celery-5.2/" + file)) {
            if (in == null) {
                throw new IllegalStateException("no fixture celery-5.2/" + file + " on the test class path");
            }
            return MAPPER.readTree(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A Redis capture's queue entry, as the bytes kombu pushed. */
    public static byte[] redisEntry(JsonNode message) {
        try {
            return MAPPER.writeValueAsBytes(message);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** An AMQP capture as the wire message the AMQP transport will hand over: application headers, properties, raw body. */
    public static WireMessage amqp(JsonNode capture) {
        ObjectNode props = capture.get("properties").deepCopy();
        ObjectNode headers = (ObjectNode) props.remove("application_headers");
        String contentType = props.remove("content_type").asText();
        String contentEncoding = props.remove("content_encoding").asText();
        props.set("delivery_info", capture.get("delivery_info"));
        return new WireMessage(headers, props, contentType, contentEncoding, capture.get("body").asText().getBytes(StandardCharsets.UTF_8));
    }
}
