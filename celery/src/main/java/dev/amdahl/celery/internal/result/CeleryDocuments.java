package dev.amdahl.celery.internal.result;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.amdahl.MessageLimits;
import dev.amdahl.TaskState;
import dev.amdahl.celery.internal.protocol.MalformedCeleryMessageException;
import dev.amdahl.spi.TaskError;
import dev.amdahl.spi.TaskRecord;
import java.io.IOException;
import java.time.Instant;

/**
 * Amdahl's task records as the documents Celery's result backends carry (the value of {@code celery-task-meta-<id>}
 * on Redis, the body of an {@code rpc://} reply), and back.
 *
 * <p>The document is Celery 5.2's ({@code status, result, traceback, children, date_done, task_id}, a failure's result
 * {@code {exc_type, exc_message, exc_module}}), with Celery's extended fields {@code name}, {@code worker} and
 * {@code retries}, and Amdahl's whole record under {@code amdahl} (timings and progress, which Celery has no field for,
 * and which Celery's readers ignore). A document Python wrote has no {@code amdahl} member and reads through
 * {@link CeleryResult}.
 */
public final class CeleryDocuments {

    private static final ObjectMapper JSON = new ObjectMapper();

    private CeleryDocuments() {
    }

    /** The document of {@code r}; {@code now} is its {@code date_done} when the record has no end time. */
    public static byte[] document(TaskRecord r, Instant now) {
        Instant done = r.finishedAt() != null ? r.finishedAt() : now;
        CeleryResult c = switch (r.state()) {
            case SUCCESS -> CeleryResult.success(r.taskId(), r.result() == null ? null : tree(r.result()), done);
            case FAILURE -> CeleryResult.failure(r.taskId(), error(r), done);
            case RETRY, REVOKED -> {
                CeleryResult f = CeleryResult.failure(r.taskId(), error(r), done);
                yield new CeleryResult(r.taskId(), r.state().name(), f.result(), f.traceback(), null, r.state() == TaskState.REVOKED
                        ? done : null, null);
            }
            case STARTED -> {
                ObjectNode started = JsonNodeFactory.instance.objectNode();
                started.put("hostname", r.worker());
                yield new CeleryResult(r.taskId(), "STARTED", started, null, null, null, null);
            }
            default -> new CeleryResult(r.taskId(), r.state().name(), null, null, null, null, null);
        };
        try {
            ObjectNode doc = (ObjectNode) JSON.readTree(c.toBytes());
            doc.put("name", r.taskName());
            doc.put("worker", r.worker());
            doc.put("retries", r.retries());
            doc.set("amdahl", JSON.readTree(r.toBytes()));
            return JSON.writeValueAsBytes(doc);
        } catch (IOException e) {
            throw new IllegalStateException("cannot write the result of " + r.taskId(), e);
        }
    }

    /**
     * A document as Amdahl's record: Amdahl's own when Java wrote it last, else read as Celery's.
     *
     * @throws MalformedCeleryMessageException naming what is wrong
     */
    public static TaskRecord read(String taskId, byte[] doc, MessageLimits limits) {
        JsonNode d;
        try {
            d = JSON.readTree(doc);
        } catch (IOException e) {
            throw new MalformedCeleryMessageException(taskId, "the result of " + taskId + " is not JSON");
        }
        if (d != null && d.path("amdahl").isObject()) {
            try {
                return TaskRecord.fromBytes(JSON.writeValueAsBytes(d.get("amdahl")));
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        }
        return CeleryResult.fromBytes(doc, limits).toTaskRecord(d != null && d.path("name").isTextual() ? d.get("name").textValue() : null);
    }

    private static TaskError error(TaskRecord r) {
        return r.error() != null ? r.error() : TaskError.of(r.state() == TaskState.REVOKED ? "celery.exceptions.TaskRevokedError"
                : "dev.amdahl.AmdahlException", r.state().name());
    }

    private static JsonNode tree(String json) {
        try {
            return JSON.readTree(json);
        } catch (IOException e) {
            throw new IllegalArgumentException("the result is not JSON", e);
        }
    }
}
