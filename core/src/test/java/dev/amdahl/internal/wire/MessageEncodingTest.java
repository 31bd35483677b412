package dev.amdahl.internal.wire;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.amdahl.internal.json.Json;
import dev.amdahl.observe.TraceContext;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * The message is written field by field, and its arguments node by node, byte for byte as the mapper writes the same
 * message built as one tree (the form the encoder had before, kept here as the reference), whether the message is plain
 * enough for {@link PlainMessageWriter} or left to the generator.
 */
class MessageEncodingTest {

    @Provide
    Arbitrary<Object> arguments() {
        Arbitrary<Object> scalar = Arbitraries.oneOf(Arbitraries.integers().map(i -> (Object) i),
                Arbitraries.longs().map(l -> (Object) l), Arbitraries.strings().ofMaxLength(12).map(t -> (Object) t),
                Arbitraries.strings().ascii().ofMaxLength(12).map(t -> (Object) t),
                Arbitraries.doubles().map(d -> (Object) d), Arbitraries.of(true, false, 1.5f, (short) 2),
                Arbitraries.of(new BigDecimal("1.10"), new java.math.BigInteger("123456789012345678901234567890"),
                        new byte[] {1, 2, 3}, Instant.parse("2026-12-02T00:00:00Z")));
        return Arbitraries.recursive(() -> scalar, inner -> Arbitraries.oneOf(
                inner.list().ofMaxSize(4).map(l -> (Object) l),
                Arbitraries.maps(Arbitraries.strings().alpha().ofMaxLength(5), inner).ofMaxSize(4).map(m -> (Object) m),
                Arbitraries.just((Object) nullMap())), 3);
    }

    private static Map<String, Object> nullMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("gone", null);
        m.put("empty", List.of());
        return m;
    }

    @Property(tries = 1_000)
    void theBytesAreThoseOfTheMessageWrittenAsOneTree(@ForAll("arguments") Object argument, @ForAll boolean full,
                                                      @ForAll boolean timeLimits) {
        JsonNode args = Json.mapper().valueToTree(argument);
        TaskMessage m = full
                ? new TaskMessage("id", "t", args, false, 3, Instant.parse("2026-12-02T01:02:03.5Z"),
                        Instant.parse("2026-12-03T00:00:00Z"), "g", (JsonNode) Json.mapper().valueToTree(Map.of("link", List.of(argument))),
                        2, timeLimits ? Duration.ofMillis(1_500) : null, timeLimits ? Duration.ofSeconds(7) : null,
                        Instant.parse("2026-12-02T01:02:03.123456789Z"),
                        new TraceContext("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", "k=v"))
                : new TaskMessage("id", "t", args, false, 0, null, null, null, null);

        assertThat(new String(MessageCodec.encode(m), java.nio.charset.StandardCharsets.UTF_8))
                .isEqualTo(new String(asOneTree(m), java.nio.charset.StandardCharsets.UTF_8));
    }

    @Provide
    Arbitrary<dev.amdahl.MessageLimits> limits() {
        return Arbitraries.of(dev.amdahl.MessageLimits.ofDefaults(),
                dev.amdahl.MessageLimits.builder().maxStringLength(8).build(),
                dev.amdahl.MessageLimits.builder().maxNestingDepth(2).build(),
                dev.amdahl.MessageLimits.builder().maxNestingDepth(3).build(),
                dev.amdahl.MessageLimits.builder().maxTokens(16).build(),
                dev.amdahl.MessageLimits.builder().maxTokens(40).maxStringLength(30).build(),
                dev.amdahl.MessageLimits.builder().maxMessageBytes(150).build());
    }

    /**
     * The check's verdict is the worker reader's on the same bytes, with or without the read that a carried message
     * needs, and the message it carries is what that reader reads, whether the check read the bytes or knew it could
     * leave them unread.
     */
    @Property(tries = 2_000)
    void theCheckIsTheReadersVerdictAndTheCarriedMessageWhatItReads(@ForAll("arguments") Object argument,
                                                                    @ForAll("limits") dev.amdahl.MessageLimits limits,
                                                                    @ForAll boolean chunk, @ForAll boolean timeLimit) {
        MessageCodec codec = MessageCodec.of(limits);
        JsonNode args = Json.mapper().valueToTree(argument);
        if (chunk) {
            args = Json.mapper().createArrayNode().add(args).add(args);
        }
        TaskMessage m = new TaskMessage("id-" + argument.hashCode(), "t.check", args, chunk, 1, null, null, chunk ? "g" : null,
                null, null, null, timeLimit ? Duration.ofMillis(2_500) : null, Instant.parse("2026-12-02T01:02:03.456Z"), null);
        byte[] bytes = MessageCodec.encode(m);
        TaskMessage read;
        try {
            read = codec.read(bytes);
        } catch (MalformedMessageException refused) {
            read = null;
        }
        for (boolean carry : new boolean[] {false, true}) {
            MessageCodec.Checked checked;
            try {
                checked = codec.encodeChecked(m, carry);
            } catch (MessageRefusedException refused) {
                checked = null;
            }
            assertThat(checked != null).as("check (carry %s) passes exactly when the reader reads %s", carry, argument)
                    .isEqualTo(read != null);
            if (checked != null) {
                assertThat(checked.body()).isEqualTo(bytes);
                assertThat(checked.decoded()).isEqualTo(carry ? read : null);
            }
        }
    }

    private static byte[] asOneTree(TaskMessage m) {
        ObjectNode o = Json.mapper().createObjectNode();
        o.put("amdahl", MessageCodec.VERSION);
        o.put("id", m.id());
        o.put("task", m.task());
        o.set("args", m.args());
        if (m.chunk()) {
            o.put("chunk", true);
        }
        if (m.retries() != 0) {
            o.put("retries", m.retries());
        }
        if (m.eta() != null) {
            o.put("eta", m.eta().toString());
        }
        if (m.expires() != null) {
            o.put("expires", m.expires().toString());
        }
        if (m.groupId() != null) {
            o.put("group", m.groupId());
        }
        if (m.workflow() != null) {
            o.set("workflow", m.workflow());
        }
        if (m.maxRetries() != null) {
            o.put("max_retries", m.maxRetries());
        }
        if (m.hardTimeLimit() != null || m.softTimeLimit() != null) {
            ArrayNode limits = o.putArray("timelimit");
            for (Duration d : new Duration[] {m.hardTimeLimit(), m.softTimeLimit()}) {
                if (d == null) {
                    limits.addNull();
                } else {
                    limits.add(BigDecimal.valueOf(d.toNanos(), 9).stripTrailingZeros());
                }
            }
        }
        if (m.sentAt() != null) {
            o.put("sent", m.sentAt().toString());
        }
        if (m.trace() != null) {
            o.put("traceparent", m.trace().traceparent());
            if (m.trace().tracestate() != null) {
                o.put("tracestate", m.trace().tracestate());
            }
        }
        try {
            return Json.mapper().writeValueAsBytes(o);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }
}
