package dev.amdahl.celery.internal.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.amdahl.MessageLimits;
import dev.amdahl.celery.PythonRun;
import dev.amdahl.celery.internal.result.ArgumentBinding;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.codec.ByteArrayCodec;
import java.io.IOException;
import java.math.BigDecimal;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The codec against the Celery installed on this machine (Debian's python3-celery, run by {@code /usr/bin/python3}):
 * Celery's own {@code send_task} and canvas write to a Redis queue that the Java codec reads, and the Java codec
 * writes queue entries that kombu's Redis transport takes and Celery's worker {@code Request} parses. Each test has
 * a queue of its own in Redis db 7 and deletes every key it made.
 */
@Timeout(120)
class InstalledCeleryWireIT {

    private static final String URL = "redis://127.0.0.1:6379/7";
    private static final String PRIORITY_SEPARATOR = "\u0006\u0016";
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private final ProtocolCodec codec = ProtocolCodec.of(MessageLimits.ofDefaults());
    private final KombuEnvelope envelope = KombuEnvelope.of(MessageLimits.ofDefaults());
    private final List<String> keysToDelete = new ArrayList<>();
    private RedisClient client;
    private StatefulRedisConnection<byte[], byte[]> connection;
    private RedisCommands<byte[], byte[]> redis;
    private String queue;

    record Add(int x, int y) {
    }

    @BeforeEach
    void connect() {
        client = RedisClient.create(URL);
        connection = client.connect(ByteArrayCodec.INSTANCE);
        redis = connection.sync();
        queue = "amdahl-celery-it-" + UUID.randomUUID();
        keysToDelete.add(queue);
        keysToDelete.add("_kombu.binding." + queue);
        for (int p = 1; p <= 9; p++) {
            keysToDelete.add(queue + PRIORITY_SEPARATOR + p);
        }
    }

    @AfterEach
    void cleanUp() {
        if (redis != null) {
            redis.del(keysToDelete.stream().map(k -> k.getBytes(StandardCharsets.ISO_8859_1)).toArray(byte[][]::new));
        }
        if (connection != null) {
            connection.close();
        }
        if (client != null) {
            client.shutdown();
        }
    }

    private byte[] key(String k) {
        // kombu's keys are latin-1 text, the priority separator included
        return k.getBytes(StandardCharsets.ISO_8859_1);
    }

    @Test
    void whatCelerySendsDecodesInJava() throws Exception {
        JsonNode sent = MAPPER.readTree(python("produce"));
        sent.get("keys_added").forEach(k -> keysToDelete.add(k.asText()));
        Map<String, CeleryTaskMessage> byId = new HashMap<>();
        Map<String, Integer> listPriority = new HashMap<>();
        for (int p = 0; p <= 9; p++) {
            byte[] list = key(p == 0 ? queue : queue + PRIORITY_SEPARATOR + p);
            for (byte[] entry : redis.lrange(list, 0, -1)) {
                CeleryTaskMessage m = codec.decode(envelope.read(entry));
                byId.put(m.id(), m);
                listPriority.put(m.id(), p);
            }
        }
        assertThat(byId).as("a chain sends its first step, a chord its header's members").hasSize(7);
        OffsetDateTime now = OffsetDateTime.now(ZoneOffset.UTC);

        CeleryTaskMessage simple = byId.get(sent.get("simple").asText());
        assertThat(simple.task()).isEqualTo("wire.add");
        assertThat(simple.headers().lang()).isEqualTo("py");
        assertThat(simple.headers().rootId()).isEqualTo(simple.id());
        assertThat(simple.properties().routingKey()).isEqualTo(queue);
        assertThat(ArgumentBinding.of(Add.class).bind(simple.task(), simple.body().args(), simple.body().kwargs())).isEqualTo(new Add(2, 3));

        CeleryTaskMessage limits = byId.get(sent.get("limits").asText());
        assertThat(limits.headers().eta()).isBetween(now.plusSeconds(20), now.plusSeconds(31));
        assertThat(limits.headers().expires()).isBetween(now.plusSeconds(3590), now.plusSeconds(3601));
        assertThat(limits.headers().hardTimeLimit()).isEqualTo(Duration.ofSeconds(60));
        assertThat(limits.headers().softTimeLimit()).isEqualTo(Duration.ofSeconds(50));
        assertThat(limits.headers().retries()).isEqualTo(2);
        assertThat(limits.properties().priority()).isEqualTo(3);
        assertThat(listPriority.get(limits.id())).as("kombu keeps priority 3 in its own list").isEqualTo(3);
        assertThat(limits.properties().expirationMillis()).isBetween(3_590_000L, 3_600_000L);

        CeleryTaskMessage kwargs = byId.get(sent.get("kwargs").asText());
        assertThat(kwargs.body().kwargs().toString()).isEqualTo("{\"x\":1.5,\"y\":[1,\"two\",null,true,{\"k\":\"v\"}]}");

        CeleryTaskMessage links = byId.get(sent.get("links").asText());
        assertThat(links.body().callbacks()).singleElement().satisfies(s -> assertThat(s.args().toString()).isEqualTo("[10]"));
        assertThat(links.body().errbacks()).singleElement().satisfies(s -> assertThat(s.immutable()).isTrue());

        JsonNode chainIds = sent.get("chain_ids");
        CeleryTaskMessage chain = byId.get(chainIds.get(0).asText());
        assertThat(chain.body().chain()).extracting(CelerySignature::taskId)
                .containsExactly(chainIds.get(1).asText(), chainIds.get(2).asText());
        assertThat(chain.body().chain()).extracting(s -> s.args().toString()).containsExactly("[10]", "[100]");

        for (int i = 0; i < 2; i++) {
            CeleryTaskMessage member = byId.get(sent.get("chord_members").get(i).asText());
            assertThat(member.headers().group()).isEqualTo(sent.get("chord_group").asText());
            assertThat(member.headers().groupIndex()).isEqualTo(i);
            assertThat(member.body().chord().task()).isEqualTo("wire.tsum");
            assertThat(member.body().chord().taskId()).isEqualTo(sent.get("chord_callback").asText());
        }
    }

    @Test
    void whatJavaSendsIsTakenByKombuAndParsedByCeleryWorkersRequest() throws Exception {
        JsonNodeFactory f = JsonNodeFactory.instance;
        OffsetDateTime eta = OffsetDateTime.now(ZoneOffset.UTC).plusSeconds(30).truncatedTo(ChronoUnit.MICROS);
        OffsetDateTime expires = eta.plusHours(1);
        List<CeleryTaskMessage> out = new ArrayList<>();

        CeleryTaskMessage simple = CeleryTaskMessage.newTask(UUID.randomUUID().toString(), "wire.add", f.arrayNode().add(2).add(3),
                f.objectNode(), queue);
        out.add(simple);

        CeleryTaskMessage timed = CeleryTaskMessage.newTask(UUID.randomUUID().toString(), "wire.add", f.arrayNode().add(1).add(2),
                f.objectNode(), queue);
        out.add(new CeleryTaskMessage(2, timed.headers().withTiming(eta, expires, Duration.ofSeconds(60), Duration.ofMillis(50_500)),
                timed.properties(), timed.body()));

        ObjectNode typed = (ObjectNode) KombuJson.toTree(Map.of("day", LocalDate.of(2026, 11, 24), "amount", new BigDecimal("1.10"),
                "id", new UUID(0, 1)), KombuJson.Style.PLAIN);
        out.add(CeleryTaskMessage.newTask(UUID.randomUUID().toString(), "wire.add", f.arrayNode(), f.objectNode().put("x", 1).set("y", typed), queue));

        String next = UUID.randomUUID().toString();
        String last = UUID.randomUUID().toString();
        CeleryTaskMessage head = CeleryTaskMessage.newTask(UUID.randomUUID().toString(), "wire.add", f.arrayNode().add(1).add(2),
                f.objectNode(), queue);
        out.add(new CeleryTaskMessage(2, head.headers(), head.properties(), head.body().withWorkflow(
                List.of(CelerySignature.of("wire.add", f.arrayNode().add(5), f.objectNode(), f.objectNode(), false)),
                List.of(CelerySignature.of("wire.add", f.arrayNode().add(0).add(0), f.objectNode(), f.objectNode(), true)),
                List.of(CelerySignature.of("wire.add", f.arrayNode().add(10), f.objectNode(), f.objectNode().put("task_id", next), false),
                        CelerySignature.of("wire.add", f.arrayNode().add(100), f.objectNode(), f.objectNode().put("task_id", last), false)),
                null)));

        String group = UUID.randomUUID().toString();
        String callback = UUID.randomUUID().toString();
        CeleryTaskMessage member = CeleryTaskMessage.newTask(UUID.randomUUID().toString(), "wire.add", f.arrayNode().add(1).add(1),
                f.objectNode(), queue);
        out.add(new CeleryTaskMessage(2, member.headers().withWorkflow("root-1", "parent-1", group, 1), member.properties(),
                member.body().withWorkflow(List.of(), List.of(), List.of(),
                        CelerySignature.of("wire.tsum", f.arrayNode(), f.objectNode(), f.objectNode().put("task_id", callback), false))));

        for (CeleryTaskMessage m : out) {
            redis.lpush(key(queue), KombuEnvelope.write(codec.encode(m)));
        }
        JsonNode parsed = MAPPER.readTree(python("consume", String.valueOf(out.size())));
        assertThat(parsed).hasSize(out.size());
        Map<String, JsonNode> byId = new HashMap<>();
        parsed.forEach(p -> byId.put(p.get("id").asText(), p));

        JsonNode s = byId.get(simple.id());
        assertThat(s.get("name").asText()).isEqualTo("wire.add");
        assertThat(s.get("args").toString()).isEqualTo("[2,3]");
        assertThat(s.get("lang").asText()).isEqualTo("java");
        assertThat(s.get("root_id").asText()).isEqualTo(simple.id());
        assertThat(s.get("correlation_id").asText()).isEqualTo(simple.id());
        assertThat(s.get("routing_key").asText()).isEqualTo(queue);
        assertThat(s.get("content_type").asText()).isEqualTo("application/json");
        assertThat(s.get("time_limits").toString()).isEqualTo("[null,null]");

        JsonNode t = byId.get(timed.id());
        assertThat(OffsetDateTime.parse(t.get("eta").asText())).isEqualTo(eta);
        assertThat(OffsetDateTime.parse(t.get("expires").asText())).isEqualTo(expires);
        assertThat(t.get("time_limits").toString()).isEqualTo("[60,50.5]");

        JsonNode k = byId.get(out.get(2).id());
        assertThat(k.get("kwargs").toString())
                .isEqualTo("{\"x\":1,\"y\":{\"day\":\"2026-11-24T00:00:00\",\"amount\":\"1.10\",\"id\":\"00000000-0000-0000-0000-000000000001\"}}"
                        .replace("\"day\":\"2026-11-24T00:00:00\",\"amount\":\"1.10\",\"id\":\"00000000-0000-0000-0000-000000000001\"",
                                typedInPythonOrder(k)));

        JsonNode h = byId.get(head.id());
        assertThat(h.get("callbacks").get(0).get("args").toString()).isEqualTo("[5]");
        assertThat(h.get("errbacks").get(0).get("immutable").asBoolean()).isTrue();
        // Celery pops the next step from the end of the list
        JsonNode chain = h.get("chain");
        assertThat(chain).hasSize(2);
        assertThat(chain.get(1).get("options").get("task_id").asText()).isEqualTo(next);
        assertThat(chain.get(0).get("options").get("task_id").asText()).isEqualTo(last);

        JsonNode c = byId.get(member.id());
        assertThat(c.get("group").asText()).isEqualTo(group);
        assertThat(c.get("group_index").asInt()).isEqualTo(1);
        assertThat(c.get("root_id").asText()).isEqualTo("root-1");
        assertThat(c.get("parent_id").asText()).isEqualTo("parent-1");
        assertThat(c.get("chord").get("task").asText()).isEqualTo("wire.tsum");
        assertThat(c.get("chord").get("options").get("task_id").asText()).isEqualTo(callback);
    }

    /** Map.of has no order; the kwargs Python printed keep the order Java wrote. */
    private static String typedInPythonOrder(JsonNode k) {
        String y = k.get("kwargs").get("y").toString();
        return y.substring(1, y.length() - 1);
    }

    /** Runs the Celery side with Debian's python (the one python3-celery installs for), isolated from this checkout. */
    private String python(String mode, String... more) throws IOException, InterruptedException, URISyntaxException {
        Path script = Path.of(getClass().getResource("/python/celery_wire.py").toURI());
        List<String> args = new ArrayList<>(List.of(URL, mode, queue));
        args.addAll(List.of(more));
        return PythonRun.output(script, args, p -> { });
    }
}
