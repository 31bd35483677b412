package dev.amdahl.internal.wire;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.IntNode;
import dev.amdahl.MessageLimits;
import dev.amdahl.internal.json.Json;
import dev.amdahl.internal.memory.MemoryBroker;
import dev.amdahl.observe.TraceContext;
import dev.amdahl.spi.Delivery;
import dev.amdahl.spi.OutboundMessage;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The decoded form a wire carries beside its bytes through the embedded broker: it is exactly what decoding those bytes
 * gives (so an argument that would not survive JSON on another broker does not survive it here), only the wire that
 * made it uses it, and the broker hands it to a message's first delivery alone.
 */
class CarriedMessageTest {

    private static final Wire WIRE = Wire.amdahl(MessageCodec.defaults(), MessageSigner.NONE);

    private static TaskMessage message(String id, JsonNode args) {
        return new TaskMessage(id, "t.carried", args, false, 2, Instant.parse("2026-12-02T01:02:03.000456Z"),
                Instant.parse("2026-12-03T00:00:00Z"), "g-1", null, 4, Duration.ofMillis(1_500), Duration.ofNanos(2_000_000_001L),
                Instant.parse("2026-12-02T01:02:03.123456789Z"),
                new TraceContext("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", "k=v"));
    }

    private static Delivery delivered(OutboundMessage out) {
        return new Delivery("q", out.id(), out.body(), 0, 1, 1L, false, out.decoded());
    }

    @Test
    void theCarriedMessageIsWhatDecodingItsBytesGivesNotWhatWasSubmitted() {
        Map<String, Object> arg = new LinkedHashMap<>();
        arg.put("bytes", new byte[] {1, 2, 3});   // a binary node before the bytes, base64 text after them
        arg.put("big", Long.MAX_VALUE);
        arg.put("small", 7L);                       // a long before, an int after
        arg.put("ratio", 0.1f);                     // a float before, a double after
        arg.put("list", List.of("a", "é", "\uD83D\uDE00"));
        TaskMessage submitted = message("id-1", Json.mapper().valueToTree(arg));

        OutboundMessage out = WIRE.encode(submitted, 3, true);
        TaskMessage carried = WIRE.decode(delivered(out));
        TaskMessage fromBytes = WIRE.decode(new Delivery("q", out.id(), out.body(), 0, 1, 1L));

        assertThat(out.decoded()).isNotNull();
        assertThat(carried).isEqualTo(fromBytes);
        assertThat(carried.args().get("bytes").isTextual()).isTrue();
        assertThat(carried.args()).isNotEqualTo(submitted.args());
        assertThat(out.body()).isEqualTo(WIRE.encode(submitted, 3).body());
    }

    @Test
    void withoutCarryNothingIsCarriedAndTheBytesAreTheSame() {
        TaskMessage m = message("id-2", IntNode.valueOf(1));

        assertThat(WIRE.encode(m, 0, false).decoded()).isNull();
        assertThat(WIRE.encode(m, 0, false).body()).isEqualTo(WIRE.encode(m, 0, true).body());
    }

    @Test
    void anotherWiresCarriedFormIsIgnoredAndItsBytesAreDecoded() {
        Wire other = Wire.amdahl(MessageCodec.defaults(), MessageSigner.NONE);
        OutboundMessage one = WIRE.encode(message("one", IntNode.valueOf(1)), 0, true);
        OutboundMessage two = other.encode(message("two", IntNode.valueOf(2)), 0, true);

        // bytes of one, carrying what the other wire made: this wire reads the bytes
        Delivery mixed = new Delivery("q", "one", one.body(), 0, 1, 1L, false, two.decoded());

        assertThat(WIRE.decode(mixed).id()).isEqualTo("one");
        assertThat(WIRE.decode(new Delivery("q", "one", one.body(), 0, 1, 1L, false, "not ours")).id()).isEqualTo("one");
    }

