package dev.amdahl.celery.internal.protocol;

import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.amdahl.MessageLimits;
import dev.amdahl.celery.CeleryArguments;
import dev.amdahl.celery.internal.result.ArgumentBinding;
import dev.amdahl.celery.internal.result.ArgumentMismatchException;
import dev.amdahl.spi.Delivery;
import dev.amdahl.spi.MalformedDeliveryException;
import dev.amdahl.spi.OutboundMessage;
import dev.amdahl.spi.TaskEnvelope;
import java.lang.reflect.Type;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * Amdahl's {@link TaskEnvelope} to and from a Celery protocol 2 message in kombu's envelope.
 *
 * <p><b>Arguments.</b> Writing, a JSON argument becomes Celery's {@code args}/{@code kwargs} by its shape: an object of
 * exactly {@code args} (array) and {@code kwargs} (object), as {@link CeleryArguments} writes, is taken whole; any other
 * object (a record) becomes keyword arguments, an array positional ones, anything else the one positional argument.
 * Reading, they bind onto the task's argument type ({@link ArgumentBinding}); a mismatch is the task's FAILURE as a
 * {@code TypeError} naming the parameter, as Python raises it. A task not registered here gets
 * {@code {"args": …, "kwargs": …}}, for the worker to report it unknown.
 *
 * <p><b>What Celery carries and Amdahl's envelope does not, and back.</b> Celery's callbacks, errbacks, chain and chord
 * (its canvas) are refused on reading, with a reason, until Java workers run them; Amdahl's workflows and chunks are
 * refused on writing. A per-submission {@code max_retries}, which Celery keeps in the task's registration only, travels
 * in a header of Amdahl's own, {@code amdahl_max_retries}, which Celery's worker ignores.
 */
public final class TaskEnvelopes {

    /** The member of an envelope's workflow that holds a decoded message's Celery canvas. */
    public static final String CANVAS = "celery";
    static final String MAX_RETRIES_HEADER = "amdahl_max_retries";
    private static final Map<Class<?>, ArgumentBinding<?>> BINDINGS = new ConcurrentHashMap<>();
    private static final String ORIGIN = "amdahl" + ProcessHandle.current().pid() + "@java";

    private TaskEnvelopes() {
    }

    /** The kombu envelope of {@code m}, its routing left to the transport (which knows the queue). */
    public static OutboundMessage encode(TaskEnvelope m, int priority, MessageLimits limits) {
        return encode(m, priority, limits, null);
    }

    /**
     * {@link #encode(TaskEnvelope, int, MessageLimits)}, the message and the steps of its Java chain naming
     * {@code replyTo} as where their results go over {@code rpc://} (as Celery's freeze gives every step its client's
     * reply queue); {@code null} for none.
     */
    public static OutboundMessage encode(TaskEnvelope m, int priority, MessageLimits limits, String replyTo) {
        if (m.chunk()) {
            throw new IllegalArgumentException("Celery's protocol has no chunked map; submit the tasks one by one, or use"
                    + " Celery's chunks() in Python");
        }
        ArrayNode[] split = new ArrayNode[1];
        ObjectNode kwargs = split(m.args(), split);
        ArrayNode args = split[0];
        CeleryTaskMessage base = CeleryTaskMessage.newTask(m.id(), m.task(), args, kwargs, "");
        CeleryTaskMessage.Headers h = base.headers();
        ObjectNode extra = h.extra().deepCopy();
        if (m.maxRetries() != null) {
            extra.put(MAX_RETRIES_HEADER, m.maxRetries());
        }
        JsonNode wf = m.workflow();
        JsonNode c = wf == null ? null : wf.get(CANVAS);
        CeleryTaskMessage.Body body = base.body();
        String rootId = h.rootId();
        String parentId = h.parentId();
        Integer groupIndex = h.groupIndex();
        if (c != null && c.isObject()) {
            // a Celery message a Java worker sends again (a retry): its canvas and lineage as they came
            body = body.withWorkflow(embedList(c.get("callbacks"), m.id()), embedList(c.get("errbacks"), m.id()),
                    embedList(c.get("chain"), m.id()), c.path("chord").isObject()
                            ? ProtocolCodec.signature(c.get("chord"), "embed.chord", m.id()) : null);
            rootId = c.path("root_id").asText(rootId);
            parentId = c.path("parent_id").isTextual() ? c.get("parent_id").textValue() : null;
            groupIndex = c.path("group_index").canConvertToInt() ? c.get("group_index").intValue() : null;
        } else if (wf != null) {
            body = body.withWorkflow(links(wf, m.id(), replyTo), List.of(), List.of(), null);
        }
        h = new CeleryTaskMessage.Headers(h.lang(), h.task(), h.id(), rootId, parentId, m.groupId(), groupIndex,
                m.eta() == null ? null : m.eta().atOffset(ZoneOffset.UTC), m.expires() == null ? null : m.expires().atOffset(ZoneOffset.UTC),
                m.retries(), m.hardTimeLimit(), m.softTimeLimit(), args.toString(), kwargs.toString(), ORIGIN, null, false, extra);
        CeleryTaskMessage.Properties properties = base.properties().withPriority(priority);
        CeleryTaskMessage message = new CeleryTaskMessage(2, h, replyTo == null ? properties : properties.withReplyTo(replyTo), body);
        WireMessage wire = ProtocolCodec.of(limits).encode(message);
        return new OutboundMessage(m.id(), KombuEnvelope.write(wire), priority, m.eta());
    }

