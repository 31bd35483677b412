package dev.amdahl.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.amdahl.Progress;
import dev.amdahl.TaskState;
import dev.amdahl.internal.json.Json;
import dev.amdahl.internal.wire.MalformedMessageException;
import dev.amdahl.internal.wire.MessageCodec;
import dev.amdahl.internal.wire.TaskMessage;
import dev.amdahl.spi.TaskRecord;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** The option fields of messages and records: round trips, Celery's timelimit shape, and old bodies still read. */
class WireOptionsTest {

    private static byte[] json(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void retriesAndTimeLimitsRoundTrip() {
        TaskMessage m = new TaskMessage("id-1", "t", Json.mapper().createObjectNode(), false, 2, Instant.parse("2030-01-01T00:00:00Z"),
                null, null, null, 5, Duration.ofMillis(1_500), Duration.ofSeconds(3));

        byte[] body = MessageCodec.encode(m);

        assertThat(new String(body, StandardCharsets.UTF_8)).contains("\"max_retries\":5", "\"timelimit\":[3,1.5]");
        assertThat(MessageCodec.decode(body)).isEqualTo(m);
    }

    @Test
    void aMessageWithoutTheNewFieldsStillReads() {
        TaskMessage m = MessageCodec.decode(json("{\"amdahl\":1,\"id\":\"a\",\"task\":\"t\",\"args\":1}"));

        assertThat(m.maxRetries()).isNull();
        assertThat(m.softTimeLimit()).isNull();
        assertThat(m.hardTimeLimit()).isNull();
    }

    @Test
    void oneLimitAloneIsNullInItsPlace() {
        TaskMessage m = MessageCodec.decode(json("{\"amdahl\":1,\"id\":\"a\",\"task\":\"t\",\"args\":1,\"timelimit\":[null,2]}"));

        assertThat(m.hardTimeLimit()).isNull();
        assertThat(m.softTimeLimit()).isEqualTo(Duration.ofSeconds(2));
    }

    @Test
    void badOptionFieldsAreNamed() {
        assertThatThrownBy(() -> MessageCodec.decode(json("{\"amdahl\":1,\"id\":\"a\",\"task\":\"t\",\"args\":1,\"timelimit\":[-1]}")))
                .isInstanceOf(MalformedMessageException.class).hasMessageContaining("timelimit");
        assertThatThrownBy(() -> MessageCodec.decode(json("{\"amdahl\":1,\"id\":\"a\",\"task\":\"t\",\"args\":1,\"timelimit\":\"soon\"}")))
                .hasMessageContaining("timelimit");
        assertThatThrownBy(() -> MessageCodec.decode(json("{\"amdahl\":1,\"id\":\"a\",\"task\":\"t\",\"args\":1,\"timelimit\":[1e12]}")))
                .hasMessageContaining("at most");
        assertThatThrownBy(() -> MessageCodec.decode(json("{\"amdahl\":1,\"id\":\"a\",\"task\":\"t\",\"args\":1,\"max_retries\":-2}")))
                .hasMessageContaining("max_retries");
    }

    @Test
    void progressRoundTripsAndOldRecordsHaveNone() {
        TaskRecord r = new TaskRecord("a", "t", TaskState.STARTED, null, null, 0, "w", Instant.EPOCH, null, 0, new Progress(0.4, "resizing"));
        assertThat(TaskRecord.fromBytes(r.toBytes())).isEqualTo(r);

        TaskRecord old = TaskRecord.fromBytes(json("{\"id\":\"a\",\"task\":\"t\",\"state\":\"STARTED\",\"retries\":0,\"runtime_ns\":0}"));
        assertThat(old.progress()).isNull();

        assertThatThrownBy(() -> TaskRecord.fromBytes(json("{\"id\":\"a\",\"state\":\"STARTED\",\"progress\":{\"fraction\":7}}")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("progress");
    }
}
