package dev.amdahl.internal.wire;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.util.ByteArrayBuilder;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.amdahl.MessageLimits;
import dev.amdahl.internal.json.Instants;
import dev.amdahl.internal.json.Json;
import dev.amdahl.observe.TraceContext;
import java.io.IOException;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Objects;

/**
 * Amdahl's native task message: one JSON object,
 * {@code {"amdahl":1,"id":"…","task":"…","args":…,"chunk":false,"retries":0,"eta":"…","expires":"…","group":"…",
 * "workflow":{…},"max_retries":3,"timelimit":[hard,soft],"sent":"…","traceparent":"…","tracestate":"…"}}. Fields at
 * their default are left out; readers ignore fields they do not know, so a field added later does not break an older
 * worker, and every field added later is optional, so an older client's messages still decode. {@code timelimit} is in
 * seconds, as Celery writes it, {@code null} for a limit not set. {@code sent} is the publish time (an ISO-8601
 * instant), from which a worker counts the queue wait; {@code traceparent} and {@code tracestate} are the W3C trace
 * context of the submitter ({@link TraceContext}), validated as that format defines them.
 *
 * <p>Decoding treats the bytes as hostile. Invariants:
 * <ul>
 *   <li>What one message may cost is bounded by its {@link MessageLimits} before the cost is paid: the byte
 *       count is checked before parsing, and the parser stops at the first string, number, depth or token
 *       count over its limit, so a decoded tree never holds more than {@code maxTokens} nodes.</li>
 *   <li>A body is exactly one JSON object with each key once, and every field has the type it claims:
 *       {@code 1.7} is not an integer, {@code "yes"} not a boolean.</li>
 *   <li>Every failure is a {@link MalformedMessageException} whose reason names the field or the limit, and
 *       carries the task id whenever one unambiguous id can be read, so that its caller hears the reason.</li>
 *   <li>{@link #encodeChecked} refuses exactly what {@link #read} with the same limits would refuse for being
 *       over a limit: both run the same reader over the same bytes.</li>
 * </ul>
 */
public final class MessageCodec {

    /** The format version this codec writes and reads. */
    public static final int VERSION = 1;

    static final int MAX_ID_LENGTH = 256;
    static final int MAX_TASK_NAME_LENGTH = 200;
    static final long MAX_TIME_LIMIT_SECONDS = 366L * 24 * 3600;

    private static final MessageCodec DEFAULT = new MessageCodec(MessageLimits.ofDefaults());
    private static final MessageCodec TRUSTED = new MessageCodec(MessageLimits.builder()
            .maxMessageBytes(MessageLimits.MAX_MESSAGE_BYTES).maxStringLength(MessageLimits.MAX_MESSAGE_BYTES)
            .maxNestingDepth(MessageLimits.MAX_NESTING_DEPTH).maxNumberLength(MessageLimits.MAX_NUMBER_LENGTH)
            .maxTokens(Integer.MAX_VALUE).maxChunkArguments(Integer.MAX_VALUE).build());

    private final MessageLimits limits;
    private final ObjectMapper reader;
    /** Leaves trailing content to {@link #read}, which says where it starts. */
    private final ObjectReader treeReader;

