package dev.amdahl.celery.internal.result;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.IntNode;
import dev.amdahl.MessageLimits;
import dev.amdahl.TaskState;
import dev.amdahl.celery.internal.protocol.Fixtures;
import dev.amdahl.celery.internal.protocol.MalformedCeleryMessageException;
import dev.amdahl.spi.TaskError;
import dev.amdahl.spi.TaskRecord;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The result documents Celery 5.2's Redis backend stored, read and written back. */
@Timeout(30)
class CeleryResultGoldenTest {

    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final JsonNode RESULTS = Fixtures.read("celery-redis-results.json");
    private static final MessageLimits LIMITS = MessageLimits.ofDefaults();

    private static CeleryResult read(String name) throws Exception {
        return CeleryResult.fromBytes(MAPPER.writeValueAsBytes(RESULTS.get(name)), LIMITS);
    }

    @Test
    void success() throws Exception {
        CeleryResult r = read("success");
        assertThat(r.taskId()).isEqualTo("dcf8c297-ad49-4be6-8dcf-86451a23548e");
        assertThat(r.state()).isEqualTo(TaskState.SUCCESS);
        assertThat(r.result()).isEqualTo(IntNode.valueOf(5));
        assertThat(r.dateDone()).isEqualTo(Instant.parse("2026-11-24T21:05:52.615574Z"));
        assertThat(r.children()).isEmpty();
        TaskRecord record = r.toTaskRecord("fx.add");
        assertThat(record.state()).isEqualTo(TaskState.SUCCESS);
        assertThat(record.result()).isEqualTo("5");
        assertThat(record.finishedAt()).isEqualTo(r.dateDone());
        assertThat(MAPPER.readTree(r.toBytes())).isEqualTo(RESULTS.get("success"));
    }

    @Test
    void aPythonFailureIsReportedWithThePythonTypeNameAndMessage() throws Exception {
        CeleryResult r = read("failure");
        assertThat(r.state()).isEqualTo(TaskState.FAILURE);
        TaskError e = r.error();
        assertThat(e.type()).isEqualTo("ValueError");
        assertThat(e.message()).isEqualTo("bad input");
        assertThat(e.summary()).isEqualTo("ValueError: bad input");
        assertThat(e.stackTrace()).startsWith("Traceback (most recent call last):").endsWith("ValueError: bad input\n");
        assertThat(r.toTaskRecord("fx.boom").error()).isEqualTo(e);
        assertThat(MAPPER.readTree(r.toBytes())).isEqualTo(RESULTS.get("failure"));
    }

    @Test
    void theChordCallbackCarriesItsParent() throws Exception {
        CeleryResult r = read("chord_callback");
        assertThat(r.result()).isEqualTo(IntNode.valueOf(6));
        assertThat(r.parentId()).isEqualTo("dd22ac54-fef2-47e8-99f3-de745ebbced2");
        assertThat(MAPPER.readTree(r.toBytes())).isEqualTo(RESULTS.get("chord_callback"));
    }

    @Test
    void theKeysOfTheRedisBackendAreCeleryTaskMetaAndTasksetMeta() {
        JsonNode keys = RESULTS.get("keys_after");
        assertThat(keys.get(3).asText()).isEqualTo("celery-task-meta-" + RESULTS.get("chord_callback").get("task_id").asText());
        assertThat(keys).extracting(JsonNode::asText).contains("celery-task-meta-dcf8c297-ad49-4be6-8dcf-86451a23548e",
                "celery-taskset-meta-86e612b2-a345-48e3-8b4c-ddceaf208207");
        // a saved group: [[group id, parent], [[[member id, parent], null]...]]
        JsonNode group = RESULTS.get("group_meta").get("result");
        assertThat(group.get(0).get(0).asText()).isEqualTo("86e612b2-a345-48e3-8b4c-ddceaf208207");
        assertThat(group.get(1)).hasSize(2);
    }

    @Test
    void aJavaFailureTakesCeleryExceptionShape() throws Exception {
        TaskError error = TaskError.of(new IllegalStateException("no tiles left"));
        CeleryResult r = CeleryResult.failure("t-1", error, Instant.parse("2026-11-24T21:05:52Z"));
        JsonNode doc = MAPPER.readTree(r.toBytes());
        assertThat(doc.get("status").asText()).isEqualTo("FAILURE");
        assertThat(doc.get("result").toString())
                .isEqualTo("{\"exc_type\":\"IllegalStateException\",\"exc_message\":[\"no tiles left\"],\"exc_module\":\"java.lang\"}");
        assertThat(doc.get("traceback").asText()).contains("java.lang.IllegalStateException: no tiles left");
        assertThat(doc.get("date_done").asText()).isEqualTo("2026-11-24T21:05:52");
        CeleryResult back = CeleryResult.fromBytes(r.toBytes(), LIMITS);
        assertThat(back.error().type()).isEqualTo("java.lang.IllegalStateException");
        assertThat(back.error().message()).isEqualTo("no tiles left");
    }

    @Test
    void badDocumentsAreRefusedNamingTheField() {
        assertThatThrownBy(() -> CeleryResult.fromBytes(bytes("{\"task_id\": \"t\", \"status\": \"DONE\"}"), LIMITS))
                .isInstanceOf(MalformedCeleryMessageException.class).hasMessageContaining("\"status\" must be a Celery state");
        assertThatThrownBy(() -> CeleryResult.fromBytes(bytes("{\"status\": \"SUCCESS\"}"), LIMITS)).hasMessageContaining("no \"task_id\"");
        assertThatThrownBy(() -> CeleryResult.fromBytes(bytes("{\"task_id\": \"t\", \"status\": \"FAILURE\", \"result\": {\"exc_type\": 3}}"), LIMITS))
                .hasMessageContaining("\"exc_type\" must be a type name");
        assertThatThrownBy(() -> CeleryResult.fromBytes(bytes("{\"task_id\": \"t\", \"status\": \"SUCCESS\", \"date_done\": \"noon\"}"), LIMITS))
                .hasMessageContaining("\"date_done\" is not an ISO-8601 time");
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
