package dev.amdahl.celery.internal.canvas;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.amdahl.MessageLimits;
import dev.amdahl.TaskState;
import dev.amdahl.celery.internal.protocol.CelerySignature;
import dev.amdahl.celery.internal.protocol.CeleryTaskMessage;
import dev.amdahl.celery.internal.protocol.KombuEnvelope;
import dev.amdahl.celery.internal.protocol.MalformedCeleryMessageException;
import dev.amdahl.celery.internal.protocol.ProtocolCodec;
import dev.amdahl.celery.internal.protocol.TaskEnvelopes;
import dev.amdahl.celery.internal.result.CeleryResult;
import dev.amdahl.spi.Broker;
import dev.amdahl.spi.OutboundMessage;
import dev.amdahl.spi.ResultBackend;
import dev.amdahl.spi.TaskEnvelope;
import dev.amdahl.spi.TaskError;
import dev.amdahl.spi.TaskRecord;
import java.io.IOException;
import java.time.Clock;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What Celery 5.2 does after a task ends, done by a Java worker for the Celery messages it ran: on success the
 * {@code link} callbacks and the next chain step get the result as their first argument; on failure the errbacks get
 * the task id (Celery's remote errbacks) and every later chain step with a fixed id gets the same failure, so that the
 * chain's last result is final; a chord member is counted in the result backend as Celery's Redis backend counts it
 * ({@link ChordCounts}), and the member that completes the chord applies its callback with the
 * members' results in group order, or fails it with Celery's {@code ChordError} when one of them failed.
 *
 * <p>Invariants: it runs after the task's final record is stored and before its message is acknowledged, so a worker
 * that dies in between runs it again for the redelivered message (a callback may then be sent twice, as with Celery's
 * own late acknowledgement; a chord member is counted once, since its entry in {@code .j} is the same). The canvas is
 * carried in the envelope's {@code workflow} under {@code celery} ({@link TaskEnvelopes#CANVAS}); Amdahl's own continuations ignore it.
 */
public final class CeleryCanvas {

    private static final Logger log = LoggerFactory.getLogger(CeleryCanvas.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String ORIGIN = "amdahl" + ProcessHandle.current().pid() + "@java";
    private static final String CHORD_ERROR = "celery.exceptions.ChordError";

    /** Celery's words when a chord meets a result backend that cannot count it ({@code rpc://}). */
    static final String NO_CHORDS = "the result backend does not support chords: its results go to their callers and no"
            + " store is shared to count a chord's members in (Celery's rpc:// backend refuses chords too); use Celery's"
            + " Redis result backend, resultBackend(\"redis://...\")";

    private final Broker broker;
    private final ResultBackend backend;
    private final ChordCounts chords;
    private final Clock clock;

    /** @param chords where chords are counted, or {@code null} when the backend cannot count them */
    public CeleryCanvas(Broker broker, ResultBackend backend, ChordCounts chords, Clock clock) {
        this.broker = broker;
        this.backend = backend;
        this.chords = chords;
        this.clock = clock;
    }

    /**
     * Where a step comes from: the task that sends it, and where its caller hears of results over {@code rpc://}
     * ({@code null} for none).
     */
    private record Parent(String id, String rootId, String queue, int celeryPriority, String replyTo) {
    }

    /** The signatures of a canvas list, read strictly (a step that does not parse is a failure of the task). */
    public static List<CelerySignature> signatures(JsonNode list, String path, String taskId) {
        List<CelerySignature> out = new ArrayList<>();
        if (list != null && list.isArray()) {
            for (int i = 0; i < list.size(); i++) {
                out.add(ProtocolCodec.signature(list.get(i), path + "[" + i + "]", taskId));
            }
        }
        return out;
    }

    /** Runs the canvas of {@code message}, whose final record is {@code record}; nothing when it has none. */
    public void afterFinal(TaskEnvelope message, TaskRecord record, MessageLimits limits) {
        JsonNode c = message.workflow() == null ? null : message.workflow().get(TaskEnvelopes.CANVAS);
        if (c == null || !c.isObject()) {
            return;
        }
        try {
            run(message, record, limits, c);
        } catch (MalformedCeleryMessageException e) {
            // a nested signature that does not parse: no redelivery would make it parse, so it is dropped with the reason
            log.warn("the Celery canvas after task '{}' (id {}) is not run: {}", message.task(), message.id(), e.getMessage());
        }
    }

    private void run(TaskEnvelope message, TaskRecord record, MessageLimits limits, JsonNode c) {
        String id = message.id();
        Parent parent = new Parent(id, c.path("root_id").asText(id), c.path("queue").asText("celery"),
                c.path("priority").asInt(0), c.path("reply_to").isTextual() ? c.get("reply_to").textValue() : null);
        ProtocolCodec codec = ProtocolCodec.of(limits);
        List<CelerySignature> chain = signatures(c.get("chain"), "embed.chain", id);
        if (record.state() == TaskState.SUCCESS) {
            JsonNode result = tree(record.result());
            for (CelerySignature cb : signatures(c.get("callbacks"), "embed.callbacks", id)) {
                apply(cb, first(result), List.of(), parent, codec);
            }
            if (!chain.isEmpty()) {
                apply(chain.get(0), first(result), chain.subList(1, chain.size()), parent, codec);
            }
            chordPart(message, c, "SUCCESS", result, parent, codec);
            return;
        }
        if (record.state() != TaskState.FAILURE && record.state() != TaskState.REVOKED) {
            return;
        }
        TaskError error = record.error() != null ? record.error() : TaskError.of("Exception", "task " + id + " failed");
        if (record.state() == TaskState.FAILURE) {
            for (CelerySignature eb : signatures(c.get("errbacks"), "embed.errbacks", id)) {
                apply(eb, first(JsonNodeFactory.instance.textNode(id)), List.of(), parent, codec);
            }
        }
        List<TaskRecord> later = new ArrayList<>();
        for (CelerySignature step : chain) {
            if (step.taskId() != null) {
                later.add(failure(step.taskId(), step.task(), error));
            }
        }
        if (!later.isEmpty()) {
            backend.storeAllUnlessFinal(later);   // a later step that ended already keeps its record
        }
        chordPart(message, c, record.state().name(), CeleryResult.failure(id, error, clock.instant()).result(), parent, codec);
    }

    private void chordPart(TaskEnvelope message, JsonNode c, String state, JsonNode result, Parent parent, ProtocolCodec codec) {
        JsonNode chordJson = c.get("chord");
        String group = c.path("group").isTextual() ? c.get("group").textValue() : null;
        if (chordJson == null || !chordJson.isObject() || group == null) {
            return;
        }
        CelerySignature callback = ProtocolCodec.signature(chordJson, "embed.chord", message.id());
        if (chords == null) {
            log.warn("chord {} of task {}: {}", group, message.id(), NO_CHORDS);
            if (callback.taskId() != null) {
                backend.storeAllUnlessFinal(List.of(failure(callback.taskId(), callback.task(),
                        TaskError.of("NotImplementedError", NO_CHORDS))));
            }
            return;
        }
        ArrayNode entry = JsonNodeFactory.instance.arrayNode().add(1).add(message.id()).add(state).add(result);
        Integer index = c.path("group_index").canConvertToInt() ? c.get("group_index").intValue() : null;
        List<JsonNode> members = chords.chordPartReturn(group, index, entry);
        if (members.isEmpty()) {
            return;
        }
        try {
            ArrayNode results = JsonNodeFactory.instance.arrayNode(members.size());
            for (JsonNode m : members) {
                String s = m.path(2).asText();
                if (!s.equals("SUCCESS")) {
                    chordError(callback, "Dependency " + m.path(1).asText() + " raised " + repr(m.path(3)), parent, codec);
                    return;
                }
                results.add(m.path(3));
            }
            log.debug("chord {} complete with {} members; applying its callback {}", group, members.size(), callback.task());
            apply(callback, first(results), List.of(), parent, codec);
        } finally {
            chords.deleteChord(group);
        }
    }

    /** Celery's {@code chord_error_from_stack}: the callback's errbacks, and the callback itself FAILURE. */
    private void chordError(CelerySignature callback, String why, Parent parent, ProtocolCodec codec) {
        String callbackId = callback.taskId();
        for (CelerySignature eb : signatures(callback.options().get("link_error"), "embed.chord.options.link_error", parent.id())) {
            apply(eb, first(JsonNodeFactory.instance.textNode(callbackId == null ? "" : callbackId)), List.of(), parent, codec);
        }
        if (callbackId != null) {
            backend.storeAllUnlessFinal(List.of(failure(callbackId, callback.task(), TaskError.of(CHORD_ERROR, why))));
        }
    }

    /** Python's repr of a stored exception, {@code ValueError('boom')}, as Celery's ChordError message shows it. */
    private static String repr(JsonNode exc) {
        if (!exc.isObject()) {
            return exc.toString();
        }
        List<String> args = new ArrayList<>();
        for (JsonNode a : exc.path("exc_message")) {
            args.add(a.isTextual() ? "'" + a.textValue().replace("'", "\\'") + "'" : a.toString());
        }
        return exc.path("exc_type").asText("Exception") + "(" + String.join(", ", args) + ")";
    }

    private TaskRecord failure(String id, String task, TaskError error) {
        return new TaskRecord(id, task, TaskState.FAILURE, null, error, 0, null, null, clock.instant(), 0);
    }

    private static ArrayNode first(JsonNode value) {
        return JsonNodeFactory.instance.arrayNode().add(value);
    }

    /**
     * Celery's {@code signature.apply_async(partial_args, chain=...)}: the step's message, its arguments the partial ones
     * then its own (unless immutable), sent with the parent's root, to the queue its options name or the parent's.
     */
    private void apply(CelerySignature s, ArrayNode partial, List<CelerySignature> chain, Parent parent, ProtocolCodec codec) {
        if ("chain".equals(s.subtaskType())) {
            List<CelerySignature> tasks = signatures(s.kwargs().get("tasks"), "chain.kwargs.tasks", parent.id());
            if (tasks.isEmpty()) {
                return;
            }
            List<CelerySignature> rest = new ArrayList<>(tasks.subList(1, tasks.size()));
            rest.addAll(chain);
            apply(tasks.get(0), s.immutable() ? JsonNodeFactory.instance.arrayNode() : concat(partial, s.args()), rest, parent, codec);
            return;
        }
        String id = s.taskId() != null ? s.taskId() : UUID.randomUUID().toString();
        if (s.subtaskType() != null) {
            String why = "a Celery '" + s.subtaskType() + "' signature (" + s.task() + ") after task " + parent.id()
                    + " is not run by Java workers, which apply task and chain signatures only; route the task before it"
                    + " to a queue that Python workers serve";
            log.warn(why);
            backend.storeAllUnlessFinal(List.of(failure(id, s.task(), TaskError.of("NotImplementedError", why))));
            return;
        }
        ObjectNode o = s.options();
        ArrayNode args = s.immutable() ? s.args() : concat(partial, s.args());
        String queue = o.path("queue").isTextual() ? o.get("queue").textValue()
                : o.path("routing_key").isTextual() ? o.get("routing_key").textValue() : parent.queue();
        int priority = o.path("priority").canConvertToInt() ? Math.max(0, Math.min(9, o.get("priority").intValue()))
                : parent.celeryPriority();
        OffsetDateTime now = clock.instant().atOffset(ZoneOffset.UTC);
        OffsetDateTime eta = o.path("countdown").isNumber() ? now.plusNanos((long) (o.get("countdown").doubleValue() * 1e9))
                : time(o.get("eta"));
        OffsetDateTime expires = o.path("expires").isNumber() ? now.plusNanos((long) (o.get("expires").doubleValue() * 1e9))
                : time(o.get("expires"));
        String group = o.path("group_id").isTextual() ? o.get("group_id").textValue() : null;
        Integer groupIndex = o.path("group_index").canConvertToInt() ? o.get("group_index").intValue() : null;
        List<CelerySignature> callbacks = signatures(asList(o.get("link")), "options.link", parent.id());
        List<CelerySignature> errbacks = signatures(asList(o.get("link_error")), "options.link_error", parent.id());
        CelerySignature chord = o.path("chord").isObject() ? ProtocolCodec.signature(o.get("chord"), "options.chord", parent.id()) : null;
        CeleryTaskMessage.Headers h = new CeleryTaskMessage.Headers("java", s.task(), id, parent.rootId(), parent.id(), group,
                groupIndex, eta, expires, 0, null, null, null, null, ORIGIN, null, false, JsonNodeFactory.instance.objectNode());
        // Celery's freeze gives every step its client's reply_to; a step without one answers where its parent does
        String replyTo = o.path("reply_to").isTextual() && !o.get("reply_to").textValue().isEmpty()
                ? o.get("reply_to").textValue() : parent.replyTo();
        CeleryTaskMessage m = new CeleryTaskMessage(2, h, new CeleryTaskMessage.Properties(id, replyTo, priority, "", queue, null, null),
                new CeleryTaskMessage.Body(args, s.kwargs(), callbacks, errbacks, chain, chord));
        byte[] entry;
        try {
            entry = KombuEnvelope.write(codec.encode(m));
        } catch (IllegalArgumentException e) {
            // over the limits (a step carries its parent's result): no redelivery makes it fit, so it fails with the reason
            log.warn("Celery step '{}' (id {}) cannot be sent: {}", s.task(), id, e.getMessage());
            backend.storeAllUnlessFinal(List.of(failure(id, s.task(), TaskError.of("ValueError", e.getMessage()))));
            return;
        }
        broker.publish(queue, new OutboundMessage(id, entry, OutboundMessage.MAX_PRIORITY - priority,
                eta == null ? null : eta.toInstant()));
    }

    private static JsonNode asList(JsonNode v) {
        return v != null && v.isObject() ? JsonNodeFactory.instance.arrayNode().add(v) : v;
    }

    private static ArrayNode concat(ArrayNode a, ArrayNode b) {
        ArrayNode out = JsonNodeFactory.instance.arrayNode(a.size() + b.size());
        out.addAll(a);
        out.addAll(b);
        return out;
    }

    private static OffsetDateTime time(JsonNode v) {
        if (v == null || !v.isTextual()) {
            return null;
        }
        try {
            return OffsetDateTime.parse(v.textValue());
        } catch (DateTimeParseException e) {
            return null;
        }
    }

    private static JsonNode tree(String json) {
        try {
            return json == null ? JsonNodeFactory.instance.nullNode() : JSON.readTree(json);
        } catch (IOException e) {
            throw new IllegalStateException("the stored result is not JSON: " + e.getMessage(), e);
        }
    }
}