    private MessageCodec(MessageLimits limits) {
        this.limits = limits;
        this.reader = mapperWithin(limits);
        this.treeReader = reader.reader().without(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
    }

    /** A mapper that reads no document beyond {@code limits}: what a message, or what stands for one, may hold. */
    static ObjectMapper mapperWithin(MessageLimits limits) {
        return Json.mapper(StreamReadConstraints.builder()
                .maxDocumentLength(limits.maxMessageBytes())
                .maxStringLength(limits.maxStringLength())
                .maxNameLength(limits.maxStringLength())
                .maxNestingDepth(limits.maxNestingDepth())
                .maxNumberLength(limits.maxNumberLength())
                .maxTokenCount(limits.maxTokens())
                .build());
    }

    /** A codec reading within {@code limits}; keep it, it holds a mapper of its own. */
    public static MessageCodec of(MessageLimits limits) {
        Objects.requireNonNull(limits, "limits");
        return limits.equals(DEFAULT.limits) ? DEFAULT : new MessageCodec(limits);
    }

    /**
     * A codec at the ceiling of every limit, for bytes that this worker's own process decoded within its
     * limits and encoded again (a process-pool child reading its parent): it must not refuse what the parent,
     * whose limits may be raised, accepted.
     */
    public static MessageCodec trusted() {
        return TRUSTED;
    }

    /** The codec of {@link MessageLimits#ofDefaults()}. */
    public static MessageCodec defaults() {
        return DEFAULT;
    }

    public MessageLimits limits() {
        return limits;
    }

    /** Encodes a message without checking it against any limit: for bytes a worker publishes to itself or a child. */
    public static byte[] encode(TaskMessage m) {
        return encode(m, new Shape());
    }

    /**
     * What writing a message's trees found, for {@link #encodeChecked(TaskMessage, boolean)}: how deep its containers
     * nest, the envelope counted, and whether any node was left to the mapper (its depth and form are then unknown) or
     * would read back as another kind of node (a long node holding an int reads back as an int node).
     */
    static final class Shape {
        int depth = 1;
        boolean delegated;
        boolean lossy;
        /** Written by {@link PlainMessageWriter}: ASCII, and no backslash in it. */
        boolean plain;
    }

    private static byte[] encode(TaskMessage m, Shape shape) {
        byte[] plain = PlainMessageWriter.write(m, shape);
        if (plain != null) {
            shape.plain = true;
            return plain;
        }
        shape.depth = 1;
        shape.lossy = false;
        return generated(m, shape);
    }

    private static byte[] generated(TaskMessage m, Shape shape) {
        // written field by field, not built as a tree first: a tree of the envelope costs a map per message, and its
        // serialisation a lookup per field; the arguments and the workflow are trees already and are written as such
        ByteArrayBuilder out = new ByteArrayBuilder(200);
        try (JsonGenerator g = Json.mapper().createGenerator(out)) {
            g.writeStartObject();
            g.writeNumberField("amdahl", VERSION);
            g.writeStringField("id", m.id());
            g.writeStringField("task", m.task());
            g.writeFieldName("args");
            writeTree(g, m.args(), 1, shape);
            if (m.chunk()) {
                g.writeBooleanField("chunk", true);
            }
            if (m.retries() != 0) {
                g.writeNumberField("retries", m.retries());
            }
            if (m.eta() != null) {
                g.writeStringField("eta", Instants.format(m.eta()));
            }
            if (m.expires() != null) {
                g.writeStringField("expires", Instants.format(m.expires()));
            }
            if (m.groupId() != null) {
                g.writeStringField("group", m.groupId());
            }
            if (m.workflow() != null) {
                g.writeFieldName("workflow");
                writeTree(g, m.workflow(), 1, shape);
            }
            if (m.maxRetries() != null) {
                g.writeNumberField("max_retries", m.maxRetries().intValue());
            }
            if (m.hardTimeLimit() != null || m.softTimeLimit() != null) {
                g.writeArrayFieldStart("timelimit");
                shape.depth = Math.max(shape.depth, 2);
                writeSeconds(g, m.hardTimeLimit());
                writeSeconds(g, m.softTimeLimit());
                g.writeEndArray();
            }
            if (m.sentAt() != null) {
                g.writeStringField("sent", Instants.format(m.sentAt()));
            }
            if (m.trace() != null) {
                g.writeStringField("traceparent", m.trace().traceparent());
                if (m.trace().tracestate() != null) {
                    g.writeStringField("tracestate", m.trace().tracestate());
                }
            }
            g.writeEndObject();
        } catch (IOException e) {
            throw new IllegalStateException("cannot encode task message " + m.id(), e);
        }
        return out.toByteArray();
    }

    /**
     * {@code g.writeTree(node)}, without a serializer provider for the plain nodes: objects, arrays, strings, ints,
     * longs, booleans and nulls are written as their own {@code serialize} writes them under the mapper's defaults
     * (null fields and empty arrays written); any other node is left to {@code writeTree}.
     */
    private static void writeTree(JsonGenerator g, JsonNode node, int depth, Shape shape) throws IOException {
        switch (node.getNodeType()) {
            case OBJECT -> {
                shape.depth = Math.max(shape.depth, depth + 1);
                g.writeStartObject();
                for (var it = node.fields(); it.hasNext(); ) {
                    var field = it.next();
                    g.writeFieldName(field.getKey());
                    writeTree(g, field.getValue(), depth + 1, shape);
                }
                g.writeEndObject();
            }
            case ARRAY -> {
                shape.depth = Math.max(shape.depth, depth + 1);
                g.writeStartArray();
                for (JsonNode element : node) {
                    writeTree(g, element, depth + 1, shape);
                }
                g.writeEndArray();
            }
            case STRING -> g.writeString(node.textValue());
            case BOOLEAN -> g.writeBoolean(node.booleanValue());
            case NULL -> g.writeNull();
            case NUMBER -> {
                if (node.isInt()) {
                    g.writeNumber(node.intValue());
                } else if (node.isLong()) {
                    long value = node.longValue();
                    shape.lossy |= value == (int) value;
                    g.writeNumber(value);
                } else {
                    shape.delegated = true;
                    g.writeTree(node);
                }
            }
            default -> {
                shape.delegated = true;
                g.writeTree(node);
            }
        }
    }

    private static void writeSeconds(JsonGenerator g, Duration d) throws IOException {
        if (d == null) {
            g.writeNull();
        } else {
            g.writeNumber(BigDecimal.valueOf(d.toNanos(), 9).stripTrailingZeros());
        }
    }

    /**
     * Encodes a message a client is about to publish, refusing one that a worker with these limits would refuse.
     *
     * @throws MessageRefusedException naming the task, the limit, its value and how to raise it
     */
    public byte[] encodeChecked(TaskMessage m) {
        return encodeChecked(m, false).body();
    }

    /**
     * The bytes of a checked message and, when {@code read}, the message as {@link #read} finds it in those bytes.
     *
     * @param body    the encoded message
     * @param decoded what {@link #read} returns for {@code body}, or {@code null} when it was not asked for or would
     *                throw (a message this codec refuses for what it holds, not for a limit: the worker says why)
     */
    public record Checked(byte[] body, TaskMessage decoded) {
    }

    /**
     * {@link #encodeChecked(TaskMessage)}, and with {@code read} the message read back from the bytes as a worker reads
     * it, for a broker that carries it beside them: the check reads the bytes once either way, and with {@code read} it
     * keeps the tree it reads instead of dropping each token.
     *
     * @throws MessageRefusedException naming the task, the limit, its value and how to raise it
     */
    public Checked encodeChecked(TaskMessage m, boolean read) {
        // checked in the order read() checks, so that both name the same limit
        Shape shape = new Shape();
        byte[] body = encode(m, shape);
        if (body.length > limits.maxMessageBytes()) {
            throw refused(m, "maxMessageBytes", limits.maxMessageBytes(), body.length + " bytes of JSON", "pass large data by"
                    + " reference (a URL, a key in a store) instead of in the argument, or raise");
        }
        boolean plain = plainWithinLimits(body, shape);
        boolean itself = read && plain && readsBackAsItself(m, shape);
        if (itself || plain && !read) {
            if (m.chunk() && m.args().size() > limits.maxChunkArguments()) {
                throw refused(m, "maxChunkArguments", limits.maxChunkArguments(), "a chunk of " + m.args().size()
                        + " arguments", "use a smaller chunk size in map(...), or raise");
            }
            return new Checked(body, itself ? m : null);
        }
        // the worker's reader, over the bytes the worker will read: the same verdict, by construction
        JsonNode tree = null;
        boolean trailing = false;
        try (JsonParser p = reader.createParser(body)) {
            if (read) {
                tree = treeReader.readTree(p);
                trailing = tree != null && p.nextToken() != null;
            } else {
                for (JsonToken t = p.nextToken(); t != null; t = p.nextToken()) {
                    if (t == JsonToken.VALUE_STRING) {
                        p.getText();   // a string's length is checked when its text is read
                    }
                }
            }
        } catch (StreamConstraintsException e) {
            Limit limit = Limit.of(e, limits);
            throw refused(m, limit.name, limit.value, e.getOriginalMessage(), "raise");
        } catch (JsonProcessingException e) {
            // Jackson writes what its reader refuses, such as a lone surrogate escaped in a field name
            throw new MessageRefusedException("task '" + m.task() + "' (id " + m.id() + ") is refused: its message does"
                    + " not read back as JSON (" + e.getOriginalMessage() + "), so a worker would reject it; check the"
                    + " argument's strings and map keys", e);
        } catch (IOException e) {
            throw new IllegalStateException("task message " + m.id() + " does not read back: " + e, e);
        }
        if (m.chunk() && m.args().size() > limits.maxChunkArguments()) {
            throw refused(m, "maxChunkArguments", limits.maxChunkArguments(), "a chunk of " + m.args().size() + " arguments",
                    "use a smaller chunk size in map(...), or raise");
        }
        TaskMessage decoded = null;
        if (tree instanceof ObjectNode o && !trailing) {
            try {
                decoded = sharing(fields(o), m);
            } catch (MalformedMessageException refusedByReader) {
                // the worker reads the bytes and rejects the message, saying why, as it would from any broker
            }
        }
        return new Checked(body, decoded);
    }

    /**
     * Whether the worker's reader, under these limits, reads {@code body} without refusing it, known without reading it:
     * the body is ASCII and escapes no surrogate (so every string in it is one the reader reads back as written: no lone
     * surrogate the writer could write and the reader refuse), every node was written here (so the JSON is well-formed and its depth is known),
     * and no limit can be reached: a token, a string or a name is at least one byte of the body, every number written
     * here (an int, a long, a time limit's seconds) has fewer than 32 characters, the least {@code maxNumberLength}
     * allows, and the containers nest less deep than the limit. False says nothing either way: the reader decides.
     */
    private boolean plainWithinLimits(byte[] body, Shape shape) {
        int n = body.length;
        if (shape.delegated || shape.depth >= limits.maxNestingDepth() || n >= limits.maxTokens() || n >= limits.maxStringLength()) {
            return false;
        }
        if (shape.plain) {
            return true;   // ASCII without an escape: see PlainMessageWriter
        }
        for (int i = 0; i < n; i++) {
            byte b = body[i];
            if (b < 0 || b == '\\' && escapesSurrogate(body, i)) {
                return false;
            }
        }
        return true;
    }

    /**
     * Whether {@code \\uD800} to {@code \\uDFFF} starts at {@code i}: the writer escapes every char past ASCII, a lone
     * surrogate included, and the reader refuses a lone one in a field name, so a body with any escaped surrogate is left
     * to the reader. (An escaped backslash before a {@code u} matches too; that only sends the body to the reader.)
     */
    private static boolean escapesSurrogate(byte[] body, int i) {
        if (i + 3 >= body.length || body[i + 1] != 'u' || (body[i + 2] | 0x20) != 'd') {
            return false;
        }
        int third = body[i + 3] | 0x20;
        return third == '8' || third == '9' || (third >= 'a' && third <= 'f');
    }

    /**
     * Whether {@link #read} of the bytes of a {@linkplain #plainWithinLimits plain} {@code m} gives {@code m} itself: its
     * trees hold only nodes that read back as the same kind ({@code shape}), the fields {@link #fields} checks are within
     * its bounds, and it has none of the fields whose reading converts (time limits, read as binary doubles) or checks
     * more (a workflow's shape): for those the bytes are read.
     */
    private static boolean readsBackAsItself(TaskMessage m, Shape shape) {
        return !shape.lossy && m.workflow() == null && m.hardTimeLimit() == null && m.softTimeLimit() == null
                && m.retries() >= 0 && (m.maxRetries() == null || m.maxRetries() >= 0)
                && !m.id().isEmpty() && m.id().length() <= MAX_ID_LENGTH
                && !m.task().isEmpty() && m.task().length() <= MAX_TASK_NAME_LENGTH
                && (m.groupId() == null || !m.groupId().isEmpty() && m.groupId().length() <= MAX_ID_LENGTH)
                && (!m.chunk() || m.args().isArray());
    }

    /**
     * {@code read}, holding {@code original}'s strings where they are equal, so that a message waiting in the embedded
     * broker beside its bytes costs the tree of its arguments and little more.
     */
    private static TaskMessage sharing(TaskMessage read, TaskMessage original) {
        return new TaskMessage(same(read.id(), original.id()), same(read.task(), original.task()), read.args(), read.chunk(),
                read.retries(), read.eta(), read.expires(), same(read.groupId(), original.groupId()), read.workflow(),
                read.maxRetries(), read.softTimeLimit(), read.hardTimeLimit(), read.sentAt(), read.trace());
    }

    private static String same(String read, String original) {
        return read != null && read.equals(original) ? original : read;
    }

    private static MessageRefusedException refused(TaskMessage m, String limit, int value, String what, String fix) {
        return new MessageRefusedException("task '" + m.task() + "' (id " + m.id() + ") is refused: its message would"
                + " hold " + what + ", over MessageLimits." + limit + " (" + value + "), so a worker would reject it; " + fix
                + " the limit with Amdahl.builder().messageLimits(MessageLimits.builder()." + limit + "(...).build()), on"
                + " the clients and the workers alike");
    }

    /** {@link #read} with {@link MessageLimits#ofDefaults()}. */
    public static TaskMessage decode(byte[] body) {
        return DEFAULT.read(body);
    }

    /**
     * Decodes a message body within this codec's limits.
     *
     * @throws MalformedMessageException saying what is wrong, with the id when it could be read
     */
    public TaskMessage read(byte[] body) {
        if (body.length > limits.maxMessageBytes()) {
            throw new MalformedMessageException(IdSalvage.id(body, limits), "the message is " + body.length
                    + " bytes, over MessageLimits.maxMessageBytes (" + limits.maxMessageBytes() + ")");
        }
        JsonNode tree;
        try (JsonParser p = reader.createParser(body)) {
            tree = treeReader.readTree(p);
            if (tree != null && p.nextToken() != null) {
                throw new MalformedMessageException(IdSalvage.id(body, limits), "content follows the message's JSON object"
                        + " at byte " + p.currentTokenLocation().getByteOffset() + " (two messages in one body?)");
            }
        } catch (StreamConstraintsException e) {
            Limit limit = Limit.of(e, limits);
            throw new MalformedMessageException(IdSalvage.id(body, limits), "the message is over MessageLimits." + limit.name
                    + " (" + limit.value + "): " + e.getOriginalMessage());
        } catch (JsonProcessingException e) {
            throw new MalformedMessageException(IdSalvage.id(body, limits), "the body is not JSON (" + e.getOriginalMessage() + ")");
        } catch (IOException e) {
            throw new MalformedMessageException(null, "the body cannot be read (" + e.getMessage() + ")");
        }
        if (tree == null || tree.isMissingNode()) {
            throw new MalformedMessageException(null, "the body is empty");
        }
        if (!tree.isObject()) {
            throw new MalformedMessageException(null, "the body is not a JSON object");
        }
        return fields((ObjectNode) tree);
    }

    private TaskMessage fields(ObjectNode o) {
        JsonNode version = o.get("amdahl");
        if (version == null || !version.isIntegralNumber()) {
            throw new MalformedMessageException(IdSalvage.id(o), "the body is not an Amdahl task message (no integer \"amdahl\" version field)");
        }
        if (!version.canConvertToInt() || version.asInt() != VERSION) {
            throw new MalformedMessageException(IdSalvage.id(o), "message format version " + version.asText()
                    + " is not supported by this worker (it reads version " + VERSION + ")");
        }
        String id = requiredText(o, "id", null);
        if (id.isEmpty() || id.length() > MAX_ID_LENGTH) {
            throw new MalformedMessageException(null, "the task id must be 1 to " + MAX_ID_LENGTH + " characters");
        }
        String task = requiredText(o, "task", id);
        if (task.isEmpty() || task.length() > MAX_TASK_NAME_LENGTH) {
            throw new MalformedMessageException(id, "\"task\" must be 1 to " + MAX_TASK_NAME_LENGTH + " characters");
        }
        JsonNode args = o.get("args");
        if (args == null) {
            throw new MalformedMessageException(id, "the message has no \"args\"");
        }
        boolean chunk = bool(o, "chunk", id);
        if (chunk && !args.isArray()) {
            throw new MalformedMessageException(id, "a chunk message needs an array of arguments");
        }
        if (chunk && args.size() > limits.maxChunkArguments()) {
            throw new MalformedMessageException(id, "the chunk has " + args.size() + " arguments, over"
                    + " MessageLimits.maxChunkArguments (" + limits.maxChunkArguments() + ")");
        }
        Integer retries = count(o, "retries", id);
        Integer maxRetries = count(o, "max_retries", id);
        Duration hard = null;
        Duration soft = null;
        JsonNode timeLimits = o.get("timelimit");
        if (timeLimits != null && !timeLimits.isNull()) {
            if (!timeLimits.isArray() || timeLimits.size() > 2) {
                throw new MalformedMessageException(id, "\"timelimit\" must be an array [hard, soft] of seconds");
            }
            hard = seconds(timeLimits.get(0), id);
            soft = seconds(timeLimits.get(1), id);
        }
        JsonNode workflow = o.get("workflow");
        if (workflow != null && !workflow.isNull()) {
            WorkflowShape.check(workflow, id);
        }
        String group = optionalText(o, "group", id);
        if (group != null && (group.isEmpty() || group.length() > MAX_ID_LENGTH)) {
            throw new MalformedMessageException(id, "\"group\" must be 1 to " + MAX_ID_LENGTH + " characters");
        }
        return new TaskMessage(id, task, args, chunk, retries == null ? 0 : retries, instant(o, "eta", id),
                instant(o, "expires", id), group, workflow == null || workflow.isNull() ? null : workflow, maxRetries, soft, hard,
                instant(o, "sent", id), trace(o, id));
    }

    /** The W3C trace context, optional; one that is there is exactly as the W3C format defines it. */
    private static TraceContext trace(JsonNode o, String id) {
        String parent = optionalText(o, "traceparent", id);
        String state = optionalText(o, "tracestate", id);
        if (parent == null) {
            if (state != null) {
                throw new MalformedMessageException(id, "\"tracestate\" comes without \"traceparent\"");
            }
            return null;
        }
        try {
            return new TraceContext(parent, state);
        } catch (IllegalArgumentException e) {
            throw new MalformedMessageException(id, e.getMessage());
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

    /** An optional non-negative integer field: {@code 1.7}, {@code "3"} and {@code -1} are refused. */
    static Integer count(JsonNode o, String field, String id) {
        JsonNode v = o.get(field);
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.isIntegralNumber() || !v.canConvertToInt() || v.asInt() < 0) {
            throw new MalformedMessageException(id, "\"" + field + "\" must be a non-negative integer, was " + brief(v));
        }
        return v.asInt();
    }

    /** An optional boolean field, {@code false} when absent: {@code "yes"}, {@code 1} and {@code "true"} are refused. */
    static boolean bool(JsonNode o, String field, String id) {
        JsonNode v = o.get(field);
        if (v == null || v.isNull()) {
            return false;
        }
        if (!v.isBoolean()) {
            throw new MalformedMessageException(id, "\"" + field + "\" must be true or false, was " + brief(v));
        }
        return v.booleanValue();
    }

    private static String requiredText(JsonNode o, String field, String id) {
        String text = optionalText(o, field, id);
        if (text == null) {
            throw new MalformedMessageException(id, "the message has no \"" + field + "\"");
        }
        return text;
    }

    static String optionalText(JsonNode o, String field, String id) {
        JsonNode v = o.get(field);
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.isTextual()) {
            throw new MalformedMessageException(id, "\"" + field + "\" must be a string, was " + brief(v));
        }
        return v.asText();
    }

    private static Instant instant(JsonNode o, String field, String id) {
        String text = optionalText(o, field, id);
        try {
            return text == null ? null : Instants.parse(text);
        } catch (DateTimeParseException e) {
            throw new MalformedMessageException(id, "\"" + field + "\" is not an ISO-8601 instant: " + brief(o.get(field)));
        }
    }

    /** A value as a reason may quote it: short, whatever the sender put there. */
    static String brief(JsonNode v) {
        if (v.isContainerNode()) {
            return v.isArray() ? "an array" : "an object";
        }
        String s = v.isTextual() ? "\"" + v.textValue().substring(0, Math.min(60, v.textValue().length())) + "\"" : v.toString();
        return s.length() <= 60 ? s : s.substring(0, 57) + "...";
    }

    /** Which of the limits a parser stopped at, from Jackson's constraint that fired. */
    private record Limit(String name, int value) {
        static Limit of(StreamConstraintsException e, MessageLimits l) {
            String m = String.valueOf(e.getMessage());
            if (m.contains("getMaxStringLength") || m.contains("getMaxNameLength")) {
                return new Limit("maxStringLength", l.maxStringLength());
            }
            if (m.contains("getMaxNestingDepth")) {
                return new Limit("maxNestingDepth", l.maxNestingDepth());
            }
            if (m.contains("getMaxNumberLength")) {
                return new Limit("maxNumberLength", l.maxNumberLength());
            }
            if (m.contains("getMaxTokenCount")) {
                return new Limit("maxTokens", l.maxTokens());
            }
            return new Limit("maxMessageBytes", l.maxMessageBytes());
        }
    }
}
