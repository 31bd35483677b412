package dev.amdahl.internal.workflow;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import dev.amdahl.AmdahlException;
import dev.amdahl.ErrorType;
import dev.amdahl.FailedTask;
import dev.amdahl.TaskState;
import dev.amdahl.WorkerOptions;
import dev.amdahl.internal.json.Json;
import dev.amdahl.internal.task.BackendKeys;
import dev.amdahl.internal.wire.MessageRefusedException;
import dev.amdahl.internal.wire.TaskMessage;
import dev.amdahl.spi.ResultBackend;
import dev.amdahl.spi.TaskError;
import dev.amdahl.spi.TaskRecord;
import java.io.IOException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What happens after a task of a workflow ends (see {@link Canvas} for the wire layout). Run by the
 * worker after the task's final record is stored and before its message is acknowledged: if this
 * process dies in between, the redelivered message runs the continuations again. Publishing a link
 * twice is harmless (a worker acknowledges a task already final without running it); a chord's
 * count is guarded per member so a member is counted once.
 *
 * <p>The workflow part of a message is untrusted like the rest: a signature that does not parse is
 * logged and skipped, never allowed to stop the worker.
 */
public final class Continuations {

    private static final Logger log = LoggerFactory.getLogger(Continuations.class);

    /** Where continuations go: the broker for workers, the caller's thread in eager mode. */
    @FunctionalInterface
    public interface Publisher {
        void publish(String queue, TaskMessage message, int priority);
    }

    private final ResultBackend backend;
    private final Publisher publisher;
    private final Clock clock;
    private final java.util.function.BiConsumer<TaskMessage, TaskRecord> protocolSteps;

    public Continuations(ResultBackend backend, Publisher publisher, Clock clock) {
        this(backend, publisher, clock, null);
    }

    /**
     * @param protocolSteps what the wire protocol's own message says comes after a final task (Celery's canvas), or
     *                      {@code null} where the protocol has nothing after one
     */
    public Continuations(ResultBackend backend, Publisher publisher, Clock clock,
                         java.util.function.BiConsumer<TaskMessage, TaskRecord> protocolSteps) {
        this.backend = backend;
        this.publisher = publisher;
        this.clock = clock;
        this.protocolSteps = protocolSteps;
    }

    /** Whether {@link #afterFinal} does nothing for {@code message}, whatever its record: no workflow, no protocol steps. */
    public boolean nothingAfter(TaskMessage message) {
        return protocolSteps == null && message.workflow() == null;
    }

    /** Runs the continuations of {@code message}, whose final record is {@code record}. */
    public void afterFinal(TaskMessage message, TaskRecord record) {
        if (protocolSteps != null) {
            protocolSteps.accept(message, record);
        }
        JsonNode wf = message.workflow();
        if (wf == null) {
            return;
        }
        if (record.state() == TaskState.SUCCESS) {
            afterSuccess(message, record, wf);
        } else if (record.state() == TaskState.FAILURE) {
            afterFailure(message, record, wf);
        } else if (record.state() == TaskState.REVOKED) {
            // a revoked step ends its workflow as a failure would: nothing after it waits forever
            TaskError why = record.error() != null ? record.error()
                    : TaskError.of(ErrorType.REVOKED.typeName(), "task '" + message.task() + "' (id " + message.id() + ") was revoked");
            afterFailure(message, new TaskRecord(record.taskId(), record.taskName(), TaskState.REVOKED, null, why,
                    record.retries(), record.worker(), record.startedAt(), record.finishedAt(), record.runtimeNanos()), wf);
        }
    }

    private void afterSuccess(TaskMessage message, TaskRecord record, JsonNode wf) {
        JsonNode result = parse(record.result(), message.id());
        for (JsonNode link : wf.path("link")) {
            publish(link, result, message);
        }
        JsonNode chord = wf.path("chord");
        if (chord.isObject()) {
            countChordMember(message, chord);
        }
    }

    private void countChordMember(TaskMessage message, JsonNode chord) {
        String chordId = chord.path("id").asText();
        JsonNode members = chord.path("members");
        if (backend.increment(BackendKeys.chordMemberCounted(chordId, message.id()), 1) != 1) {
            return; // a redelivery of a member already counted
        }
        long done = backend.increment(BackendKeys.chordDone(chordId), 1);
        if (done != members.size()) {
            return;
        }
        List<String> ids = new ArrayList<>(members.size());
        members.forEach(m -> ids.add(m.asText()));
        Map<String, TaskRecord> records = backend.getAll(ids);
        ArrayNode results = Json.mapper().createArrayNode();
        for (String id : ids) {
            TaskRecord r = records.get(id);
            if (r == null || r.state() != TaskState.SUCCESS) {
                log.warn("chord {}: member {} is {}; the callback does not run", chordId, id, r == null ? "missing" : r.state());
                return;
            }
            results.add(parse(r.result(), id));
        }
        log.debug("chord {} complete with {} members; publishing its callback", chordId, ids.size());
        for (JsonNode callback : chord.path("callbacks")) {
            publish(callback, results, message);
        }
    }