    /** Celery's args and kwargs of an Amdahl argument, by its JSON shape; the args in {@code args[0]}. */
    private static ObjectNode split(JsonNode a, ArrayNode[] args) {
        if (a != null && a.isObject() && a.size() == 2 && a.path("args").isArray() && a.path("kwargs").isObject()) {
            args[0] = (ArrayNode) a.get("args");
            return (ObjectNode) a.get("kwargs");
        }
        if (a != null && a.isObject()) {
            args[0] = JsonNodeFactory.instance.arrayNode();
            return (ObjectNode) a;
        }
        args[0] = a != null && a.isArray() ? (ArrayNode) a : a == null ? JsonNodeFactory.instance.arrayNode()
                : JsonNodeFactory.instance.arrayNode().add(a);
        return JsonNodeFactory.instance.objectNode();
    }

    private static List<CelerySignature> embedList(JsonNode list, String id) {
        List<CelerySignature> out = new java.util.ArrayList<>();
        if (list != null && list.isArray()) {
            for (int i = 0; i < list.size(); i++) {
                out.add(ProtocolCodec.signature(list.get(i), "embed[" + i + "]", id));
            }
        }
        return out;
    }

    /**
     * A Java chain's next steps (Amdahl's {@code link}) as Celery callbacks ({@code link}), each with its fixed id, its
     * queue and its own next steps in {@code options.link}: a Python worker applies them with the result prepended, as
     * Amdahl's steps take it. Error callbacks and chords built in Java are not carried.
     */
    private static List<CelerySignature> links(JsonNode wf, String id, String replyTo) {
        if (wf.path("errlink").size() > 0 || wf.path("chord").isObject()) {
            throw new IllegalArgumentException("Celery's protocol carries the steps of a chain built in Java (then(...)), but"
                    + " not yet its error callbacks (onError) or chords (task " + id + "); build those with Celery's canvas in"
                    + " Python, or leave them out");
        }
        List<CelerySignature> out = new java.util.ArrayList<>();
        for (JsonNode step : wf.path("link")) {
            String stepId = step.path("id").asText(null);
            String task = step.path("task").asText(null);
            if (stepId == null || task == null) {
                throw new IllegalArgumentException("a workflow step after task " + id + " has no id or task: " + step);
            }
            ObjectNode options = JsonNodeFactory.instance.objectNode();
            options.put("task_id", stepId);
            if (replyTo != null) {
                options.put("reply_to", replyTo);
            }
            if (step.path("queue").isTextual()) {
                options.put("queue", step.get("queue").textValue());
            }
            JsonNode next = step.get("workflow");
            if (next != null && next.isObject()) {
                List<CelerySignature> after = links(next, stepId, replyTo);
                if (!after.isEmpty()) {
                    ArrayNode link = options.putArray("link");
                    after.forEach(s -> link.add(s.json()));
                }
            }
            ArrayNode[] split = new ArrayNode[1];
            ObjectNode kwargs = step.has("args") ? split(step.get("args"), split) : JsonNodeFactory.instance.objectNode();
            ArrayNode args = split[0] != null ? split[0] : JsonNodeFactory.instance.arrayNode();
            out.add(CelerySignature.of(task, args, kwargs, options, step.path("immutable").asBoolean(false)));
        }
        return out;
    }

    /** The envelope of a delivery whose body is a kombu queue entry. */
    public static TaskEnvelope decode(Delivery d, MessageLimits limits, Function<String, Type> argumentTypes) {
        return decode(d, limits, argumentTypes, false);
    }

    /**
     * The envelope of a delivery whose body is a kombu queue entry; with {@code canvasRuns}, a message's Celery canvas
     * travels in the envelope's workflow ({@link #CANVAS}) for the worker to run after the task, else it
     * is refused.
     */
    public static TaskEnvelope decode(Delivery d, MessageLimits limits, Function<String, Type> argumentTypes, boolean canvasRuns) {
        return decode(d, limits, argumentTypes, canvasRuns, (id, properties) -> { });
    }

