package dev.amdahl.spi;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.amdahl.Progress;
import dev.amdahl.TaskState;
import dev.amdahl.internal.json.Instants;
import dev.amdahl.internal.json.Json;
import java.io.IOException;
import java.time.Instant;
import java.time.format.DateTimeParseException;

/**
 * Task records as stored by result backends: a JSON object,
 * {@code {"id":…,"task":…,"state":…,"result":…,"error":{…},"retries":0,"worker":…,"started":…,"finished":…,
 * "runtime_ns":0,"progress":{"fraction":0.4,"message":"…"}}}; optional fields are left out. Read defensively, since a backend is
 * shared with other processes: every field is checked and a bad one named.
 */
final class TaskRecordCodec {

    private TaskRecordCodec() {
    }

    static byte[] encode(TaskRecord r) {
        ObjectNode o = Json.mapper().createObjectNode();
        o.put("id", r.taskId());
        o.put("task", r.taskName());
        o.put("state", r.state().name());
        if (r.result() != null) {
            o.put("result", r.result());
        }
        if (r.error() != null) {
            ObjectNode e = o.putObject("error");
            e.put("type", r.error().type());
            e.put("message", r.error().message());
            e.put("stack", r.error().stackTrace());
        }
        o.put("retries", r.retries());
        if (r.worker() != null) {
            o.put("worker", r.worker());
        }
        if (r.startedAt() != null) {
            o.put("started", r.startedAt().toString());
        }
        if (r.finishedAt() != null) {
            o.put("finished", r.finishedAt().toString());
        }
        o.put("runtime_ns", r.runtimeNanos());
        if (r.progress() != null) {
            ObjectNode p = o.putObject("progress");
            p.put("fraction", r.progress().fraction());
            if (r.progress().message() != null) {
                p.put("message", r.progress().message());
            }
        }
        try {
            return Json.mapper().writeValueAsBytes(o);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException("cannot encode the record of task " + r.taskId(), e);
        }
    }

    static TaskRecord decode(byte[] bytes) {
        JsonNode o;
        try {
            o = Json.mapper().readTree(bytes);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalArgumentException("a stored task record is not JSON: " + e.getOriginalMessage(), e);
        } catch (IOException e) {
            throw new IllegalArgumentException("a stored task record cannot be read: " + e.getMessage(), e);
        }
        if (o == null || !o.isObject()) {
            throw new IllegalArgumentException("a stored task record is not a JSON object");
        }
        String id = text(o, "id", true);
        String stateName = text(o, "state", true);
        TaskState state;
        try {
            state = TaskState.valueOf(stateName);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("the record of task " + id + " has an unknown state '" + stateName + "'");
        }
        TaskError error = null;
        JsonNode e = o.get("error");
        if (e != null && !e.isNull()) {
            if (!e.isObject()) {
                throw new IllegalArgumentException("the record of task " + id + " has an 'error' that is not an object");
            }
            error = new TaskError(text(e, "type", true), text(e, "message", false), text(e, "stack", false));
        }
        long retries = integer(o, "retries", id);
        if (retries < 0 || retries > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("the record of task " + id + " has 'retries' out of range: " + retries);
        }
        return new TaskRecord(id, text(o, "task", false), state, text(o, "result", false), error,
                (int) retries, text(o, "worker", false), instant(o, "started"), instant(o, "finished"),
                integer(o, "runtime_ns", id), progress(o.get("progress"), id));
    }

    /** Optional, so records written before progress existed still read. */
    private static Progress progress(JsonNode p, String id) {
        if (p == null || p.isNull()) {
            return null;
        }
        if (!p.isObject() || !p.path("fraction").isNumber()) {
            throw new IllegalArgumentException("the record of task " + id + " has a 'progress' without a numeric 'fraction'");
        }
        try {
            return new Progress(p.get("fraction").asDouble(), text(p, "message", false));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("the record of task " + id + " has a bad 'progress': " + e.getMessage(), e);
        }
    }

    /** An optional integer, 0 when absent: {@code 1.7} and {@code "5"} are refused, not rounded or parsed. */
    private static long integer(JsonNode o, String field, String id) {
        JsonNode v = o.get(field);
        if (v == null || v.isNull()) {
            return 0;
        }
        if (!v.isIntegralNumber() || !v.canConvertToLong()) {
            throw new IllegalArgumentException("the record of task " + id + " has a '" + field + "' that is not an integer: " + v);
        }
        return v.longValue();
    }

    private static String text(JsonNode o, String field, boolean required) {
        JsonNode v = o.get(field);
        if (v == null || v.isNull()) {
            if (required) {
                throw new IllegalArgumentException("a stored task record has no '" + field + "'");
            }
            return null;
        }
        if (!v.isTextual()) {
            throw new IllegalArgumentException("a stored task record's '" + field + "' is not a string");
        }
        return v.asText();
    }

    private static Instant instant(JsonNode o, String field) {
        String text = text(o, field, false);
        try {
            return text == null ? null : Instants.parse(text);
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException("a stored task record's '" + field + "' is not an ISO-8601 instant: " + text);
        }
    }
}
