package dev.amdahl.celery.internal.protocol;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.amdahl.MessageLimits;
import dev.amdahl.celery.internal.protocol.CeleryTaskMessage.Body;
import dev.amdahl.celery.internal.protocol.CeleryTaskMessage.Headers;
import dev.amdahl.celery.internal.protocol.CeleryTaskMessage.Properties;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Celery's task message protocol: version 2 read and written, version 1 read (and converted, as Celery's worker
 * converts it).
 *
 * <pre>
 * headers    {"lang", "task", "id", "root_id", "parent_id", "group", "group_index", "eta", "expires", "retries",
 *             "timelimit": [hard, soft], "argsrepr", "kwargsrepr", "origin", "shadow", "ignore_result", …}
 * properties {"correlation_id", "reply_to", "priority", "delivery_info": {"exchange", "routing_key"}, "delivery_tag", …}
 * body       [args, kwargs, {"callbacks": [sig…], "errbacks": [sig…], "chain": [sig…] (reversed), "chord": sig}]
 * body (v1)  {"task", "id", "args", "kwargs", "retries", "eta", "expires", "utc", "callbacks", "errbacks",
 *             "timelimit", "taskset", "chord"}
 * </pre>
 *
 * <p>Invariants of decoding, which treats every message as hostile:
 * <ul>
 *   <li>The body is parsed within the {@link MessageLimits} before anything else is built from it; only JSON
 *       bodies are read: a pickle body is refused unread, since reading it would run code the sender chose.</li>
 *   <li>Every field read has the type Celery writes: {@code "3"} is no retry count, {@code 1.5} no group
 *       index, a time without a UTC offset no ETA (Celery would read it in its worker's local zone).</li>
 *   <li>Every failure is a {@link MalformedCeleryMessageException} naming the field, with the task id whenever
 *       one unambiguous id was read (the {@code id} header, or the v1 body's {@code id}).</li>
 *   <li>{@link #encode} writes what {@link #decode} reads back to an equal message, and refuses, naming the
 *       limit, a message that a reader with the same limits would refuse.</li>
 * </ul>
 */
public final class ProtocolCodec {

    static final int MAX_ID_LENGTH = 256;
    static final int MAX_TASK_NAME_LENGTH = 200;
    static final long MAX_TIME_LIMIT_SECONDS = 366L * 24 * 3600;
    /** What the worker shows of the arguments when the sender gave no repr: Celery's own default bound. */
    static final int REPR_MAX_LENGTH = 1024;

    private static final Set<String> KNOWN_HEADERS = Set.of("lang", "task", "id", "root_id", "parent_id", "group",
            "group_index", "eta", "expires", "retries", "timelimit", "argsrepr", "kwargsrepr", "origin", "shadow",
            "ignore_result");

    private final KombuJson json;

    private ProtocolCodec(KombuJson json) {
        this.json = json;
    }

    public static ProtocolCodec of(MessageLimits limits) {
        return new ProtocolCodec(KombuJson.of(limits));
    }

    public MessageLimits limits() {
        return json.limits();
    }

    KombuJson json() {
        return json;
    }

    /**
     * Decodes a message a transport handed over.
     *
     * @throws MalformedCeleryMessageException saying what is wrong, with the task id when it could be read
     */
    public CeleryTaskMessage decode(WireMessage m) {
        String salvaged = salvageId(m.headers().get("id"));
        checkContent(m.contentType(), m.contentEncoding(), salvaged);
        JsonNode task = m.headers().get("task");
        if (task != null && !task.isNull()) {
            return decodeV2(m, salvaged);
        }
        JsonNode body = json.parse(m.body(), "the body", salvaged);
        if (body.isObject() && body.has("task")) {
            return decodeV1(m, (ObjectNode) body);
        }
        throw new MalformedCeleryMessageException(salvaged, "it is neither a protocol 2 message (no \"task\" header) nor a"
                + " protocol 1 one (the body is not an object with a \"task\")");
    }

    private static void checkContent(String type, String encoding, String id) {
        if (type != null && !type.equalsIgnoreCase("application/json")) {
            String reason = switch (type.toLowerCase(Locale.ROOT)) {
                case "application/x-python-serialize" -> "pickle, which this worker never reads: unpickling runs code the"
                        + " sender chooses";
                case "application/x-yaml", "application/x-msgpack", "application/data", "application/text" ->
                        "a serializer this worker does not read";
                default -> "not JSON";
            };
            throw new MalformedCeleryMessageException(id, "its content type is " + KombuJson.brief(type) + ", " + reason
                    + "; send it as JSON (Celery: task_serializer='json', accept_content=['json'])");
        }
        if (encoding != null && !encoding.equalsIgnoreCase("utf-8") && !encoding.equalsIgnoreCase("utf8")) {
            throw new MalformedCeleryMessageException(id, "its content encoding is " + KombuJson.brief(encoding)
                    + "; JSON bodies are read as utf-8");
        }
    }

    private CeleryTaskMessage decodeV2(WireMessage m, String salvaged) {
        ObjectNode h = m.headers();
        String id = id(h.get("id"), "the \"id\" header", null);
        if (id == null) {
            throw new MalformedCeleryMessageException(null, "the message has no \"id\" header");
        }
        String task = taskName(h.get("task"), "the \"task\" header", id);
        JsonNode body = json.parse(m.body(), "the body", id);
        if (!body.isArray() || body.size() != 3) {
            throw new MalformedCeleryMessageException(id, "the body must be the array [args, kwargs, embed], was "
                    + (body.isArray() ? "an array of " + body.size() : describe(body)));
        }
        ArrayNode args = array(body.get(0), "args", id);
        ObjectNode kwargs = object(body.get(1), "kwargs", id);
        JsonNode embed = body.get(2);
        Body decodedBody;
        if (embed.isNull()) {
            decodedBody = new Body(args, kwargs, List.of(), List.of(), List.of(), null);
        } else if (embed.isObject()) {
            List<CelerySignature> chain = signatures(embed.get("chain"), "embed.chain", id);
            List<CelerySignature> inRunOrder = new ArrayList<>(chain.size());
            for (int i = chain.size() - 1; i >= 0; i--) {
                inRunOrder.add(chain.get(i));
            }
            JsonNode chord = embed.get("chord");
            decodedBody = new Body(args, kwargs, signatures(embed.get("callbacks"), "embed.callbacks", id),
                    signatures(embed.get("errbacks"), "embed.errbacks", id), inRunOrder,
                    chord == null || chord.isNull() ? null : signature(chord, "embed.chord", id));
        } else {
            throw new MalformedCeleryMessageException(id, "\"embed\" (the body's third element) must be an object, was "
                    + describe(embed));
        }
        Duration[] limits = timeLimits(h.get("timelimit"), "the \"timelimit\" header", id);
        ObjectNode extra = JsonNodeFactory.instance.objectNode();
        for (Map.Entry<String, JsonNode> e : h.properties()) {
            if (!KNOWN_HEADERS.contains(e.getKey())) {
                extra.set(e.getKey(), e.getValue());
            }
        }
        Headers headers = new Headers(text(h.get("lang"), "lang", id), task, id, id(h.get("root_id"), "the \"root_id\" header", id),
                id(h.get("parent_id"), "the \"parent_id\" header", id), id(h.get("group"), "the \"group\" header", id),
                count(h.get("group_index"), "group_index", id), time(h.get("eta"), "eta", false, id),
                time(h.get("expires"), "expires", false, id), orZero(count(h.get("retries"), "retries", id)), limits[0],
                limits[1], text(h.get("argsrepr"), "argsrepr", id), text(h.get("kwargsrepr"), "kwargsrepr", id),
                text(h.get("origin"), "origin", id), optionalTaskName(h.get("shadow"), "the \"shadow\" header", id),
                bool(h.get("ignore_result"), "ignore_result", id), extra);
        return new CeleryTaskMessage(2, headers, properties(m.properties(), id), decodedBody);
    }

    private CeleryTaskMessage decodeV1(WireMessage m, ObjectNode b) {
        String id = id(b.get("id"), "the body's \"id\"", salvageId(b.get("id")));
        if (id == null) {
            throw new MalformedCeleryMessageException(null, "the protocol 1 body has no \"id\"");
        }
        String task = taskName(b.get("task"), "the body's \"task\"", id);
        JsonNode utc = b.get("utc");
        if (utc != null && !utc.isNull() && !utc.isBoolean()) {
            throw new MalformedCeleryMessageException(id, "\"utc\" must be true or false, was " + describe(utc));
        }
        boolean naiveIsUtc = utc == null || utc.isNull() || utc.booleanValue();
        JsonNode args = b.get("args");
        JsonNode kwargs = b.get("kwargs");
        String group = id(b.get("taskset"), "the body's \"taskset\"", id);
        if (group == null) {
            group = id(b.get("group"), "the body's \"group\"", id);
        }
        Duration[] limits = timeLimits(b.get("timelimit"), "the body's \"timelimit\"", id);
        JsonNode chord = b.get("chord");
        Headers headers = new Headers(null, task, id, id, null, group, count(b.get("group_index"), "group_index", id),
                time(b.get("eta"), "eta", naiveIsUtc, id), time(b.get("expires"), "expires", naiveIsUtc, id),
                orZero(count(b.get("retries"), "retries", id)), limits[0], limits[1], null, null, null, null, false,
                JsonNodeFactory.instance.objectNode());
        Body body = new Body(args == null || args.isNull() ? JsonNodeFactory.instance.arrayNode() : array(args, "args", id),
                kwargs == null || kwargs.isNull() ? JsonNodeFactory.instance.objectNode() : object(kwargs, "kwargs", id),
                signatures(b.get("callbacks"), "callbacks", id), signatures(b.get("errbacks"), "errbacks", id), List.of(),
                chord == null || chord.isNull() ? null : signature(chord, "chord", id));
        return new CeleryTaskMessage(1, headers, properties(m.properties(), id), body);
    }

    private static Properties properties(ObjectNode p, String id) {
        JsonNode info = p.get("delivery_info");
        String exchange = null;
        String routingKey = null;
        if (info != null && !info.isNull()) {
            if (!info.isObject()) {
                throw new MalformedCeleryMessageException(id, "the \"delivery_info\" property must be an object, was " + describe(info));
            }
            exchange = text(info.get("exchange"), "delivery_info.exchange", id);
            routingKey = text(info.get("routing_key"), "delivery_info.routing_key", id);
        }
        JsonNode priority = p.get("priority");
        int pri = 0;
        if (priority != null && !priority.isNull()) {
            if (!priority.isIntegralNumber() || !priority.canConvertToInt() || priority.intValue() < 0 || priority.intValue() > 255) {
                throw new MalformedCeleryMessageException(id, "the \"priority\" property must be an integer from 0 to 255, was "
                        + describe(priority));
            }
            pri = priority.intValue();
        }
        JsonNode tag = p.get("delivery_tag");
        String deliveryTag = null;
        if (tag != null && !tag.isNull()) {
            if (tag.isIntegralNumber()) {
                deliveryTag = tag.asText();
            } else {
                deliveryTag = id(tag, "the \"delivery_tag\" property", id);
            }
        }
        String replyTo = text(p.get("reply_to"), "reply_to", id);
        return new Properties(id(p.get("correlation_id"), "the \"correlation_id\" property", id),
                replyTo == null || replyTo.isEmpty() ? null : replyTo, pri, exchange, routingKey, deliveryTag,
                expiration(p.get("expiration"), id));
    }

    /** kombu writes the milliseconds as text ({@code "3600000"}); AMQP hands them over as text too. */
    private static Long expiration(JsonNode v, String id) {
        if (v == null || v.isNull()) {
            return null;
        }
        String text = v.isIntegralNumber() ? v.asText() : v.isTextual() ? v.textValue() : null;
        if (text == null || !text.matches("[0-9]{1,18}")) {
            throw new MalformedCeleryMessageException(id, "the \"expiration\" property must be a count of milliseconds, was "
                    + describe(v));
        }
        return Long.parseLong(text);
    }

    // ---- encoding

    /**
     * The message as Celery 5.2 writes it (every header present, {@code null} where unset), for a Python worker.
     *
     * @throws IllegalArgumentException naming the task and the limit, when a reader with these limits would refuse it
     */
    public WireMessage encode(CeleryTaskMessage m) {
        Headers h = m.headers();
        ObjectNode headers = JsonNodeFactory.instance.objectNode();
        headers.put("lang", h.lang() == null ? "java" : h.lang());
        headers.put("task", h.task());
        headers.put("id", h.id());
        headers.put("shadow", h.shadow());
        headers.put("eta", h.eta() == null ? null : KombuJson.PythonTime.format(h.eta(), true));
        headers.put("expires", h.expires() == null ? null : KombuJson.PythonTime.format(h.expires(), true));
        headers.put("group", h.group());
        if (h.groupIndex() == null) {
            headers.putNull("group_index");
        } else {
            headers.put("group_index", h.groupIndex());
        }
        headers.put("retries", h.retries());
        ArrayNode limits = headers.putArray("timelimit");
        addSeconds(limits, h.hardTimeLimit());
        addSeconds(limits, h.softTimeLimit());
        headers.put("root_id", h.rootId() == null ? h.id() : h.rootId());
        headers.put("parent_id", h.parentId());
        headers.put("argsrepr", h.argsrepr() == null ? repr(m.body().args()) : h.argsrepr());
        headers.put("kwargsrepr", h.kwargsrepr() == null ? repr(m.body().kwargs()) : h.kwargsrepr());
        headers.put("origin", h.origin());
        headers.put("ignore_result", h.ignoreResult());
        h.extra().properties().forEach(e -> {
            if (!KNOWN_HEADERS.contains(e.getKey())) {
                headers.set(e.getKey(), e.getValue());
            }
        });

        Properties p = m.properties();
        ObjectNode properties = JsonNodeFactory.instance.objectNode();
        properties.put("correlation_id", p.correlationId() == null ? h.id() : p.correlationId());
        properties.put("reply_to", p.replyTo() == null ? "" : p.replyTo());
        properties.put("delivery_mode", 2);
        ObjectNode info = properties.putObject("delivery_info");
        info.put("exchange", p.exchange() == null ? "" : p.exchange());
        info.put("routing_key", p.routingKey());
        properties.put("priority", p.priority());
        if (p.deliveryTag() != null) {
            properties.put("delivery_tag", p.deliveryTag());
        }
        if (p.expirationMillis() != null) {
            properties.put("expiration", p.expirationMillis().toString());
        }

        Body b = m.body();
        ArrayNode body = JsonNodeFactory.instance.arrayNode();
        body.add(b.args());
        body.add(b.kwargs());
        ObjectNode embed = body.addObject();
        embed.set("callbacks", signatureList(b.callbacks()));
        embed.set("errbacks", signatureList(b.errbacks()));
        List<CelerySignature> reversed = new ArrayList<>(b.chain());
        java.util.Collections.reverse(reversed);
        embed.set("chain", signatureList(reversed));
        embed.set("chord", b.chord() == null ? JsonNodeFactory.instance.nullNode() : b.chord().json());
        byte[] bytes = KombuJson.bytes(body);
        try {
            json.parse(bytes, "the body", h.id());
            json.parse(KombuJson.bytes(headers), "the headers", h.id());
        } catch (MalformedCeleryMessageException e) {
            throw new IllegalArgumentException("Celery task '" + h.task() + "' (id " + h.id() + ") is refused: a worker with"
                    + " the same MessageLimits would reject it (" + e.getMessage() + "); pass large data by reference, or"
                    + " raise the limits on the clients and the workers alike", e);
        }
        return new WireMessage(headers, properties, "application/json", "utf-8", bytes);
    }

    private static JsonNode signatureList(List<CelerySignature> list) {
        if (list.isEmpty()) {
            return JsonNodeFactory.instance.nullNode();
        }
        ArrayNode a = JsonNodeFactory.instance.arrayNode(list.size());
        list.forEach(s -> a.add(s.json()));
        return a;
    }

    private static void addSeconds(ArrayNode a, Duration d) {
        if (d == null) {
            a.addNull();
        } else if (d.getNano() == 0) {
            if (d.getSeconds() <= Integer.MAX_VALUE) {
                a.add((int) d.getSeconds());   // an int node, as Python's integer reads back
            } else {
                a.add(d.getSeconds());
            }
        } else {
            a.add(BigDecimal.valueOf(d.toNanos(), 9).stripTrailingZeros().doubleValue());
        }
    }

    private static String repr(JsonNode v) {
        String s = v.toString();
        return s.length() <= REPR_MAX_LENGTH ? s : s.substring(0, REPR_MAX_LENGTH - 3) + "...";
    }

    // ---- field readers: each names its field in the reason

    private static List<CelerySignature> signatures(JsonNode list, String path, String id) {
        if (list == null || list.isNull()) {
            return List.of();
        }
        if (!list.isArray()) {
            throw new MalformedCeleryMessageException(id, "\"" + path + "\" must be an array of signatures, was " + describe(list));
        }
        List<CelerySignature> out = new ArrayList<>(list.size());
        for (int i = 0; i < list.size(); i++) {
            out.add(signature(list.get(i), path + "[" + i + "]", id));
        }
        return out;
    }

    /** A signature of an embed, read as strictly as the message it came in. */
    public static CelerySignature signature(JsonNode s, String path, String id) {
        if (!s.isObject()) {
            throw new MalformedCeleryMessageException(id, "\"" + path + "\" must be a signature object, was " + describe(s));
        }
        String task = taskName(s.get("task"), "\"" + path + ".task\"", id);
        JsonNode args = s.get("args");
        JsonNode kwargs = s.get("kwargs");
        JsonNode options = s.get("options");
        JsonNode immutable = s.get("immutable");
        if (immutable != null && !immutable.isNull() && !immutable.isBoolean()) {
            throw new MalformedCeleryMessageException(id, "\"" + path + ".immutable\" must be true or false, was " + describe(immutable));
        }
        ObjectNode opts = options == null || options.isNull() ? JsonNodeFactory.instance.objectNode() : object(options, path + ".options", id);
        JsonNode taskId = opts.get("task_id");
        if (taskId != null && !taskId.isNull()) {
            id(taskId, "\"" + path + ".options.task_id\"", id);
        }
        return new CelerySignature(task,
                args == null || args.isNull() ? JsonNodeFactory.instance.arrayNode() : array(args, path + ".args", id),
                kwargs == null || kwargs.isNull() ? JsonNodeFactory.instance.objectNode() : object(kwargs, path + ".kwargs", id),
                opts, text(s.get("subtask_type"), path + ".subtask_type", id),
                immutable != null && immutable.isBoolean() && immutable.booleanValue(), (ObjectNode) s);
    }

    private static String salvageId(JsonNode v) {
        return v != null && v.isTextual() && !v.textValue().isEmpty() && v.textValue().length() <= MAX_ID_LENGTH ? v.textValue() : null;
    }

    /** An optional id-like string: 1 to 256 characters. */
    private static String id(JsonNode v, String what, String id) {
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.isTextual() || v.textValue().isEmpty() || v.textValue().length() > MAX_ID_LENGTH) {
            throw new MalformedCeleryMessageException(id, what + " must be a string of 1 to " + MAX_ID_LENGTH
                    + " characters, was " + describe(v));
        }
        return v.textValue();
    }

    private static String taskName(JsonNode v, String what, String id) {
        String name = optionalTaskName(v, what, id);
        if (name == null) {
            throw new MalformedCeleryMessageException(id, what + " is missing");
        }
        return name;
    }

    private static String optionalTaskName(JsonNode v, String what, String id) {
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.isTextual() || v.textValue().isEmpty() || v.textValue().length() > MAX_TASK_NAME_LENGTH) {
            throw new MalformedCeleryMessageException(id, what + " must be a task name of 1 to " + MAX_TASK_NAME_LENGTH
                    + " characters, was " + describe(v));
        }
        return v.textValue();
    }

    private static String text(JsonNode v, String field, String id) {
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.isTextual()) {
            throw new MalformedCeleryMessageException(id, "\"" + field + "\" must be a string, was " + describe(v));
        }
        return v.textValue();
    }

    private static ArrayNode array(JsonNode v, String field, String id) {
        if (v == null || !v.isArray()) {
            throw new MalformedCeleryMessageException(id, "\"" + field + "\" must be an array, was " + describe(v));
        }
        return (ArrayNode) v;
    }

    private static ObjectNode object(JsonNode v, String field, String id) {
        if (v == null || !v.isObject()) {
            throw new MalformedCeleryMessageException(id, "\"" + field + "\" must be an object, was " + describe(v));
        }
        return (ObjectNode) v;
    }

    private static Integer count(JsonNode v, String field, String id) {
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.isIntegralNumber() || !v.canConvertToInt() || v.intValue() < 0) {
            throw new MalformedCeleryMessageException(id, "\"" + field + "\" must be a non-negative integer, was " + describe(v));
        }
        return v.intValue();
    }

    private static int orZero(Integer v) {
        return v == null ? 0 : v;
    }

    private static boolean bool(JsonNode v, String field, String id) {
        if (v == null || v.isNull()) {
            return false;
        }
        if (!v.isBoolean()) {
            throw new MalformedCeleryMessageException(id, "\"" + field + "\" must be true or false, was " + describe(v));
        }
        return v.booleanValue();
    }

    private static OffsetDateTime time(JsonNode v, String field, boolean naiveIsUtc, String id) {
        String text = text(v, field, id);
        if (text == null) {
            return null;
        }
        try {
            return OffsetDateTime.parse(text);
        } catch (DateTimeParseException withoutOffset) {
            LocalDateTime local;
            try {
                local = LocalDateTime.parse(text);
            } catch (DateTimeParseException e) {
                throw new MalformedCeleryMessageException(id, "\"" + field + "\" is not an ISO-8601 time: " + KombuJson.brief(text));
            }
            if (!naiveIsUtc) {
                throw new MalformedCeleryMessageException(id, "\"" + field + "\" (" + KombuJson.brief(text) + ") has no UTC"
                        + " offset, and Celery would read it in its worker's local time zone, which this worker cannot know;"
                        + " send times with an offset (Celery does, with enable_utc or a timezone set)");
            }
            return local.atOffset(ZoneOffset.UTC);
        }
    }

    private static Duration[] timeLimits(JsonNode v, String what, String id) {
        Duration[] out = new Duration[2];
        if (v == null || v.isNull()) {
            return out;
        }
        if (!v.isArray() || v.size() > 2) {
            throw new MalformedCeleryMessageException(id, what + " must be an array [hard, soft] of seconds, was " + describe(v));
        }
        for (int i = 0; i < v.size(); i++) {
            JsonNode s = v.get(i);
            if (s.isNull()) {
                continue;
            }
            // a year bounds what a hostile message can ask a watchdog to wait for
            if (!s.isNumber() || s.doubleValue() < 0 || s.doubleValue() > MAX_TIME_LIMIT_SECONDS) {
                throw new MalformedCeleryMessageException(id, what + "[" + i + "] must be a number of seconds from 0 to "
                        + MAX_TIME_LIMIT_SECONDS + ", or null, was " + describe(s));
            }
            // 0 is how Celery's pool reads "no limit"
            out[i] = s.doubleValue() == 0 ? null : Duration.ofNanos(s.decimalValue().movePointRight(9).longValue());
        }
        return out;
    }

    static String describe(JsonNode v) {
        if (v == null) {
            return "missing";
        }
        if (v.isContainerNode()) {
            return v.isArray() ? "an array" : "an object";
        }
        return v.isTextual() ? KombuJson.brief(v.textValue()) : (v.toString().length() <= 60 ? v.toString() : v.toString().substring(0, 57) + "...");
    }
}
