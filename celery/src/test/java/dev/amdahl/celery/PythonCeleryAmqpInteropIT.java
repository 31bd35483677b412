package dev.amdahl.celery;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.amdahl.Amdahl;
import dev.amdahl.SubmitOptions;
import dev.amdahl.Task;
import dev.amdahl.celery.internal.amqp.CeleryAmqpTopology;
import io.lettuce.core.api.sync.RedisCommands;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Java and Python Celery processes on the shared RabbitMQ (a queue of the test's own, deleted after with its exchange
 * and dead letters), results in Celery's Redis backend (db 14, this test's own, emptied after each test), as
 * docs/celery.md shows it; and kombu reading a Java submission off RabbitMQ.
 */
class PythonCeleryAmqpInteropIT extends PythonCeleryInterop {

    static final String BROKER = "amqp://guest:guest@127.0.0.1:5672/";
    static final String BACKEND = "redis://127.0.0.1:6379/14";

    @Override
    String broker() {
        return BROKER;
    }

    @Override
    String backend() {
        return BACKEND;
    }

    @Override
    String brokerForAKilledWorker() {
        return BROKER;   // RabbitMQ sees the connection go and delivers what it held again at once
    }

    @Override
    List<String> pythonWorkerAfterAKill() {
        return List.of();
    }

    @Override
    void assertHeldAfterTheKill(RedisCommands<String, String> backend, Set<String> held) {
        // nothing to see on the Redis side: the unacknowledged messages are RabbitMQ's
    }

    @Override
    void deleteQueue() {
        CeleryAmqpTopology.delete(BROKER, List.of(queue));
    }

    @Test
    void aJavaSubmissionIsCeleryProtocol2AsKombuReadsItOffRabbitMq() throws Exception {
        Amdahl app = celeryApp(BROKER);
        Task<Add, Integer> mul = app.task("interop.mul", Add.class, Integer.class);
        String id = mul.withOptions(SubmitOptions.builder().priority(7).build()).submit(new Add(6, 7)).id();

        JsonNode m = new ObjectMapper().readTree(python("peek"));

        JsonNode h = m.get("headers");
        assertThat(h.get("task").asText()).isEqualTo("interop.mul");
        assertThat(h.get("id").asText()).isEqualTo(id);
        assertThat(h.get("root_id").asText()).isEqualTo(id);
        assertThat(h.get("lang").asText()).isEqualTo("java");
        assertThat(h.get("retries").asInt()).isZero();
        assertThat(h.get("timelimit")).hasSize(2);
        JsonNode p = m.get("properties");
        assertThat(p.get("correlation_id").asText()).isEqualTo(id);
        assertThat(p.get("priority").asInt()).isEqualTo(7);
        assertThat(p.get("delivery_mode").asInt()).isEqualTo(2);
        assertThat(m.get("content_type").asText()).isEqualTo("application/json");
        assertThat(m.get("content_encoding").asText()).isEqualTo("utf-8");
        assertThat(m.get("delivery_info").get("exchange").asText()).as("the default exchange, as Celery sends").isEmpty();
        assertThat(m.get("delivery_info").get("routing_key").asText()).isEqualTo(queue);
        JsonNode body = m.get("body");
        assertThat(body.get(0)).isEmpty();
        assertThat(body.get(1).get("x").asInt()).isEqualTo(6);
        assertThat(body.get(1).get("y").asInt()).isEqualTo(7);
        assertThat(body.get(2).has("callbacks")).isTrue();
    }
}
