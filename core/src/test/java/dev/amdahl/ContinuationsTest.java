package dev.amdahl;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.amdahl.internal.TaskMessage;
import dev.amdahl.internal.memory.MemoryResultBackend;
import dev.amdahl.spi.TaskError;
import dev.amdahl.spi.TaskRecord;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** What follows a revoked step of a workflow ends too, so no future of the workflow waits forever. */
class ContinuationsTest {

    private final Amdahl app = Amdahl.builder().build();
    private final Task<Integer, Integer> twice = app.task("twice", Integer.class, Integer.class, x -> 2 * x);
    private final Task<int[], Integer> sum = app.task("sum", int[].class, Integer.class, xs -> Arrays.stream(xs).sum());
    private final MemoryResultBackend backend = new MemoryResultBackend();
    private final List<TaskMessage> published = new ArrayList<>();
    private final Continuations continuations = new Continuations(backend, (queue, m) -> published.add(m), Clock.systemUTC());

    @AfterEach
    void close() {
        app.close();
    }

    private static TaskMessage messageOf(ObjectNode head) {
        JsonNode wf = head.get("workflow");
        return new TaskMessage(head.get("id").asText(), head.get("task").asText(), head.get("args"), false, 0, null, null,
                null, wf != null && wf.isObject() ? wf : null);
    }

    private static TaskRecord revoked(TaskMessage m) {
        return new TaskRecord(m.id(), m.task(), TaskState.REVOKED, null,
                TaskError.of(Dispatcher.REVOKED, "task " + m.id() + " was revoked"), 0, null, null, Instant.now(), 0);
    }

    @Test
    void aRevokedChordMemberFailsTheChordsCallback() {
        Canvas.Compiled chord = Canvas.compile(app.group(List.of(twice.sig(1), twice.sig(2))).then(sum.sig()).node());
        TaskMessage member = messageOf(chord.heads().get(0));
        String callback = chord.terminals().get(0).get("id").asText();

        continuations.afterFinal(member, revoked(member));

        assertThat(backend.get(callback)).hasValueSatisfying(r -> {
            assertThat(r.state()).isEqualTo(TaskState.FAILURE);
            assertThat(r.error().type()).isEqualTo(Dispatcher.REVOKED);
            assertThat(r.error().message()).contains("chord member 'twice'", "was revoked");
        });
        assertThat(published).isEmpty();
    }

    @Test
    void aRevokedChainStepFailsTheStepsAfterIt() {
        Canvas.Compiled chain = Canvas.compile(twice.sig(1).then(twice).then(twice).node());
        TaskMessage first = messageOf(chain.heads().get(0));
        String last = chain.terminals().get(0).get("id").asText();

        continuations.afterFinal(first, revoked(first));

        assertThat(backend.get(last)).hasValueSatisfying(r -> {
            assertThat(r.state()).isEqualTo(TaskState.FAILURE);
            assertThat(r.error().message()).contains("did not run", "'twice'", "was revoked");
        });
        assertThat(published).as("nothing after a revoked step runs").isEmpty();
    }
}