    private void afterFailure(TaskMessage message, TaskRecord record, JsonNode wf) {
        TaskError error = record.error() != null ? record.error() : TaskError.of(ErrorType.UNKNOWN.typeName(), "failed");
        FailedTask failed = new FailedTask(message.id(), message.task(), error.type(), error.message(), error.stackTrace());
        JsonNode failedJson = Json.mapper().valueToTree(failed);
        for (JsonNode errback : wf.path("errlink")) {
            publish(errback, failedJson, message);
        }
        TaskError upstream = new TaskError(error.type(), "did not run: task '" + message.task() + "' (id " + message.id()
                + ") before it in the workflow failed: " + error.summary(), error.stackTrace());
        for (JsonNode link : wf.path("link")) {
            failAll(link, upstream);
        }
        JsonNode chord = wf.path("chord");
        if (chord.isObject() && backend.increment(BackendKeys.chordFailed(chord.path("id").asText()), 1) == 1) {
            // the first failed member fails the chord with its error; the chord's error callbacks run once
            TaskError memberError = new TaskError(error.type(), "chord member '" + message.task() + "' (id " + message.id()
                    + ") failed: " + error.summary(), error.stackTrace());
            for (JsonNode errback : chord.path("errlink")) {
                publish(errback, failedJson, message);
            }
            for (JsonNode callback : chord.path("callbacks")) {
                failAll(callback, memberError);
            }
        }
    }

    /** Stores FAILURE for a task that will never run and for everything after it, so every future completes. */
    private void failAll(JsonNode sig, TaskError error) {
        List<TaskRecord> failures = new ArrayList<>();
        Canvas.forEachTask(sig, s -> {
            String id = s.path("id").asText(null);
            if (id != null) {
                failures.add(new TaskRecord(id, s.path("task").asText(null), TaskState.FAILURE, null, error, 0, null,
                        null, clock.instant(), 0));
            }
        });
        backend.storeAllUnlessFinal(failures); // a task after it that ended already (a redelivery) keeps its record
    }

    /** Publishes a step after {@code parent}; it carries the parent's trace context, so it joins the submitter's trace. */
    private void publish(JsonNode sig, JsonNode parentResult, TaskMessage parent) {
        String id = sig.path("id").asText(null);
        String task = sig.path("task").asText(null);
        String queue = sig.path("queue").asText(WorkerOptions.DEFAULT_QUEUE);
        if (id == null || task == null) {
            log.warn("skipping a workflow signature without id or task: {}", sig);
            return;
        }
        JsonNode args = sig.path("immutable").asBoolean(false) && sig.has("args") ? sig.get("args") : parentResult;
        JsonNode workflow = sig.get("workflow");
        // even a last step carries a workflow object, empty: a step published here may be published again (when this
        // message is redelivered), and a worker reads the record of any workflow step before it runs it
        JsonNode carried = workflow != null && workflow.isObject() ? workflow : Json.mapper().createObjectNode();
        StepOptions.Step step;
        try {
            step = StepOptions.read(sig, id, task, args, carried, clock.instant());
        } catch (IllegalArgumentException e) {
            // the step cannot be published as asked: it, and whatever waits for it, ends with the reason
            log.warn("workflow step '{}' (id {}) has options this worker rejects: {}", task, id, e.getMessage());
            failAll(sig, TaskError.of(ErrorType.MALFORMED_WORKFLOW.typeName(), "workflow step '" + task + "' (id " + id
                    + ") was not run: its options are invalid: " + e.getMessage()));
            return;
        }
        try {
            publisher.publish(queue, step.message().withTrace(parent.trace()), step.priority());
        } catch (MessageRefusedException e) {
            // over the message limits (a step carries its parent's result): no redelivery would make it fit
            log.warn("workflow step '{}' (id {}) cannot be published: {}", task, id, e.getMessage());
            failAll(sig, TaskError.of(ErrorType.MALFORMED_WORKFLOW.typeName(), "workflow step '" + task + "' (id " + id
                    + ") was not run: " + e.getMessage()));
        }
    }

    private static JsonNode parse(String json, String taskId) {
        try {
            return json == null ? Json.mapper().nullNode() : Json.mapper().readTree(json);
        } catch (IOException e) {
            throw new AmdahlException("the stored result of task " + taskId + " is not JSON: " + e.getMessage(), e);
        }
    }
}
