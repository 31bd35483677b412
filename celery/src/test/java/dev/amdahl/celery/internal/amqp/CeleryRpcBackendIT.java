package dev.amdahl.celery.internal.amqp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import com.rabbitmq.client.GetResponse;
import dev.amdahl.Amdahl;
import dev.amdahl.Task;
import dev.amdahl.TaskFuture;
import dev.amdahl.TaskState;
import dev.amdahl.Worker;
import dev.amdahl.WorkerOptions;
import dev.amdahl.spi.TaskRecord;
import dev.amdahl.testkit.Await;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * What the interop tests do not show of Celery's {@code rpc://} backend: the reply queue its messages name, that a
 * worker replies only to a queue named as Celery names one, that a reply which is no result is dropped while the
 * caller still hears the real one, and that nothing is left on RabbitMQ once the client closes. The shared RabbitMQ,
 * queues of the test's own, deleted after.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class CeleryRpcBackendIT {

    static final String URL = "amqp://guest:guest@127.0.0.1:5672/";
    private final List<String> queues = new ArrayList<>();

    @AfterEach
    void deleteQueues() {
        CeleryAmqpTopology.delete(URL, queues);
    }

    private String newQueue() {
        String q = "celery-rpc-" + UUID.randomUUID();
        queues.add(q);
        return q;
    }

    private static Connection raw() throws Exception {
        ConnectionFactory f = new ConnectionFactory();
        f.setHost("127.0.0.1");
        f.setPort(5672);
        return f.newConnection("test");
    }

    private static Amdahl app(String queue) {
        return Amdahl.builder().wireProtocol("celery").broker(URL).resultBackend("rpc://").defaultQueue(queue).build();
    }

    @Test
    void aSubmissionNamesTheClientsReplyQueueAndItsResultComesBackThere() throws Exception {
        String q = newQueue();
        try (Amdahl client = app(q); Amdahl worker = app(q); Connection c = raw(); Channel ch = c.createChannel()) {
            Task<Integer, Integer> twice = client.task("rpc.twice", Integer.class, Integer.class);
            worker.task("rpc.twice", Integer.class, Integer.class, n -> 2 * n);
            TaskFuture<Integer> f = twice.submit(21);
            GetResponse got = ch.basicGet(q, false);
            String replyTo = got.getProps().getReplyTo();
            assertThat(replyTo).matches("[0-9a-f-]{36}");
            assertThat(ch.queueDeclarePassive(replyTo).getConsumerCount()).as("the client consumes its reply queue").isEqualTo(1);
            ch.basicNack(got.getEnvelope().getDeliveryTag(), false, true);

            try (Worker ignored = worker.startWorker(WorkerOptions.builder().queues(q).build())) {
                assertThat(f.result(Duration.ofSeconds(30))).isEqualTo(42);
            }
            client.close();
            assertThatThrownBy(() -> {
                try (Channel probe = c.createChannel()) {
                    probe.queueDeclarePassive(replyTo);
                }
            }).as("the reply queue goes with its client").isInstanceOf(IOException.class);
        }
    }

    @Test
    void aWorkerRepliesOnlyToAQueueNamedAsCeleryNamesOne() throws Exception {
        String target = newQueue();
        try (Connection c = raw(); Channel ch = c.createChannel();
             CeleryAmqpBroker broker = CeleryAmqpBroker.open(java.net.URI.create(URL), dev.amdahl.spi.ProviderContext.ofDefaults());
             CeleryRpcBackend rpc = CeleryRpcBackend.beside(broker, Duration.ofMinutes(1), Clock.systemUTC())) {
            ch.queueDeclare(target, true, false, false, null);
            rpc.delivered("t-1", target, "t-1");
            rpc.store(done("t-1"));
            assertThat(ch.queueDeclarePassive(target).getMessageCount()).as("a task queue gets no results").isZero();

            String replyQueue = UUID.randomUUID().toString();
            queues.add(replyQueue);
            ch.queueDeclare(replyQueue, false, false, false, null);
            rpc.delivered("t-2", replyQueue, "t-2");
            rpc.store(done("t-2"));
            GetResponse got = Await.value(Duration.ofSeconds(10), "the reply", () -> {
                try {
                    return Optional.ofNullable(ch.basicGet(replyQueue, true));
                } catch (IOException e) {
                    throw new IllegalStateException(e);
                }
            });
            assertThat(got.getProps().getCorrelationId()).isEqualTo("t-2");
            assertThat(new String(got.getBody(), StandardCharsets.UTF_8)).contains("\"status\":\"SUCCESS\"", "\"task_id\":\"t-2\"");
        }
    }

    @Test
    void aReplyThatIsNoResultIsDroppedAndTheCallerStillHearsTheRealOne() throws Exception {
        try (Connection c = raw(); Channel ch = c.createChannel();
             CeleryAmqpBroker broker = CeleryAmqpBroker.open(java.net.URI.create(URL), dev.amdahl.spi.ProviderContext.ofDefaults());
             CeleryRpcBackend rpc = CeleryRpcBackend.beside(broker, Duration.ofMinutes(1), Clock.systemUTC())) {
            List<TaskRecord> heard = new java.util.concurrent.CopyOnWriteArrayList<>();
            rpc.whenReady("t-3", heard::add);
            AMQP.BasicProperties as3 = new AMQP.BasicProperties.Builder().correlationId("t-3").build();
            ch.basicPublish("", rpc.replyQueue(), as3, "not json".getBytes(StandardCharsets.UTF_8));
            ch.basicPublish("", rpc.replyQueue(), as3, "{\"task_id\": \"t-3\", \"status\": \"NOT_A_STATE\"}".getBytes(StandardCharsets.UTF_8));
            ch.basicPublish("", rpc.replyQueue(), as3,
                    "{\"task_id\": \"other\", \"status\": \"SUCCESS\", \"result\": 1}".getBytes(StandardCharsets.UTF_8));
            ch.basicPublish("", rpc.replyQueue(), new AMQP.BasicProperties(),
                    "{\"task_id\": \"t-3\", \"status\": \"SUCCESS\", \"result\": 2}".getBytes(StandardCharsets.UTF_8));
            ch.basicPublish("", rpc.replyQueue(), as3,
                    "{\"task_id\": \"t-3\", \"status\": \"SUCCESS\", \"result\": 3}".getBytes(StandardCharsets.UTF_8));

            Await.until(Duration.ofSeconds(10), () -> !heard.isEmpty());
            assertThat(heard).singleElement().satisfies(r -> {
                assertThat(r.state()).isEqualTo(TaskState.SUCCESS);
                assertThat(r.result()).isEqualTo("3");
            });
            assertThat(rpc.get("other")).as("a reply under another task's correlation id is not taken").isEmpty();
        }
    }

    @Test
    void rpcWithoutARabbitMqBrokerIsRefusedInWords() {
        assertThatThrownBy(() -> Amdahl.builder().wireProtocol("celery").broker("redis://127.0.0.1:6379/13")
                .resultBackend("rpc://").build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("use an amqp:// broker");
    }

    private static TaskRecord done(String id) {
        return new TaskRecord(id, "rpc.t", TaskState.SUCCESS, "1", null, 0, null, null, Instant.now(), 0);
    }
}