    @Test
    void aSignedMessageIsCarriedAndItsBytesStaySigned() {
        byte[] secret = new byte[32];
        Arrays.fill(secret, (byte) 's');
        Wire signed = Wire.amdahl(MessageCodec.defaults(), MessageSigner.of("k", Map.of("k", secret), false));
        OutboundMessage out = signed.encode(message("signed", IntNode.valueOf(1)), 0, true);

        assertThat(new String(out.body(), java.nio.charset.StandardCharsets.UTF_8)).startsWith("{\"amdahl-signed\"");
        assertThat(signed.decode(delivered(out))).isEqualTo(signed.decode(new Delivery("q", out.id(), out.body(), 0, 1, 1L)));
        // a worker that does not know the key reads the bytes, and refuses them
        assertThatThrownBy(() -> WIRE.decode(delivered(out))).isInstanceOf(UnverifiedMessageException.class);
    }

    @Test
    void aMessageTheReaderRefusesIsNotCarriedSoTheWorkerRejectsItFromItsBytes() {
        TaskMessage tooLongId = message("x".repeat(MessageCodec.MAX_ID_LENGTH + 1), IntNode.valueOf(1));
        OutboundMessage out = WIRE.encode(tooLongId, 0, true);

        assertThat(out.decoded()).isNull();
        assertThatThrownBy(() -> WIRE.decode(delivered(out))).isInstanceOf(MalformedMessageException.class)
                .hasMessageContaining("task id must be 1 to");
    }

    @Test
    void overALimitTheSubmitIsRefusedAsWithoutCarry() {
        Wire small = Wire.amdahl(MessageCodec.of(MessageLimits.builder().maxStringLength(10).build()), MessageSigner.NONE);
        TaskMessage m = message("id-3", Json.mapper().valueToTree("a string longer than ten"));

        assertThatThrownBy(() -> small.encode(m, 0, true)).isInstanceOf(MessageRefusedException.class)
                .hasMessageContaining("maxStringLength");
    }

    @Test
    void theBrokerHandsTheCarriedFormToTheFirstDeliveryOnly() throws InterruptedException {
        try (MemoryBroker broker = new MemoryBroker(Clock.systemUTC())) {
            OutboundMessage out = WIRE.encode(message("first", IntNode.valueOf(1)), 0, true);
            broker.publish("q", out);

            Delivery first = broker.poll(List.of("q"), 1, Duration.ofSeconds(5)).get(0);
            broker.requeue(first);
            Delivery second = broker.poll(List.of("q"), 1, Duration.ofSeconds(5)).get(0);

            assertThat(first.decoded()).isSameAs(out.decoded());
            assertThat(second.decoded()).isNull();
            assertThat(WIRE.decode(second)).isEqualTo(WIRE.decode(first));
        }
    }

    @Test
    void atMostMaxCarriedWaitingMessagesKeepTheirDecodedForm() throws InterruptedException {
        try (MemoryBroker broker = new MemoryBroker(Clock.systemUTC())) {
            Object decoded = new Object();
            List<OutboundMessage> out = new ArrayList<>();
            for (int i = 0; i <= MemoryBroker.MAX_CARRIED; i++) {
                out.add(new OutboundMessage("m" + i, new byte[] {'{', '}'}, 0, null, decoded));
            }
            broker.publishAll("q", out);

            int carried = 0;
            int bare = 0;
            List<Delivery> taken;
            while (!(taken = broker.poll(List.of("q"), 10_000, Duration.ofMillis(10))).isEmpty()) {
                for (Delivery d : taken) {
                    if (d.decoded() == decoded) {
                        carried++;
                    } else {
                        bare++;
                    }
                }
                broker.ackAll(taken);
            }

            assertThat(carried).isEqualTo(MemoryBroker.MAX_CARRIED);
            assertThat(bare).isEqualTo(1);
        }
    }

    @Test
    void aLoneSurrogateInAMapKeyIsRefusedByTheClientAsTheWorkerWouldRejectIt() {
        // the writer escapes it into an ASCII body, which the reader refuses: the check must not pass it as plain unread
        var args = Json.mapper().createObjectNode().put("\uD83Db", 1);

        assertThatThrownBy(() -> WIRE.encode(message("id-lone", args), 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("so a worker would reject it");
    }
}
