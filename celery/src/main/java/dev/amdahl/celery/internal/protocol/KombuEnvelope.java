package dev.amdahl.celery.internal.protocol;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.amdahl.MessageLimits;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.UUID;

/**
 * The envelope kombu's virtual transports (Redis among them) keep a message in: one JSON object per queue entry,
 * {@code {"body": "<base64>", "content-encoding", "content-type", "headers": {…}, "properties": {…,
 * "body_encoding": "base64", "delivery_tag", "delivery_info"}}}. The envelope is parsed within the message limits,
 * so its base64 body (three quarters of its length) is bounded too.
 */
public final class KombuEnvelope {

    private final KombuJson json;

    private KombuEnvelope(KombuJson json) {
        this.json = json;
    }

    public static KombuEnvelope of(MessageLimits limits) {
        return new KombuEnvelope(KombuJson.of(limits));
    }

    /** @throws MalformedCeleryMessageException naming what is wrong, with the {@code id} header when it could be read */
    public WireMessage read(byte[] entry) {
        JsonNode e = json.parse(entry, "the queue entry", null);
        if (!e.isObject()) {
            throw new MalformedCeleryMessageException(null, "the queue entry is not a kombu envelope (a JSON object), was "
                    + ProtocolCodec.describe(e));
        }
        JsonNode headers = e.get("headers");
        JsonNode id = headers != null && headers.isObject() ? headers.get("id") : null;
        String taskId = id != null && id.isTextual() && !id.textValue().isEmpty()
                && id.textValue().length() <= ProtocolCodec.MAX_ID_LENGTH ? id.textValue() : null;
        if (headers != null && !headers.isNull() && !headers.isObject()) {
            throw new MalformedCeleryMessageException(taskId, "the envelope's \"headers\" must be an object");
        }
        JsonNode properties = e.get("properties");
        if (properties != null && !properties.isNull() && !properties.isObject()) {
            throw new MalformedCeleryMessageException(taskId, "the envelope's \"properties\" must be an object");
        }
        ObjectNode props = properties == null || properties.isNull() ? JsonNodeFactory.instance.objectNode() : (ObjectNode) properties;
        JsonNode body = e.get("body");
        if (body == null || !body.isTextual()) {
            throw new MalformedCeleryMessageException(taskId, "the envelope's \"body\" must be a string, was " + ProtocolCodec.describe(body));
        }
        JsonNode encoding = props.get("body_encoding");
        byte[] bytes;
        if (encoding == null || encoding.isNull()) {
            bytes = body.textValue().getBytes(StandardCharsets.UTF_8);
        } else if (encoding.isTextual() && encoding.textValue().equals("base64")) {
            try {
                bytes = Base64.getMimeDecoder().decode(body.textValue());
            } catch (IllegalArgumentException ex) {
                throw new MalformedCeleryMessageException(taskId, "the envelope's body is not base64, as its body_encoding says");
            }
        } else {
            throw new MalformedCeleryMessageException(taskId, "the envelope's body_encoding is " + ProtocolCodec.describe(encoding)
                    + "; kombu writes base64");
        }
        return new WireMessage(headers == null || headers.isNull() ? JsonNodeFactory.instance.objectNode() : (ObjectNode) headers,
                props, text(e.get("content-type"), "content-type", taskId), text(e.get("content-encoding"), "content-encoding", taskId),
                bytes);
    }

    private static String text(JsonNode v, String field, String taskId) {
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.isTextual()) {
            throw new MalformedCeleryMessageException(taskId, "the envelope's \"" + field + "\" must be a string");
        }
        return v.textValue();
    }

    /** The queue entry kombu's Redis transport writes for {@code m}: base64 body, a delivery tag of its own. */
    public static byte[] write(WireMessage m) {
        ObjectNode e = JsonNodeFactory.instance.objectNode();
        e.put("body", Base64.getEncoder().encodeToString(m.body()));
        e.put("content-encoding", m.contentEncoding());
        e.put("content-type", m.contentType());
        e.set("headers", m.headers());
        ObjectNode props = m.properties().deepCopy();
        props.put("body_encoding", "base64");
        if (!props.hasNonNull("delivery_tag")) {
            props.put("delivery_tag", UUID.randomUUID().toString());
        }
        e.set("properties", props);
        return KombuJson.bytes(e);
    }
}
