package dev.amdahl.internal.wire;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.amdahl.internal.json.Json;
import dev.amdahl.observe.TraceContext;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The publish time and the W3C trace context a message carries: optional (a message from an older client still
 * decodes), and when present exactly what they claim to be, or the message is rejected naming the field.
 */
class TraceFieldsCodecTest {

    private static final String PARENT = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
    private static final String OLD = "{\"amdahl\":1,\"id\":\"t-1\",\"task\":\"add\",\"args\":[1,2]}";

    private static byte[] json(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static String with(String fields) {
        return OLD.substring(0, OLD.length() - 1) + "," + fields + "}";
    }

    private static MalformedMessageException rejection(String body) {
        return catchThrowableOfType(MalformedMessageException.class, () -> MessageCodec.decode(json(body)));
    }

    @Test
    void aMessageWithoutTheNewFieldsDecodesWithoutThem() {
        TaskMessage m = MessageCodec.decode(json(OLD));

        assertThat(m.sentAt()).isNull();
        assertThat(m.trace()).isNull();
    }

    @Test
    void theFieldsSurviveTheRoundTrip() {
        Instant sent = Instant.parse("2026-12-01T10:15:30.123Z");
        TaskMessage m = new TaskMessage("t-1", "add", Json.mapper().createArrayNode(), false, 0, null, null, null, null,
                null, null, null, sent, TraceContext.of(PARENT, "congo=t61rcWkgMzE,rojo=00f067aa0ba902b7"));

        String body = new String(MessageCodec.encode(m), StandardCharsets.UTF_8);
        TaskMessage back = MessageCodec.decode(json(body));

        assertThat(body).contains("\"sent\":\"2026-12-01T10:15:30.123Z\"", "\"traceparent\":\"" + PARENT + "\"");
        assertThat(back.sentAt()).isEqualTo(sent);
        assertThat(back.trace()).isEqualTo(m.trace());
        assertThat(back.trace().traceId()).isEqualTo("4bf92f3577b34da6a3ce929d0e0e4736");
        assertThat(back.trace().parentSpanId()).isEqualTo("00f067aa0ba902b7");
        assertThat(back.trace().sampled()).isTrue();
    }

    @Test
    void aRetryCarriesTheTraceAndANewPublishTime() {
        Instant now = Instant.parse("2026-12-01T10:16:00Z");
        TaskMessage m = new TaskMessage("t-1", "add", Json.mapper().createArrayNode(), false, 0, null, null, null, null,
                null, null, null, Instant.parse("2026-12-01T10:15:00Z"), TraceContext.of(PARENT, null));

        TaskMessage next = m.retried(now.plusSeconds(1), now);

        assertThat(next.sentAt()).isEqualTo(now);
        assertThat(next.trace()).isEqualTo(m.trace());
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7",          // no flags
        "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",       // upper case
        "00-00000000000000000000000000000000-00f067aa0ba902b7-01",       // zero trace id
        "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",       // zero parent id
        "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",       // the forbidden version
        "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra", // version 00 has four fields
        "not a trace"
    })
    void aTraceparentNotInTheW3cFormatIsRejectedNamingIt(String traceparent) {
        MalformedMessageException e = rejection(with("\"traceparent\":\"" + traceparent + "\""));

        assertThat(e).isNotNull();
        assertThat(e.getMessage()).contains("traceparent must be a W3C trace context");
        assertThat(e.taskId()).isEqualTo("t-1");
    }

    @Test
    void aLaterVersionMayAppendFields() {
        TaskMessage m = MessageCodec.decode(json(with("\"traceparent\":\"01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-more\"")));

        assertThat(m.trace().traceId()).isEqualTo("4bf92f3577b34da6a3ce929d0e0e4736");
    }

    @Test
    void theFieldsMustHaveTheirTypes() {
        assertThat(rejection(with("\"traceparent\":42")).getMessage()).contains("\"traceparent\" must be a string");
        assertThat(rejection(with("\"traceparent\":\"" + PARENT + "\",\"tracestate\":[1]")).getMessage())
                .contains("\"tracestate\" must be a string");
        assertThat(rejection(with("\"sent\":\"yesterday\"")).getMessage()).contains("\"sent\" is not an ISO-8601 instant");
        assertThat(rejection(with("\"sent\":1733000000")).getMessage()).contains("\"sent\" must be a string");
    }

    @Test
    void aTracestateIsBoundedPrintableAndComesWithItsTraceparent() {
        assertThat(rejection(with("\"tracestate\":\"a=b\"")).getMessage()).contains("\"tracestate\" comes without \"traceparent\"");
        assertThat(rejection(with("\"traceparent\":\"" + PARENT + "\",\"tracestate\":\"" + "a".repeat(513) + "\"")).getMessage())
                .contains("tracestate must be at most 512 characters");
        assertThat(rejection(with("\"traceparent\":\"" + PARENT + "\",\"tracestate\":\"a=\\u0007\"")).getMessage())
                .contains("tracestate must be printable ASCII");
        assertThat(MessageCodec.decode(json(with("\"traceparent\":\"" + PARENT + "\",\"tracestate\":\"" + "a".repeat(512) + "\"")))
                .trace().tracestate()).hasSize(512);
    }

    @Test
    void anOverlongTraceparentIsRejectedBeforeTheRegexRuns() {
        assertThatThrownBy(() -> TraceContext.of("01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-" + "x".repeat(300), null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("traceparent must be a W3C trace context");
    }
}
