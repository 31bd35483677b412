package dev.amdahl.internal.wire;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.JsonNode;
import dev.amdahl.MessageLimits;
import java.io.IOException;

/**
 * The task id of a message that does not decode, so that its caller can be told why instead of waiting.
 *
 * <p>Only an unambiguous id counts: one top-level {@code "id"} string of an allowed length. Two {@code "id"}s
 * give none, since either could be the one a caller waits on. The scan streams over the top-level fields,
 * skipping their values without building them, so it costs no more memory than the body already takes, and it
 * stops at the end of the first JSON value, whatever follows.
 */
final class IdSalvage {

    private IdSalvage() {
    }

    /** The id in a decoded message object, or {@code null}. */
    static String id(JsonNode o) {
        JsonNode id = o.get("id");
        return id != null && id.isTextual() && allowed(id.textValue()) ? id.textValue() : null;
    }

    /** The id of a body that did not decode, or {@code null}. */
    static String id(byte[] body, MessageLimits limits) {
        // duplicates are allowed here: the scan itself looks for a second "id"
        JsonFactory lenient = JsonFactory.builder().streamReadConstraints(StreamReadConstraints.builder()
                .maxStringLength(limits.maxStringLength())
                .maxNameLength(limits.maxStringLength())
                .maxNestingDepth(limits.maxNestingDepth())
                .maxNumberLength(limits.maxNumberLength())
                .build()).build();
        String found = null;
        try (JsonParser p = lenient.createParser(body)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                return null;
            }
            for (JsonToken t = p.nextToken(); t == JsonToken.FIELD_NAME; t = p.nextToken()) {
                boolean isId = "id".equals(p.currentName());
                JsonToken value = p.nextToken();
                if (isId) {
                    if (found != null || value != JsonToken.VALUE_STRING) {
                        return null;
                    }
                    found = p.getText();
                    if (!allowed(found)) {
                        return null;
                    }
                } else {
                    p.skipChildren();
                }
            }
        } catch (IOException | RuntimeException e) {
            // the body breaks off: the id read before the break, if any, is still the only one
        }
        return found;
    }

    private static boolean allowed(String id) {
        return !id.isEmpty() && id.length() <= MessageCodec.MAX_ID_LENGTH;
    }
}
