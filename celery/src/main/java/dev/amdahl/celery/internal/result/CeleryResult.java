package dev.amdahl.celery.internal.result;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.amdahl.MessageLimits;
import dev.amdahl.TaskState;
import dev.amdahl.celery.internal.protocol.KombuJson;
import dev.amdahl.celery.internal.protocol.MalformedCeleryMessageException;
import dev.amdahl.spi.TaskError;
import dev.amdahl.spi.TaskRecord;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.Objects;

/**
 * A task's result as Celery's backends keep it ({@code celery-task-meta-<id>} over Redis, the reply over rpc):
 * {@code {"status", "result", "traceback", "children", "date_done", "task_id", "parent_id"?}}. A failure's
 * {@code result} is the exception, {@code {"exc_type", "exc_message", "exc_module"}}, which Celery's
 * {@code AsyncResult.get()} raises again: as the class of that module when the reading process has it loaded,
 * otherwise as a class of that name made on the spot (Celery never imports the module, so a Java name is safe).
 *
 * <p>Reading is strict, since the document comes from a store other processes write: every field is checked and
 * a bad one named.
 *
 * @param taskId   the task's id
 * @param status   Celery's state name: PENDING, RECEIVED, STARTED, RETRY, SUCCESS, FAILURE, REVOKED, REJECTED, IGNORED
 * @param result   the return value on SUCCESS, the exception document on FAILURE, RETRY and REVOKED; JSON
 * @param traceback the Python (or Java) traceback text of a failure, or {@code null}
 * @param children  the results of the tasks this one started, as Celery lists them
 * @param dateDone  when it ended, or {@code null}
 * @param parentId  the task that sent this one (Celery 5.2 writes it for workflow steps), or {@code null}
 */
