package dev.amdahl.internal.wire;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.amdahl.spi.TaskRecord;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * Issue 10, defect 4: every laxness of the decoders is a rejection with a reason naming the field, and a
 * message keeps its task id where one unambiguous id can be read, so its caller is told.
 */
class StrictDecodingTest {

    private static final String GOOD = "{\"amdahl\":1,\"id\":\"t-1\",\"task\":\"add\",\"args\":[1,2]}";

    private static byte[] json(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static MalformedMessageException rejection(String body) {
        return catchThrowableOfType(MalformedMessageException.class, () -> MessageCodec.decode(json(body)));
    }

    @Test
    void twoConcatenatedMessagesAreRejectedNotHalfRead() {
        MalformedMessageException e = rejection(GOOD + "{\"amdahl\":1,\"id\":\"t-2\",\"task\":\"add\",\"args\":[3,4]}");

        assertThat(e).isNotNull();
        assertThat(e.getMessage()).contains("content follows the message's JSON object", "two messages in one body");
        assertThat(e.taskId()).isEqualTo("t-1");
    }

    @Test
    void anyTrailingContentIsRejected() {
        assertThat(rejection(GOOD + " 1").getMessage()).contains("content follows");
        assertThat(rejection(GOOD + "]").getMessage()).contains("t-1");
        assertThat(MessageCodec.decode(json(GOOD + " \n\t")).id()).isEqualTo("t-1");  // whitespace is not content
    }

    @Test
    void aDuplicateIdIsRejectedAndNamesNoTaskSinceEitherCouldBeTheOne() {
        MalformedMessageException e = rejection("{\"amdahl\":1,\"id\":\"t-1\",\"id\":\"t-2\",\"task\":\"add\",\"args\":1}");

        assertThat(e.getMessage()).contains("Duplicate field 'id'");
        assertThat(e.taskId()).isNull();
    }

    @Test
    void aDuplicateOtherFieldIsRejectedNamingItAndTheTask() {
        MalformedMessageException e = rejection("{\"amdahl\":1,\"id\":\"t-1\",\"task\":\"add\",\"args\":1,\"retries\":0,\"retries\":9}");

        assertThat(e.getMessage()).contains("Duplicate field 'retries'");
        assertThat(e.taskId()).isEqualTo("t-1");
    }

    @Test
    void aDuplicateKeyDeepInTheArgumentsIsRejected() {
        assertThat(rejection("{\"amdahl\":1,\"id\":\"t-1\",\"task\":\"add\",\"args\":{\"a\":1,\"a\":2}}").getMessage())
                .contains("Duplicate field 'a'");
    }

    @Test
    void aFractionWhereAnIntegerIsExpectedIsRejectedNamingTheField() {
        MalformedMessageException e = rejection("{\"amdahl\":1,\"id\":\"t-1\",\"task\":\"add\",\"args\":1,\"retries\":1.7}");

        assertThat(e.getMessage()).contains("\"retries\" must be a non-negative integer, was 1.7");
        assertThat(e.taskId()).isEqualTo("t-1");
        assertThat(rejection("{\"amdahl\":1,\"id\":\"t-1\",\"task\":\"add\",\"args\":1,\"max_retries\":2.0}").getMessage())
                .contains("\"max_retries\" must be a non-negative integer");
        assertThat(rejection("{\"amdahl\":1,\"id\":\"t-1\",\"task\":\"add\",\"args\":1,\"retries\":\"3\"}").getMessage())
                .contains("\"retries\" must be a non-negative integer, was \"3\"");
        assertThat(rejection("{\"amdahl\":1.0,\"id\":\"t-1\",\"task\":\"add\",\"args\":1}").getMessage())
                .contains("\"amdahl\"");
    }

    @Test
    void aStringWhereABooleanIsExpectedIsRejectedNamingTheField() {
        MalformedMessageException e = rejection("{\"amdahl\":1,\"id\":\"t-1\",\"task\":\"add\",\"args\":[1],\"chunk\":\"yes\"}");

        assertThat(e.getMessage()).contains("\"chunk\" must be true or false, was \"yes\"");
        assertThat(e.taskId()).isEqualTo("t-1");
        assertThat(rejection("{\"amdahl\":1,\"id\":\"t-1\",\"task\":\"add\",\"args\":[1],\"chunk\":1}").getMessage())
                .contains("\"chunk\" must be true or false");
    }

    @Test
    void aWorkflowStepThatCannotBeReadIsRejectedNamingItsPath() {
        MalformedMessageException e = rejection("{\"amdahl\":1,\"id\":\"t-1\",\"task\":\"add\",\"args\":1,\"workflow\":"
                + "{\"link\":[{\"id\":\"s-2\",\"task\":\"next\",\"workflow\":{\"link\":[{\"id\":\"s-3\",\"task\":7}]}}]}}");

        assertThat(e.getMessage()).contains("\"workflow.link[0].workflow.link[0].task\" must be a string", "was 7");
        assertThat(e.taskId()).isEqualTo("t-1");
        assertThat(rejection("{\"amdahl\":1,\"id\":\"t-1\",\"task\":\"add\",\"args\":1,\"workflow\":{\"link\":[{\"id\":\"s\","
                + "\"task\":\"n\",\"immutable\":\"yes\"}]}}").getMessage()).contains("\"workflow.link[0].immutable\" must be true or false");
        assertThat(rejection("{\"amdahl\":1,\"id\":\"t-1\",\"task\":\"add\",\"args\":1,\"workflow\":{\"chord\":{\"id\":\"c\","
                + "\"members\":[\"a\",2]}}}").getMessage()).contains("\"workflow.chord.members[1]\" must be a task id");
    }

    @Test
    void whatTheClientCompilesStillDecodes() {
        String body = "{\"amdahl\":1,\"id\":\"t-1\",\"task\":\"add\",\"args\":[1],\"chunk\":true,\"retries\":2,\"max_retries\":3,"
                + "\"workflow\":{\"link\":[{\"id\":\"s-2\",\"task\":\"next\",\"queue\":\"amdahl\",\"immutable\":true,\"args\":5,"
                + "\"options\":{\"priority\":3},\"workflow\":{}}],\"chord\":{\"id\":\"c\",\"members\":[\"t-1\"],\"callbacks\":[]}}}";

        TaskMessage m = MessageCodec.decode(json(body));

        assertThat(m.chunk()).isTrue();
        assertThat(m.retries()).isEqualTo(2);
        assertThat(m.maxRetries()).isEqualTo(3);
        assertThat(m.workflow().path("link").get(0).path("task").asText()).isEqualTo("next");
    }

    @Test
    void storedRecordsAreReadAsStrictly() {
        String good = "{\"id\":\"t-1\",\"task\":\"add\",\"state\":\"SUCCESS\",\"result\":\"3\",\"retries\":0,\"runtime_ns\":5}";
        assertThat(TaskRecord.fromBytes(json(good)).result()).isEqualTo("3");

        assertThatThrownBy(() -> TaskRecord.fromBytes(json(good + good))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("not JSON");
        assertThatThrownBy(() -> TaskRecord.fromBytes(json("{\"id\":\"t-1\",\"state\":\"SUCCESS\",\"state\":\"FAILURE\"}")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("Duplicate field 'state'");
        assertThatThrownBy(() -> TaskRecord.fromBytes(json("{\"id\":\"t-1\",\"state\":\"SUCCESS\",\"retries\":1.7}")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'retries'");
        assertThatThrownBy(() -> TaskRecord.fromBytes(json("{\"id\":\"t-1\",\"state\":\"SUCCESS\",\"runtime_ns\":\"5\"}")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'runtime_ns'");
        assertThatThrownBy(() -> TaskRecord.fromBytes(json("{\"id\":\"t-1\",\"state\":\"FAILURE\",\"error\":\"boom\"}")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'error'");
    }

    /** Users' arguments and results are bound by the same mapper: no truncation of 1.7, no "5" for a number. */
    record Point(int x, boolean visible) {
    }

    @Test
    void argumentsAreBoundStrictlyToo() throws Exception {
        com.fasterxml.jackson.databind.ObjectMapper mapper = dev.amdahl.internal.json.Json.mapper();
        assertThat(mapper.convertValue(mapper.readTree("{\"x\":5,\"visible\":true}"), Point.class)).isEqualTo(new Point(5, true));
        for (String wrong : new String[]{"{\"x\":1.7,\"visible\":true}", "{\"x\":\"5\",\"visible\":true}",
                "{\"x\":5,\"visible\":\"yes\"}"}) {
            assertThatThrownBy(() -> mapper.convertValue(mapper.readTree(wrong), Point.class)).as(wrong)
                    .isInstanceOf(IllegalArgumentException.class);
        }
    }
}
