package dev.amdahl.celery.internal.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.amdahl.MessageLimits;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Decodes the messages Celery 5.2.6 / kombu 5.2.4 wrote to Redis and RabbitMQ, field by field, and writes them back. */
@Timeout(30)
class ProtocolGoldenTest {

    private static final JsonNode REDIS = Fixtures.read("celery-redis-messages.json");
    private static final JsonNode AMQP = Fixtures.read("celery-amqp-messages.json");
    private final ProtocolCodec codec = ProtocolCodec.of(MessageLimits.ofDefaults());
    private final KombuEnvelope envelope = KombuEnvelope.of(MessageLimits.ofDefaults());

    private CeleryTaskMessage redis(String name) {
        return codec.decode(envelope.read(Fixtures.redisEntry(REDIS.get(name).get("message"))));
    }

    @Test
    void simpleMessageOverRedis() {
        CeleryTaskMessage m = redis("simple");
        assertThat(m.protocol()).isEqualTo(2);
        assertThat(m.id()).isEqualTo("27fed563-917e-4489-a587-0cd4c36ca8ad");
        assertThat(m.task()).isEqualTo("fx.add");
        assertThat(m.headers().lang()).isEqualTo("py");
        assertThat(m.headers().rootId()).isEqualTo(m.id());
        assertThat(m.headers().parentId()).isNull();
        assertThat(m.headers().group()).isNull();
        assertThat(m.headers().eta()).isNull();
        assertThat(m.headers().hardTimeLimit()).isNull();
        assertThat(m.headers().softTimeLimit()).isNull();
        assertThat(m.headers().argsrepr()).isEqualTo("(2, 3)");
        assertThat(m.headers().kwargsrepr()).isEqualTo("{}");
        assertThat(m.headers().origin()).isEqualTo("gen31314@vm");
        assertThat(m.headers().ignoreResult()).isFalse();
        assertThat(m.headers().extra()).isEmpty();
        assertThat(m.properties().correlationId()).isEqualTo(m.id());
        assertThat(m.properties().replyTo()).isEqualTo("3fda7647-9c2d-31eb-ba17-87f84ea45a23");
        assertThat(m.properties().routingKey()).isEqualTo("fx");
        assertThat(m.properties().exchange()).isEmpty();
        assertThat(m.properties().deliveryTag()).isEqualTo("38a5a041-0f08-4156-9e9f-b8d539ea07b9");
        assertThat(m.body().args().toString()).isEqualTo("[2,3]");
        assertThat(m.body().kwargs()).isEmpty();
        assertThat(m.body().callbacks()).isEmpty();
        assertThat(m.body().chain()).isEmpty();
        assertThat(m.body().chord()).isNull();
    }

    @Test
    void countdownExpiresTimeLimitsAndPriority() {
        CeleryTaskMessage m = redis("countdown_expires_limits");
        assertThat(REDIS.get("countdown_expires_limits").get("redis_key").asText()).isEqualTo("fx\u0006\u00163");
        assertThat(m.headers().eta()).isEqualTo(OffsetDateTime.parse("2026-11-24T21:06:13.083565+00:00"));
        assertThat(m.headers().expires()).isEqualTo(OffsetDateTime.parse("2026-11-24T22:05:43.083565+00:00"));
        assertThat(m.headers().hardTimeLimit()).isEqualTo(Duration.ofSeconds(60));
        assertThat(m.headers().softTimeLimit()).isEqualTo(Duration.ofSeconds(50));
        assertThat(m.properties().priority()).isEqualTo(3);
    }

    @Test
    void kwargsOfEveryJsonKind() {
        CeleryTaskMessage m = redis("kwargs_types");
        assertThat(m.body().args()).isEmpty();
        assertThat(m.body().kwargs().toString()).isEqualTo("{\"x\":1.5,\"y\":[1,\"two\",null,true,{\"k\":\"v\"}]}");
    }

    @Test
    void kombu52WritesDatetimeDateDecimalAndUuidAsPlainStrings() {
        CeleryTaskMessage m = redis("typed_values");
        assertThat(m.body().args().get(0).asText()).isEqualTo("2026-11-24T12:00:00");
        JsonNode d = m.body().args().get(1);
        assertThat(d.get("u").asText()).isEqualTo("00000000-0000-0000-0000-000000000001");
        assertThat(d.get("d").asText()).isEqualTo("2026-11-24T00:00:00");
        assertThat(d.get("dec").asText()).isEqualTo("1.10");
    }

