package dev.amdahl.internal.wire;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Checks the {@code workflow} part of a message against the layout the client compiles (see the workflow
 * package's {@code Canvas}), so that a step which cannot be read is refused with its message, naming the
 * field by its path, instead of being skipped or published half-read after the task ran.
 *
 * <pre>
 * workflow  = {"link":[signature…], "errlink":[signature…], "chord":chord}       every field optional
 * chord     = {"id":"…", "members":["id"…], "callbacks":[signature…], "errlink":[signature…]}
 * signature = {"id":"…", "task":"…", "queue":"…", "immutable":bool, "args":any, "options":{…}, "workflow":workflow}
 * </pre>
 *
 * Fields it does not know are ignored, as in the message itself. The recursion is bounded by the message's
 * nesting limit, which the reader enforced before.
 */
final class WorkflowShape {

    private WorkflowShape() {
    }

    static void check(JsonNode workflow, String id) {
        workflow(workflow, "workflow", id);
    }

    private static void workflow(JsonNode w, String path, String id) {
        if (!w.isObject()) {
            throw bad(id, path, "must be an object", w);
        }
        signatures(w.get("link"), path + ".link", id);
        signatures(w.get("errlink"), path + ".errlink", id);
        JsonNode chord = w.get("chord");
        if (chord != null && !chord.isNull()) {
            String c = path + ".chord";
            if (!chord.isObject()) {
                throw bad(id, c, "must be an object", chord);
            }
            text(chord, c, "id", true, id);
            JsonNode members = chord.get("members");
            if (members == null || !members.isArray() || members.isEmpty()) {
                throw bad(id, c + ".members", "must be a non-empty array of task ids", members);
            }
            for (int i = 0; i < members.size(); i++) {
                JsonNode m = members.get(i);
                if (!m.isTextual() || m.textValue().isEmpty() || m.textValue().length() > MessageCodec.MAX_ID_LENGTH) {
                    throw bad(id, c + ".members[" + i + "]", "must be a task id", m);
                }
            }
            signatures(chord.get("callbacks"), c + ".callbacks", id);
            signatures(chord.get("errlink"), c + ".errlink", id);
        }
    }

    private static void signatures(JsonNode list, String path, String id) {
        if (list == null || list.isNull()) {
            return;
        }
        if (!list.isArray()) {
            throw bad(id, path, "must be an array of signatures", list);
        }
        for (int i = 0; i < list.size(); i++) {
            signature(list.get(i), path + "[" + i + "]", id);
        }
    }

    private static void signature(JsonNode s, String path, String id) {
        if (!s.isObject()) {
            throw bad(id, path, "must be a signature object", s);
        }
        text(s, path, "id", true, id);
        String task = text(s, path, "task", true, id);
        if (task.length() > MessageCodec.MAX_TASK_NAME_LENGTH) {
            throw bad(id, path + ".task", "must be 1 to " + MessageCodec.MAX_TASK_NAME_LENGTH + " characters", s.get("task"));
        }
        text(s, path, "queue", false, id);
        JsonNode immutable = s.get("immutable");
        if (immutable != null && !immutable.isNull() && !immutable.isBoolean()) {
            throw bad(id, path + ".immutable", "must be true or false", immutable);
        }
        JsonNode options = s.get("options");
        if (options != null && !options.isNull() && !options.isObject()) {
            throw bad(id, path + ".options", "must be an object", options);
        }
        JsonNode next = s.get("workflow");
        if (next != null && !next.isNull()) {
            workflow(next, path + ".workflow", id);
        }
    }

    private static String text(JsonNode o, String path, String field, boolean required, String id) {
        JsonNode v = o.get(field);
        if (v == null || v.isNull()) {
            if (required) {
                throw bad(id, path + "." + field, "is missing", null);
            }
            return null;
        }
        if (!v.isTextual() || v.textValue().isEmpty() || v.textValue().length() > MessageCodec.MAX_ID_LENGTH) {
            throw bad(id, path + "." + field, "must be a string of 1 to " + MessageCodec.MAX_ID_LENGTH + " characters", v);
        }
        return v.textValue();
    }

    private static MalformedMessageException bad(String id, String path, String what, JsonNode v) {
        return new MalformedMessageException(id, "\"" + path + "\" " + what + (v == null ? "" : ", was " + MessageCodec.brief(v)));
    }
}