    /**
     * {@link #decode(Delivery, MessageLimits, Function, boolean)}, telling {@code heard} the message's properties
     * ({@code reply_to}, {@code correlation_id}) once it reads as a Celery message, before its arguments are bound.
     */
    public static TaskEnvelope decode(Delivery d, MessageLimits limits, Function<String, Type> argumentTypes, boolean canvasRuns,
                                      java.util.function.BiConsumer<String, CeleryTaskMessage.Properties> heard) {
        CeleryTaskMessage m;
        try {
            m = ProtocolCodec.of(limits).decode(KombuEnvelope.of(limits).read(d.body()));
        } catch (MalformedCeleryMessageException e) {
            throw new MalformedDeliveryException(e.taskId(), e.getMessage());
        }
        String id = m.id();
        heard.accept(id, m.properties());
        CeleryTaskMessage.Body body = m.body();
        boolean hasCanvas = !body.callbacks().isEmpty() || !body.errbacks().isEmpty() || !body.chain().isEmpty()
                || body.chord() != null;
        if (hasCanvas && !canvasRuns) {
            throw new MalformedDeliveryException(id, "NotImplementedError", "task '" + m.task() + "' (id " + id + ") comes with"
                    + " Celery canvas (" + canvas(body) + "), which this worker cannot run: its broker and result backend"
                    + " are not the Redis ones the celery protocol opens; build the application with broker(\"redis://...\")"
                    + " and wireProtocol(\"celery\"), or route the task to a queue that Python workers serve");
        }
        JsonNode args = bind(m, argumentTypes.apply(m.task()));
        CeleryTaskMessage.Headers h = m.headers();
        JsonNode maxRetries = h.extra().get(MAX_RETRIES_HEADER);
        if (maxRetries != null && !maxRetries.isNull() && !(maxRetries.isIntegralNumber() && maxRetries.canConvertToInt()
                && maxRetries.intValue() >= 0)) {
            throw new MalformedDeliveryException(id, "header \"" + MAX_RETRIES_HEADER + "\" must be a non-negative integer");
        }
        return new TaskEnvelope(id, m.task(), args, false, h.retries(), h.eta() == null ? null : h.eta().toInstant(),
                h.expires() == null ? null : h.expires().toInstant(), h.group(), hasCanvas ? canvasWorkflow(m, d.queue()) : null,
                maxRetries == null || maxRetries.isNull() ? null : maxRetries.intValue(), h.softTimeLimit(), h.hardTimeLimit());
    }

    /**
     * The canvas part of an envelope's workflow for a decoded message: its embed, and what its steps inherit.
     *
     * @param queue the queue the message came from, where a step that names none goes (as Celery's worker routes a
     *              step by its own application's default queue)
     */
    static ObjectNode canvasWorkflow(CeleryTaskMessage m, String queue) {
        ObjectNode c = JsonNodeFactory.instance.objectNode();
        CeleryTaskMessage.Headers h = m.headers();
        c.put("root_id", h.rootId() == null ? h.id() : h.rootId());
        c.put("parent_id", h.parentId());
        c.put("group", h.group());
        if (h.groupIndex() != null) {
            c.put("group_index", h.groupIndex());
        }
        c.put("queue", queue);
        c.put("priority", m.properties().priority());
        if (m.properties().replyTo() != null) {
            c.put("reply_to", m.properties().replyTo());
        }
        CeleryTaskMessage.Body b = m.body();
        c.set("callbacks", list(b.callbacks()));
        c.set("errbacks", list(b.errbacks()));
        c.set("chain", list(b.chain()));
        c.set("chord", b.chord() == null ? JsonNodeFactory.instance.nullNode() : b.chord().json());
        ObjectNode wf = JsonNodeFactory.instance.objectNode();
        wf.set(CANVAS, c);
        return wf;
    }

    private static ArrayNode list(List<CelerySignature> sigs) {
        ArrayNode a = JsonNodeFactory.instance.arrayNode();
        sigs.forEach(s -> a.add(s.json()));
        return a;
    }

    private static String canvas(CeleryTaskMessage.Body b) {
        StringBuilder s = new StringBuilder();
        if (!b.callbacks().isEmpty()) {
            s.append("callbacks ");
        }
        if (!b.errbacks().isEmpty()) {
            s.append("errbacks ");
        }
        if (!b.chain().isEmpty()) {
            s.append("chain ");
        }
        if (b.chord() != null) {
            s.append("chord ");
        }
        return s.toString().trim();
    }

    private static JsonNode bind(CeleryTaskMessage m, Type type) {
        if (type == null) {
            ObjectNode raw = JsonNodeFactory.instance.objectNode();
            raw.set("args", KombuJson.plain(m.body().args(), "args", m.id()));
            raw.set("kwargs", KombuJson.plain(m.body().kwargs(), "kwargs", m.id()));
            return raw;
        }
        Class<?> raw = type instanceof JavaType jt ? jt.getRawClass() : type instanceof Class<?> c ? c
                : KombuJson.binder().getTypeFactory().constructType(type).getRawClass();
        ArgumentBinding<?> binding = BINDINGS.computeIfAbsent(raw, ArgumentBinding::of);
        Object value;
        try {
            value = binding.bind(m.task(), m.body().args(), m.body().kwargs());
        } catch (ArgumentMismatchException e) {
            throw new MalformedDeliveryException(m.id(), "TypeError", e.getMessage());
        } catch (MalformedCeleryMessageException e) {
            throw new MalformedDeliveryException(m.id(), e.getMessage());
        }
        return KombuJson.binder().valueToTree(value);
    }
}