public record CeleryResult(String taskId, String status, JsonNode result, String traceback, ArrayNode children,
                           Instant dateDone, String parentId) {

    /** Python's {@code builtins}: exceptions of that module are named without it ({@code ValueError}). */
    static final String BUILTINS = "builtins";

    public CeleryResult {
        Objects.requireNonNull(taskId, "taskId");
        Objects.requireNonNull(status, "status");
        result = result == null ? NullNode.getInstance() : result;
        children = children == null ? JsonNodeFactory.instance.arrayNode() : children;
    }

    /** A success, {@code value} as JSON (see {@link KombuJson#toTree}). */
    public static CeleryResult success(String taskId, JsonNode value, Instant done) {
        return new CeleryResult(taskId, "SUCCESS", value, null, null, done, null);
    }

    /**
     * A failure in Celery's exception shape: a Java type {@code java.lang.IllegalStateException} becomes
     * {@code exc_module} {@code java.lang}, {@code exc_type} {@code IllegalStateException}; the message is the
     * exception's single argument, as Python keeps {@code exc.args}.
     */
    public static CeleryResult failure(String taskId, TaskError error, Instant done) {
        ObjectNode exc = JsonNodeFactory.instance.objectNode();
        String type = error.type();
        int dot = type.lastIndexOf('.');
        exc.put("exc_type", dot < 0 ? type : type.substring(dot + 1));
        ArrayNode args = exc.putArray("exc_message");
        if (error.message() != null) {
            args.add(error.message());
        }
        exc.put("exc_module", dot < 0 ? BUILTINS : type.substring(0, dot));
        return new CeleryResult(taskId, "FAILURE", exc, error.stackTrace().isEmpty() ? null : error.stackTrace(), null, done, null);
    }

    /** The document Celery 5.2 stores. */
    public byte[] toBytes() {
        ObjectNode o = JsonNodeFactory.instance.objectNode();
        o.put("status", status);
        o.set("result", result);
        o.put("traceback", traceback);
        o.set("children", children);
        // Celery writes date_done as a naive UTC datetime
        o.put("date_done", dateDone == null ? null : pythonUtc(dateDone));
        o.put("task_id", taskId);
        if (parentId != null) {
            o.put("parent_id", parentId);
        }
        return KombuJson.bytes(o);
    }

    private static String pythonUtc(Instant t) {
        LocalDateTime local = LocalDateTime.ofInstant(t, ZoneOffset.UTC);
        String s = local.toLocalDate() + "T" + String.format(java.util.Locale.ROOT, "%02d:%02d:%02d", local.getHour(),
                local.getMinute(), local.getSecond());
        int micros = local.getNano() / 1000;
        return micros == 0 ? s : s + String.format(java.util.Locale.ROOT, ".%06d", micros);
    }

    /**
     * Reads a stored result document.
     *
     * @throws MalformedCeleryMessageException naming the field that is wrong
     */
    public static CeleryResult fromBytes(byte[] bytes, MessageLimits limits) {
        JsonNode o = KombuJson.of(limits).parse(bytes, "the result", null);
        if (!o.isObject()) {
            throw new MalformedCeleryMessageException(null, "the result is not a JSON object");
        }
        String taskId = text(o, "task_id", null);
        if (taskId == null || taskId.isEmpty()) {
            throw new MalformedCeleryMessageException(null, "the result has no \"task_id\"");
        }
        String status = text(o, "status", taskId);
        if (status == null || state(status, taskId) == null) {
            throw new MalformedCeleryMessageException(taskId, "the result's \"status\" must be a Celery state, was " + o.get("status"));
        }
        JsonNode children = o.get("children");
        if (children != null && !children.isNull() && !children.isArray()) {
            throw new MalformedCeleryMessageException(taskId, "the result's \"children\" must be an array");
        }
        String done = text(o, "date_done", taskId);
        Instant dateDone = null;
        if (done != null) {
            try {
                dateDone = done.length() > 19 && (done.endsWith("Z") || done.charAt(done.length() - 6) == '+' || done.charAt(done.length() - 6) == '-')
                        ? OffsetDateTime.parse(done).toInstant() : LocalDateTime.parse(done).toInstant(ZoneOffset.UTC);
            } catch (DateTimeParseException e) {
                throw new MalformedCeleryMessageException(taskId, "the result's \"date_done\" is not an ISO-8601 time: " + done);
            }
        }
        CeleryResult r = new CeleryResult(taskId, status, o.get("result"), text(o, "traceback", taskId),
                children == null || children.isNull() ? null : (ArrayNode) children, dateDone, text(o, "parent_id", taskId));
        if (r.exceptional()) {
            r.error();   // checks the exception's shape
        }
        return r;
    }

    private static String text(JsonNode o, String field, String taskId) {
        JsonNode v = o.get(field);
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.isTextual()) {
            throw new MalformedCeleryMessageException(taskId, "the result's \"" + field + "\" must be a string, was " + v.getNodeType());
        }
        return v.textValue();
    }

    /** The state Amdahl gives this status; {@code null} for a name Celery does not have. */
    static TaskState state(String status, String taskId) {
        return switch (status) {
            case "PENDING", "RECEIVED" -> TaskState.PENDING;
            case "STARTED" -> TaskState.STARTED;
            case "RETRY" -> TaskState.RETRY;
            case "SUCCESS", "IGNORED" -> TaskState.SUCCESS;
            case "FAILURE", "REJECTED" -> TaskState.FAILURE;
            case "REVOKED" -> TaskState.REVOKED;
            default -> null;
        };
    }

    public TaskState state() {
        return state(status, taskId);
    }

    /** Whether {@code result} holds an exception document. */
    public boolean exceptional() {
        return (status.equals("FAILURE") || status.equals("RETRY") || status.equals("REVOKED")) && result.isObject()
                && result.has("exc_type");
    }

    /**
     * The exception as Amdahl reports it: the Python type name ({@code ValueError} for a builtin,
     * {@code module.Type} otherwise; a Java exception gets its class name back), its message (the exception's
     * arguments joined as Python's {@code str(exc)} shows one, or their JSON for several), and the traceback.
     */
    public TaskError error() {
        if (!exceptional()) {
            return null;
        }
        JsonNode type = result.get("exc_type");
        JsonNode module = result.get("exc_module");
        if (!type.isTextual() || type.textValue().isEmpty() || type.textValue().length() > 256) {
            throw new MalformedCeleryMessageException(taskId, "the result's \"exc_type\" must be a type name");
        }
        if (module != null && !module.isNull() && !module.isTextual()) {
            throw new MalformedCeleryMessageException(taskId, "the result's \"exc_module\" must be a module name");
        }
        String name = module == null || module.isNull() || module.textValue().equals(BUILTINS) ? type.textValue()
                : module.textValue() + "." + type.textValue();
        JsonNode m = result.get("exc_message");
        String message;
        if (m == null || m.isNull()) {
            message = null;
        } else if (m.isTextual()) {
            message = m.textValue();
        } else if (m.isArray()) {
            message = m.isEmpty() ? null : m.size() == 1 ? (m.get(0).isTextual() ? m.get(0).textValue() : m.get(0).toString()) : m.toString();
        } else {
            message = m.toString();
        }
        return new TaskError(name, message, traceback);
    }

    /** This result as Amdahl's record of the task. */
    public TaskRecord toTaskRecord(String taskName) {
        TaskState state = state();
        String value = state == TaskState.SUCCESS ? KombuJson.plain(result, "result", taskId).toString() : null;
        return new TaskRecord(taskId, taskName, state, value, error(), 0, null, null,
                state.isReady() ? dateDone : null, 0);
    }
}