    @Test
    void aChainTravelsReversedAndDecodesInRunOrder() {
        CeleryTaskMessage m = redis("chain");
        assertThat(m.body().args().toString()).isEqualTo("[1,2]");
        List<CelerySignature> chain = m.body().chain();
        assertThat(chain).extracting(s -> s.args().toString()).containsExactly("[10]", "[100]");
        assertThat(chain.get(0).taskId()).isEqualTo("4fb015da-39b5-4470-a7cd-8a659081d565");
        assertThat(chain.get(0).task()).isEqualTo("fx.add");
        assertThat(chain.get(0).immutable()).isFalse();
        assertThat(chain.get(0).subtaskType()).isNull();
        assertThat(chain.get(0).options().get("reply_to").asText()).isEqualTo("3fda7647-9c2d-31eb-ba17-87f84ea45a23");
    }

    @Test
    void chordHeaderMembersCarryTheGroupAndTheCallback() {
        JsonNode members = REDIS.get("chord_header_members");
        assertThat(members).hasSize(3);
        for (JsonNode member : members) {
            CeleryTaskMessage m = codec.decode(envelope.read(Fixtures.redisEntry(member)));
            assertThat(m.headers().group()).isEqualTo("8c8251e0-8e4f-4053-9eeb-b7b2b0bcf4d6");
            assertThat(m.headers().groupIndex()).isEqualTo(m.body().args().get(0).asInt());
            assertThat(m.body().chord().task()).isEqualTo("fx.tsum");
            assertThat(m.body().chord().taskId()).isEqualTo("9f7231db-bb1a-490e-b95f-5a114f5c05e8");
            assertThat(m.body().chord().args()).isEmpty();
        }
    }

    @Test
    void linkAndLinkError() {
        CeleryTaskMessage m = redis("link_error");
        assertThat(m.task()).isEqualTo("fx.boom");
        assertThat(m.body().callbacks()).singleElement().satisfies(s -> {
            assertThat(s.task()).isEqualTo("fx.add");
            assertThat(s.args().toString()).isEqualTo("[1]");
            assertThat(s.immutable()).isFalse();
            assertThat(s.taskId()).isNull();
        });
        assertThat(m.body().errbacks()).singleElement().satisfies(s -> {
            assertThat(s.args().toString()).isEqualTo("[0,0]");
            assertThat(s.immutable()).isTrue();
        });
    }

    @Test
    void everyRedisCaptureWritesBackToTheSameHeadersPropertiesAndBody() {
        REDIS.properties().forEach(e -> {
            List<JsonNode> entries = e.getValue().isArray() ? List.copyOf(toList(e.getValue())) : List.of(e.getValue().get("message"));
            for (JsonNode entry : entries) {
                WireMessage wire = envelope.read(Fixtures.redisEntry(entry));
                CeleryTaskMessage m = codec.decode(wire);
                WireMessage again = codec.encode(m);
                assertThat(again.headers()).as(e.getKey()).isEqualTo(entry.get("headers"));
                JsonNode props = entry.get("properties").deepCopy();
                ((com.fasterxml.jackson.databind.node.ObjectNode) props).remove("body_encoding");
                assertThat(again.properties()).as(e.getKey()).isEqualTo(props);
                assertThat(codec.json().parse(again.body(), "", null)).as(e.getKey())
                        .isEqualTo(codec.json().parse(wire.body(), "", null));
                assertThat(codec.decode(envelope.read(KombuEnvelope.write(again)))).as(e.getKey()).isEqualTo(m);
            }
        });
    }

    private static List<JsonNode> toList(JsonNode array) {
        List<JsonNode> out = new java.util.ArrayList<>();
        array.forEach(out::add);
        return out;
    }

    @Test
    void amqpCapturesDecodeAsTheRedisOnesDo() {
        CeleryTaskMessage simple = codec.decode(Fixtures.amqp(AMQP.get("simple")));
        assertThat(simple.id()).isEqualTo("401329fd-c01f-4e9e-8441-99a8961686b5");
        assertThat(simple.body().args().toString()).isEqualTo("[2,3]");
        assertThat(simple.properties().routingKey()).isEqualTo("fxa");
        assertThat(simple.properties().deliveryTag()).isNull();

        CeleryTaskMessage chain = codec.decode(Fixtures.amqp(AMQP.get("chain")));
        assertThat(chain.body().chain()).singleElement().satisfies(s -> assertThat(s.args().toString()).isEqualTo("[10]"));

        CeleryTaskMessage limits = codec.decode(Fixtures.amqp(AMQP.get("countdown_limits_priority")));
        assertThat(limits.headers().eta()).isEqualTo(OffsetDateTime.parse("2026-11-24T21:06:28.922851+00:00"));
        assertThat(limits.headers().hardTimeLimit()).isEqualTo(Duration.ofSeconds(60));
        assertThat(limits.headers().softTimeLimit()).isEqualTo(Duration.ofSeconds(50));
        assertThat(limits.properties().priority()).isEqualTo(3);
    }
}
