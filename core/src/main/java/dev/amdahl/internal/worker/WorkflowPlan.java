package dev.amdahl.internal.worker;

import com.fasterxml.jackson.databind.JsonNode;
import dev.amdahl.internal.wire.TaskMessage;
import dev.amdahl.spi.WorkerHeartbeat.FinishedTask;
import dev.amdahl.spi.WorkerHeartbeat.WorkflowStep;
import java.util.ArrayList;
import java.util.List;

/**
 * The workflow steps a task's message plans after it (see {@code Canvas} for the layout), flattened for its heartbeat
 * so that a dashboard can draw a chain or chord as its steps. The workflow part is untrusted: anything that is not the
 * expected shape is skipped, and the walk stops at {@link FinishedTask#MAX_STEPS} steps.
 */
final class WorkflowPlan {

    private WorkflowPlan() {
    }

    static List<WorkflowStep> stepsAfter(TaskMessage m) {
        List<WorkflowStep> steps = new ArrayList<>();
        walk(m.id(), m.workflow(), steps, 0);
        return steps;
    }

    private static void walk(String after, JsonNode workflow, List<WorkflowStep> steps, int depth) {
        if (workflow == null || !workflow.isObject() || depth > FinishedTask.MAX_STEPS) {
            return;
        }
        for (JsonNode link : workflow.path("link")) {
            add(after, "link", List.of(), link, steps, depth);
        }
        JsonNode chord = workflow.path("chord");
        if (chord.isObject() && chord.path("id").isTextual()) {
            List<String> members = new ArrayList<>();
            chord.path("members").forEach(id -> {
                if (id.isTextual()) {
                    members.add(id.asText());
                }
            });
            for (JsonNode callback : chord.path("callbacks")) {
                add(chord.get("id").asText(), "chord", members, callback, steps, depth);
            }
        }
    }

    private static void add(String after, String kind, List<String> members, JsonNode sig, List<WorkflowStep> steps, int depth) {
        if (steps.size() >= FinishedTask.MAX_STEPS || !sig.path("id").isTextual() || !sig.path("task").isTextual()) {
            return;
        }
        String id = sig.get("id").asText();
        if (steps.stream().anyMatch(s -> s.taskId().equals(id))) {
            return;
        }
        steps.add(new WorkflowStep(id, sig.get("task").asText(), after, kind, members));
        walk(id, sig.path("workflow"), steps, depth + 1);
    }
}
