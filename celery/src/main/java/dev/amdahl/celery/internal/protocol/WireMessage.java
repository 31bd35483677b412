package dev.amdahl.celery.internal.protocol;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Objects;

/**
 * A Celery message as a transport hands it over, before the protocol is read: kombu's headers and properties,
 * the content type and encoding, and the body's bytes (already out of any transport encoding such as the
 * Redis envelope's base64). Over Redis it comes from {@link KombuEnvelope}; over AMQP the headers are the
 * application headers table and the properties the basic properties.
 *
 * @param headers         the message headers (protocol 2 keeps the task's metadata here; protocol 1 none)
 * @param properties      kombu's properties: {@code correlation_id}, {@code reply_to}, {@code priority},
 *                        {@code delivery_info}, {@code delivery_tag}, {@code delivery_mode}, {@code body_encoding}
 * @param contentType     e.g. {@code application/json}
 * @param contentEncoding e.g. {@code utf-8}
 * @param body            the serialized body
 */
public record WireMessage(ObjectNode headers, ObjectNode properties, String contentType, String contentEncoding, byte[] body) {

    public WireMessage {
        Objects.requireNonNull(headers, "headers");
        Objects.requireNonNull(properties, "properties");
        Objects.requireNonNull(body, "body");
    }
}
