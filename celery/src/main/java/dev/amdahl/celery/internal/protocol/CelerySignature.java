package dev.amdahl.celery.internal.protocol;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Objects;

/**
 * A Celery signature as it travels in a message's embed ({@code callbacks}, {@code errbacks}, {@code chain},
 * {@code chord}): {@code {"task", "args", "kwargs", "options", "subtask_type", "immutable"}}. A chain, group or
 * chord signature ({@code subtask_type} set, {@code task} {@code celery.chain}...) keeps its parts in
 * {@code kwargs}, which is carried as it came.
 *
 * @param task        the task name
 * @param args        the positional arguments (partial: the parent's result is prepended unless immutable)
 * @param kwargs      the keyword arguments
 * @param options     the options it is sent with ({@code task_id}, {@code queue}, {@code reply_to}...)
 * @param subtaskType {@code null} for a task, or {@code chain}, {@code group}, {@code chord}...
 * @param immutable   whether the parent's result is left out of the arguments
 * @param json        the signature as it travelled, unknown keys included, so that passing it on loses nothing
 */
public record CelerySignature(String task, ArrayNode args, ObjectNode kwargs, ObjectNode options, String subtaskType,
                              boolean immutable, ObjectNode json) {

    public CelerySignature {
        Objects.requireNonNull(task, "task");
        Objects.requireNonNull(args, "args");
        Objects.requireNonNull(kwargs, "kwargs");
        Objects.requireNonNull(options, "options");
        Objects.requireNonNull(json, "json");
    }

    /** A task signature made here, in the layout Celery 5.2 writes. */
    public static CelerySignature of(String task, ArrayNode args, ObjectNode kwargs, ObjectNode options, boolean immutable) {
        ObjectNode o = JsonNodeFactory.instance.objectNode();
        o.put("task", task);
        o.set("args", args);
        o.set("kwargs", kwargs);
        o.set("options", options);
        o.putNull("subtask_type");
        o.put("immutable", immutable);
        return new CelerySignature(task, args, kwargs, options, null, immutable, o);
    }

    /** The task id its options fix, or {@code null} when the sender leaves it to be made at publish. */
    public String taskId() {
        JsonNode id = options.get("task_id");
        return id != null && id.isTextual() ? id.textValue() : null;
    }
}
