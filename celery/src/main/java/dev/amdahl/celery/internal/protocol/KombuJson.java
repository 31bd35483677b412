package dev.amdahl.celery.internal.protocol;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.JsonSerializer;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.cfg.CoercionAction;
import com.fasterxml.jackson.databind.cfg.CoercionInputShape;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import com.fasterxml.jackson.databind.type.LogicalType;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import dev.amdahl.MessageLimits;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.Base64;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * kombu's JSON, both ways. kombu 5.2 writes {@code datetime}, {@code date}, {@code time}, {@code Decimal} and
 * {@code UUID} as plain strings (a date as midnight, {@code 2026-11-24T00:00:00}; a UTC datetime ending in
 * {@code Z}) and cannot write bytes; kombu 5.3 and later wrap them, {@code {"__type__": "datetime", "__value__":
 * "…"}}, with the markers {@code datetime}, {@code date}, {@code time}, {@code decimal}, {@code uuid} (value
 * {@code {"hex": "…"}}), {@code bytes} (UTF-8 text) and {@code base64}.
 *
 * <p>Reading turns every typed value into the plain form a kombu 5.2 sender would have written for it (bytes
 * become base64 text, which is how Jackson binds a {@code byte[]}), so a task sees one form whichever kombu sent
 * the message. An object with exactly the keys {@code __type__} and {@code __value__} is a typed value, as kombu's
 * own decoder decides; an unknown marker or a value of the wrong shape is refused, naming where it is.
 *
 * <p>Writing uses the {@link Style} of the Python side: {@link Style#PLAIN} is read by every kombu (5.3 reads
 * plain strings as strings), {@link Style#TYPED} gives a kombu 5.3 reader back the Python types.
 */
public final class KombuJson {

    /** How Java values of the types kombu knows are written. */
    public enum Style {
        /** kombu 5.2's plain strings: any kombu reads them, as strings. */
        PLAIN,
        /** kombu 5.3's {@code {"__type__", "__value__"}} objects: a kombu 5.3 reader gets datetime, Decimal, UUID, bytes back. */
        TYPED
    }

    static final String TYPE = "__type__";
    static final String VALUE = "__value__";
    private static final Pattern HEX_UUID = Pattern.compile("[0-9a-fA-F]{32}");
    private static final ObjectMapper PLAIN_WRITER = writer(Style.PLAIN);
    private static final ObjectMapper TYPED_WRITER = writer(Style.TYPED);

    private final MessageLimits limits;
    private final ObjectMapper reader;

    private KombuJson(MessageLimits limits) {
        this.limits = limits;
        this.reader = JsonMapper.builder(JsonFactory.builder()
                        .streamReadConstraints(StreamReadConstraints.builder()
                                .maxDocumentLength(limits.maxMessageBytes())
                                .maxStringLength(limits.maxStringLength())
                                .maxNameLength(limits.maxStringLength())
                                .maxNestingDepth(limits.maxNestingDepth())
                                .maxNumberLength(limits.maxNumberLength())
                                .maxTokenCount(limits.maxTokens())
                                .build())
                        // two "id"s would let two readers see two tasks in one message
                        .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
                        .build())
                .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
                .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
                .build();
    }

    /** A reader within {@code limits}; keep it, it holds a mapper of its own. */
    public static KombuJson of(MessageLimits limits) {
        return new KombuJson(Objects.requireNonNull(limits, "limits"));
    }

    public MessageLimits limits() {
        return limits;
    }

    /**
     * Parses one JSON document within the limits, typed values left as they are.
     *
     * @param what   what the bytes are, for the reason ("the body", "the envelope")
     * @param taskId the task id known so far, or {@code null}
     */
    public JsonNode parse(byte[] json, String what, String taskId) {
        if (json.length > limits.maxMessageBytes()) {
            throw new MalformedCeleryMessageException(taskId, what + " is " + json.length
                    + " bytes, over MessageLimits.maxMessageBytes (" + limits.maxMessageBytes() + ")");
        }
        try (JsonParser p = reader.createParser(json)) {
            JsonNode tree = reader.readTree(p);
            if (tree == null || tree.isMissingNode()) {
                throw new MalformedCeleryMessageException(taskId, what + " is empty");
            }
            return tree;
        } catch (StreamConstraintsException e) {
            throw new MalformedCeleryMessageException(taskId, what + " is over the message limits: " + e.getOriginalMessage()
                    + " (raise them with MessageLimits on the worker, or send less)");
        } catch (JsonProcessingException e) {
            throw new MalformedCeleryMessageException(taskId, what + " is not JSON (" + e.getOriginalMessage() + ")");
        } catch (IOException e) {
            throw new MalformedCeleryMessageException(taskId, what + " cannot be read (" + e.getMessage() + ")");
        }
    }

    /**
     * {@code value} with every kombu typed value replaced by its plain form, a new tree; {@code value} itself is
     * left alone.
     *
     * @param path where {@code value} is in the message, for the reason ("args", "kwargs")
     */
    public static JsonNode plain(JsonNode value, String path, String taskId) {
        if (value.isArray()) {
            ArrayNode out = JsonNodeFactory.instance.arrayNode(value.size());
            for (int i = 0; i < value.size(); i++) {
                out.add(plain(value.get(i), path + "[" + i + "]", taskId));
            }
            return out;
        }
        if (value.isObject()) {
            if (value.size() == 2 && value.has(TYPE) && value.has(VALUE)) {
                return typed(value, path, taskId);
            }
            ObjectNode out = JsonNodeFactory.instance.objectNode();
            for (Map.Entry<String, JsonNode> e : value.properties()) {
                out.set(e.getKey(), plain(e.getValue(), path + "." + e.getKey(), taskId));
            }
            return out;
        }
        return value;
    }

    private static JsonNode typed(JsonNode o, String path, String taskId) {
        JsonNode marker = o.get(TYPE);
        JsonNode v = o.get(VALUE);
        if (!marker.isTextual()) {
            throw bad(taskId, path, "has a " + TYPE + " that is not a string");
        }
        String type = marker.textValue();
        switch (type) {
            case "datetime", "date", "time", "decimal" -> {
                String text = text(v, path, type, taskId);
                try {
                    switch (type) {
                        case "datetime" -> PythonTime.parseDateTime(text);
                        case "date" -> LocalDate.parse(text);
                        case "time" -> LocalTime.parse(text);
                        default -> new BigDecimal(text);
                    }
                } catch (RuntimeException e) {
                    throw bad(taskId, path, "is a kombu " + type + " whose value does not read as one: " + brief(text));
                }
                return TextNode.valueOf(text);
            }
            case "uuid" -> {
                JsonNode hex = v.isObject() && v.size() == 1 ? v.get("hex") : null;
                if (hex == null || !hex.isTextual() || !HEX_UUID.matcher(hex.textValue()).matches()) {
                    throw bad(taskId, path, "is a kombu uuid whose value is not {\"hex\": 32 hex digits}");
                }
                String h = hex.textValue().toLowerCase();
                return TextNode.valueOf(h.substring(0, 8) + "-" + h.substring(8, 12) + "-" + h.substring(12, 16) + "-"
                        + h.substring(16, 20) + "-" + h.substring(20));
            }
            case "bytes" -> {
                return TextNode.valueOf(Base64.getEncoder().encodeToString(text(v, path, type, taskId)
                        .getBytes(StandardCharsets.UTF_8)));
            }
            case "base64" -> {
                String text = text(v, path, type, taskId);
                try {
                    Base64.getDecoder().decode(text);
                } catch (IllegalArgumentException e) {
                    throw bad(taskId, path, "is kombu base64 bytes whose value is not base64");
                }
                return TextNode.valueOf(text);
            }
            default -> throw bad(taskId, path, "is a kombu typed value of type " + brief(type)
                    + ", which this worker does not know (it reads datetime, date, time, decimal, uuid, bytes, base64)");
        }
    }

    private static String text(JsonNode v, String path, String type, String taskId) {
        if (!v.isTextual()) {
            throw bad(taskId, path, "is a kombu " + type + " whose " + VALUE + " is not a string");
        }
        return v.textValue();
    }

    private static MalformedCeleryMessageException bad(String taskId, String path, String what) {
        return new MalformedCeleryMessageException(taskId, "\"" + path + "\" " + what);
    }

    static String brief(String s) {
        return "\"" + (s.length() <= 60 ? s : s.substring(0, 57) + "...") + "\"";
    }

    /** Java values as JSON the Python side of {@code style} reads; a {@code JsonNode} passes unchanged. */
    public static JsonNode toTree(Object value, Style style) {
        return (style == Style.TYPED ? TYPED_WRITER : PLAIN_WRITER).valueToTree(value);
    }

    /** Serializes a tree, which holds no Java values any more, so either style writes it the same. */
    public static byte[] bytes(JsonNode tree) {
        try {
            return PLAIN_WRITER.writeValueAsBytes(tree);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write JSON: " + e.getOriginalMessage(), e);
        }
    }

    /**
     * The mapper that binds plain JSON onto Java types: Celery's plain forms are strings, so a string binds to a
     * {@code BigDecimal} or {@code double} (Python's {@code Decimal}) and to {@code java.time} types; nothing else
     * is coerced ({@code 1.7} is no {@code int}).
     */
    public static ObjectMapper binder() {
        return BINDER;
    }

    private static final ObjectMapper BINDER = binderMapper();

    private static ObjectMapper binderMapper() {
        JsonMapper m = JsonMapper.builder()
                .addModule(new JavaTimeModule())
                .addModule(new com.fasterxml.jackson.datatype.jdk8.Jdk8Module())
                .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
                .disable(DeserializationFeature.ADJUST_DATES_TO_CONTEXT_TIME_ZONE)
                .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
                .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT)
                .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                .build();
        m.coercionConfigDefaults().setCoercion(CoercionInputShape.String, CoercionAction.Fail);
        m.coercionConfigFor(LogicalType.Float).setCoercion(CoercionInputShape.String, CoercionAction.TryConvert);
        m.coercionConfigFor(LogicalType.Textual).setCoercion(CoercionInputShape.String, CoercionAction.TryConvert);
        m.coercionConfigFor(LogicalType.DateTime).setCoercion(CoercionInputShape.String, CoercionAction.TryConvert);
        m.coercionConfigFor(LogicalType.Binary).setCoercion(CoercionInputShape.String, CoercionAction.TryConvert);
        m.coercionConfigFor(LogicalType.OtherScalar).setCoercion(CoercionInputShape.String, CoercionAction.TryConvert);
        m.coercionConfigFor(LogicalType.Enum).setCoercion(CoercionInputShape.String, CoercionAction.TryConvert);
        return m;
    }

    private static ObjectMapper writer(Style style) {
        SimpleModule kombu = new SimpleModule("kombu-" + style.name().toLowerCase());
        boolean typed = style == Style.TYPED;
        kombu.addSerializer(Instant.class, new Scalar<>(typed, "datetime", i -> PythonTime.format(i.atOffset(ZoneOffset.UTC), typed)));
        kombu.addSerializer(OffsetDateTime.class, new Scalar<>(typed, "datetime", t -> PythonTime.format(t, typed)));
        kombu.addSerializer(ZonedDateTime.class, new Scalar<>(typed, "datetime", t -> PythonTime.format(t.toOffsetDateTime(), typed)));
        kombu.addSerializer(LocalDateTime.class, new Scalar<>(typed, "datetime", PythonTime::format));
        // kombu 5.2 writes a date as the datetime of its midnight
        kombu.addSerializer(LocalDate.class, new Scalar<>(typed, "date", d -> typed ? d.toString() : PythonTime.format(d.atStartOfDay())));
        kombu.addSerializer(LocalTime.class, new Scalar<>(typed, "time", PythonTime::format));
        kombu.addSerializer(BigDecimal.class, new Scalar<>(typed, "decimal", BigDecimal::toPlainString));
        kombu.addSerializer(UUID.class, new JsonSerializer<>() {
            @Override
            public void serialize(UUID u, JsonGenerator g, SerializerProvider p) throws IOException {
                if (!typed) {
                    g.writeString(u.toString());
                    return;
                }
                g.writeStartObject();
                g.writeStringField(TYPE, "uuid");
                g.writeObjectFieldStart(VALUE);
                g.writeStringField("hex", u.toString().replace("-", ""));
                g.writeEndObject();
                g.writeEndObject();
            }
        });
        kombu.addSerializer(byte[].class, new Scalar<>(typed, "base64", b -> Base64.getEncoder().encodeToString(b)));
        return JsonMapper.builder()
                .addModule(new JavaTimeModule())
                .addModule(kombu)
                .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
                .disable(SerializationFeature.FAIL_ON_EMPTY_BEANS)
                .build();
    }

    /** A value kombu writes as text: the text itself (plain) or the text under a marker (typed). */
    private static final class Scalar<T> extends JsonSerializer<T> {
        private final boolean typed;
        private final String marker;
        private final java.util.function.Function<T, String> text;

        Scalar(boolean typed, String marker, java.util.function.Function<T, String> text) {
            this.typed = typed;
            this.marker = marker;
            this.text = text;
        }

        @Override
        public void serialize(T value, JsonGenerator g, SerializerProvider p) throws IOException {
            if (!typed) {
                g.writeString(text.apply(value));
                return;
            }
            g.writeStartObject();
            g.writeStringField(TYPE, marker);
            g.writeStringField(VALUE, text.apply(value));
            g.writeEndObject();
        }
    }

    /** Python's datetime text: what {@code isoformat()} writes and what Celery and kombu read. */
    static final class PythonTime {
        private PythonTime() {
        }

        /**
         * {@code isoformat()} of an aware datetime; kombu 5.2 (plain) writes UTC as {@code Z}, Python (typed, and
         * Celery's own eta and expires headers) as {@code +00:00}.
         */
        static String format(OffsetDateTime t, boolean pythonOffset) {
            String offset = t.getOffset().getId();
            if (offset.equals("Z")) {
                offset = pythonOffset ? "+00:00" : "Z";
            }
            return format(t.toLocalDateTime()) + offset;
        }

        /** {@code isoformat()} of a naive datetime: microseconds only when there are any, as Python writes them. */
        static String format(LocalDateTime t) {
            return t.toLocalDate() + "T" + format(t.toLocalTime());
        }

        static String format(LocalTime t) {
            String s = String.format(java.util.Locale.ROOT, "%02d:%02d:%02d", t.getHour(), t.getMinute(), t.getSecond());
            int micros = t.getNano() / 1000;
            return micros == 0 ? s : s + String.format(java.util.Locale.ROOT, ".%06d", micros);
        }

        /** An ISO-8601 datetime with or without an offset; one without is taken as UTC, Celery's default zone. */
        static OffsetDateTime parseDateTime(String text) {
            try {
                return OffsetDateTime.parse(text);
            } catch (RuntimeException withoutOffset) {
                return LocalDateTime.parse(text).atOffset(ZoneOffset.UTC);
            }
        }
    }
}
