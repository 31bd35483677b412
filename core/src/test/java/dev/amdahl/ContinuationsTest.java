package dev.amdahl;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.amdahl.internal.client.Dispatcher;
import dev.amdahl.internal.memory.MemoryResultBackend;
import dev.amdahl.internal.wire.TaskMessage;
import dev.amdahl.internal.workflow.Canvas;
import dev.amdahl.internal.workflow.Continuations;
import dev.amdahl.spi.TaskError;
import dev.amdahl.spi.TaskRecord;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * What a worker publishes after a step of a workflow: the next steps with the options of their task handles;
 * and when a step is revoked or malformed, it ends what follows, so no future of the workflow waits forever.
 */
class ContinuationsTest {

    private final Amdahl app = Amdahl.builder().build();
    private final Task<Integer, Integer> twice = app.task("twice", Integer.class, Integer.class, x -> 2 * x);
    private final Task<int[], Integer> sum = app.task("sum", int[].class, Integer.class, xs -> Arrays.stream(xs).sum());
    private final MemoryResultBackend backend = new MemoryResultBackend();
    private final List<TaskMessage> published = new ArrayList<>();
    private final List<Integer> priorities = new ArrayList<>();
    private final Continuations continuations = new Continuations(backend, (queue, m, priority) -> {
        published.add(m);
        priorities.add(priority);
    }, Clock.systemUTC());

    @AfterEach
    void close() {
        app.close();
    }

    private static TaskMessage messageOf(ObjectNode head) {
        JsonNode wf = head.get("workflow");
        return new TaskMessage(head.get("id").asText(), head.get("task").asText(), head.get("args"), false, 0, null, null,
                null, wf != null && wf.isObject() ? wf : null);
    }

    private static TaskRecord succeeded(TaskMessage m, String resultJson) {
        return new TaskRecord(m.id(), m.task(), TaskState.SUCCESS, resultJson, null, 0, "w", Instant.now(), Instant.now(), 1);
    }

    private static TaskRecord revoked(TaskMessage m) {
        return new TaskRecord(m.id(), m.task(), TaskState.REVOKED, null,
                TaskError.of(ErrorType.REVOKED.typeName(), "task " + m.id() + " was revoked"), 0, null, null, Instant.now(), 0);
    }

    @Test
    void aRevokedChordMemberFailsTheChordsCallback() {
        Canvas.Compiled chord = Canvas.compile(app.group(List.of(twice.sig(1), twice.sig(2))).then(sum.sig()).node());
        TaskMessage member = messageOf(chord.heads().get(0));
        String callback = chord.terminals().get(0).get("id").asText();

        continuations.afterFinal(member, revoked(member));

        assertThat(backend.get(callback)).hasValueSatisfying(r -> {
            assertThat(r.state()).isEqualTo(TaskState.FAILURE);
            assertThat(r.error().type()).isEqualTo(ErrorType.REVOKED.typeName());
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

    @Test
    void aStepCarriesTheTravellingOptionsOfTheHandleItWasMadeFrom() {
        SubmitOptions options = SubmitOptions.builder().priority(7).maxRetries(5).countdown(Duration.ofSeconds(10))
                .expiresIn(Duration.ofMinutes(1)).softTimeLimit(Duration.ofMillis(1500)).hardTimeLimit(Duration.ofSeconds(3))
                .build();
        Canvas.Compiled chain = Canvas.compile(twice.sig(1).then(twice.withOptions(options)).node());
        TaskMessage first = messageOf(chain.heads().get(0));
        Instant before = Instant.now();

        continuations.afterFinal(first, succeeded(first, "2"));

        assertThat(published).singleElement().satisfies(next -> {
            assertThat(next.args().asInt()).isEqualTo(2);
            assertThat(next.workflow()).as("a step that may come twice is marked, so workers read its record").isNotNull();
            assertThat(next.maxRetries()).isEqualTo(5);
            assertThat(next.softTimeLimit()).isEqualTo(Duration.ofMillis(1500));
            assertThat(next.hardTimeLimit()).isEqualTo(Duration.ofSeconds(3));
            // relative times count from when the step is published, as from a submission
            assertThat(next.eta()).isBetween(before.plusSeconds(10), Instant.now().plusSeconds(10));
            assertThat(next.expires()).isBetween(before.plusSeconds(60), Instant.now().plusSeconds(60));
        });
        assertThat(priorities).containsExactly(7);
    }

    @Test
    void aStepWhoseOptionsDoNotParseEndsWithTheReasonAndIsNotPublished() {
        Canvas.Compiled chain = Canvas.compile(twice.sig(1).then(twice).then(twice).node());
        TaskMessage first = messageOf(chain.heads().get(0));
        ObjectNode second = (ObjectNode) first.workflow().get("link").get(0);
        second.putObject("options").put("priority", 42);   // as a hostile or broken publisher could send it
        String last = chain.terminals().get(0).get("id").asText();

        continuations.afterFinal(first, succeeded(first, "2"));

        assertThat(published).isEmpty();
        assertThat(backend.get(second.get("id").asText())).hasValueSatisfying(r -> {
            assertThat(r.state()).isEqualTo(TaskState.FAILURE);
            assertThat(r.error().message()).contains("options are invalid", "priority");
        });
        assertThat(backend.get(last)).hasValueSatisfying(r -> assertThat(r.state()).isEqualTo(TaskState.FAILURE));
    }
}
