package dev.amdahl.internal.wire;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.amdahl.internal.json.Json;
import java.io.IOException;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;

/**
 * Amdahl's native task message: one JSON object,
 * {@code {"amdahl":1,"id":"…","task":"…","args":…,"chunk":false,"retries":0,"eta":"…","expires":"…","group":"…",
 * "workflow":{…},"max_retries":3,"timelimit":[hard,soft]}}. Fields at their default are left out; readers ignore
 * fields they do not know, so a field added later does not break an older worker. {@code timelimit} is in
 * seconds, as Celery writes it, {@code null} for a limit not set.
 *
 * <p>Decoding treats the bytes as hostile: size and nesting are bounded by {@link Json}, every field is
 * type-checked, and a failure says which field is wrong so the dead letter explains itself.
 */
public final class MessageCodec {

    /** The format version this codec writes and reads. */
    public static final int VERSION = 1;

    static final int MAX_ID_LENGTH = 256;
    static final long MAX_TIME_LIMIT_SECONDS = 366L * 24 * 3600;

    private MessageCodec() {
    }

    public static byte[] encode(TaskMessage m) {
        ObjectNode o = Json.mapper().createObjectNode();
        o.put("amdahl", VERSION);
        o.put("id", m.id());
        o.put("task", m.task());
        o.set("args", m.args());
        if (m.chunk()) {
            o.put("chunk", true);
        }
        if (m.retries() != 0) {
            o.put("retries", m.retries());
        }
        if (m.eta() != null) {
            o.put("eta", m.eta().toString());
        }
        if (m.expires() != null) {
            o.put("expires", m.expires().toString());
        }
        if (m.groupId() != null) {
            o.put("group", m.groupId());
        }
        if (m.workflow() != null) {
            o.set("workflow", m.workflow());
        }
        if (m.maxRetries() != null) {
            o.put("max_retries", m.maxRetries());
        }
        if (m.hardTimeLimit() != null || m.softTimeLimit() != null) {
            ArrayNode limits = o.putArray("timelimit");
            addSeconds(limits, m.hardTimeLimit());
            addSeconds(limits, m.softTimeLimit());
        }
        try {
            return Json.mapper().writeValueAsBytes(o);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot encode task message " + m.id(), e);
        }
    }

    /**
     * Decodes a message body.
     *
     * @throws MalformedMessageException saying what is wrong, with the id when it could be read
     */
    public static TaskMessage decode(byte[] body) {
        JsonNode o;
        try {
            o = Json.mapper().readTree(body);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new MalformedMessageException(null, "the body is not JSON (" + e.getOriginalMessage() + ")");
        } catch (IOException e) {
            throw new MalformedMessageException(null, "the body is not JSON (" + e.getMessage() + ")");
        }
        if (o == null || !o.isObject()) {
            throw new MalformedMessageException(null, "the body is not a JSON object");
        }
        JsonNode version = o.get("amdahl");
        if (version == null || !version.canConvertToInt()) {
            throw new MalformedMessageException(null, "the body is not an Amdahl task message (no \"amdahl\" version field)");
        }
        if (version.asInt() != VERSION) {
            throw new MalformedMessageException(null, "message format version " + version.asInt()
                    + " is not supported by this worker (it reads version " + VERSION + ")");
        }
        String id = requiredText(o, "id", null);
        if (id.isEmpty() || id.length() > MAX_ID_LENGTH) {
            throw new MalformedMessageException(null, "the task id must be 1 to " + MAX_ID_LENGTH + " characters");
        }
        String task = requiredText(o, "task", id);
        JsonNode args = o.get("args");
        if (args == null) {
            throw new MalformedMessageException(id, "the message has no \"args\"");
        }
        boolean chunk = o.path("chunk").asBoolean(false);
        if (chunk && !args.isArray()) {
            throw new MalformedMessageException(id, "a chunk message needs an array of arguments");
        }
        JsonNode retries = o.get("retries");
        if (retries != null && (!retries.canConvertToInt() || retries.asInt() < 0)) {
            throw new MalformedMessageException(id, "\"retries\" must be a non-negative integer");
        }
        JsonNode maxRetries = o.get("max_retries");
        if (maxRetries != null && !maxRetries.isNull() && (!maxRetries.canConvertToInt() || maxRetries.asInt() < 0)) {
            throw new MalformedMessageException(id, "\"max_retries\" must be a non-negative integer");
        }
        Duration hard = null;
        Duration soft = null;
        JsonNode limits = o.get("timelimit");
        if (limits != null && !limits.isNull()) {
            if (!limits.isArray() || limits.size() > 2) {
                throw new MalformedMessageException(id, "\"timelimit\" must be an array [hard, soft] of seconds");
            }
            hard = seconds(limits.get(0), id);
            soft = seconds(limits.get(1), id);
        }
        JsonNode workflow = o.get("workflow");
        if (workflow != null && !workflow.isNull() && !workflow.isObject()) {
            throw new MalformedMessageException(id, "\"workflow\" must be an object");
        }
        return new TaskMessage(id, task, args, chunk, retries == null ? 0 : retries.asInt(), instant(o, "eta", id),
                instant(o, "expires", id), optionalText(o, "group", id), workflow == null || workflow.isNull() ? null : workflow,
                maxRetries == null || maxRetries.isNull() ? null : maxRetries.asInt(), soft, hard);
    }

    private static void addSeconds(ArrayNode a, Duration d) {
        if (d == null) {
            a.addNull();
        } else {
            a.add(BigDecimal.valueOf(d.toNanos(), 9).stripTrailingZeros());
        }
    }

    private static Duration seconds(JsonNode v, String id) {
        if (v == null || v.isNull()) {
            return null;
        }
        // a year bounds what a hostile message can ask a watchdog to wait for
        if (!v.isNumber() || !(v.asDouble() > 0) || v.asDouble() > MAX_TIME_LIMIT_SECONDS) {
            throw new MalformedMessageException(id, "a \"timelimit\" entry must be a number of seconds above 0 and at most "
                    + MAX_TIME_LIMIT_SECONDS + ", or null");
        }
        return Duration.ofNanos(v.decimalValue().movePointRight(9).longValue());
    }

    private static String requiredText(JsonNode o, String field, String id) {
        String text = optionalText(o, field, id);
        if (text == null) {
            throw new MalformedMessageException(id, "the message has no \"" + field + "\"");
        }
        return text;
    }

    private static String optionalText(JsonNode o, String field, String id) {
        JsonNode v = o.get(field);
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.isTextual()) {
            throw new MalformedMessageException(id, "\"" + field + "\" must be a string");
        }
        return v.asText();
    }

    private static Instant instant(JsonNode o, String field, String id) {
        String text = optionalText(o, field, id);
        try {
            return text == null ? null : Instant.parse(text);
        } catch (DateTimeParseException e) {
            throw new MalformedMessageException(id, "\"" + field + "\" is not an ISO-8601 instant: " + text);
        }
    }
}
