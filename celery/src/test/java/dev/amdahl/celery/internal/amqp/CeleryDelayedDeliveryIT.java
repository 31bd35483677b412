package dev.amdahl.celery.internal.amqp;

import static org.assertj.core.api.Assertions.assertThat;

import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import dev.amdahl.Amdahl;
import dev.amdahl.SubmitOptions;
import dev.amdahl.Task;
import dev.amdahl.TaskFuture;
import dev.amdahl.Worker;
import dev.amdahl.WorkerOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Celery 5.5's native delayed delivery (quorum queues behind topic exchanges): a task with a countdown waits in the
 * delay level its seconds name, not in its queue and not in a worker, and arrives when due. The shared RabbitMQ, a
 * queue of the test's own; the delay levels are deleted after the class, as nothing else on the shared server uses
 * them. Results in Redis db 15, emptied after.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class CeleryDelayedDeliveryIT {

    static final String URL = "amqp://guest:guest@127.0.0.1:5672/?queue-type=quorum&exchange-type=topic";
    static final String BACKEND = "redis://127.0.0.1:6379/15";
    private final String queue = "celery-delayed-" + UUID.randomUUID();

    @AfterEach
    void deleteQueue() {
        CeleryAmqpTopology.delete(URL, List.of(queue));
        RedisClient client = RedisClient.create(BACKEND);
        try (StatefulRedisConnection<String, String> c = client.connect()) {
            c.sync().flushdb();
        } finally {
            client.shutdown();
        }
    }

    @AfterAll
    static void deleteLevels() throws Exception {
        try (Connection c = raw(); Channel ch = c.createChannel()) {
            for (int level = 0; level < DelayedDelivery.LEVELS; level++) {
                ch.queueDelete(DelayedDelivery.levelName(level));
                ch.exchangeDelete(DelayedDelivery.levelName(level));
            }
            ch.exchangeDelete(DelayedDelivery.DELIVERY_EXCHANGE);
        }
    }

    private static Connection raw() throws Exception {
        ConnectionFactory f = new ConnectionFactory();
        f.setHost("127.0.0.1");
        return f.newConnection("test");
    }

    private static long count(Channel ch, String queue) {
        try {
            return ch.queueDeclarePassive(queue).getMessageCount();
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void aCountdownWaitsInItsDelayLevelAndArrivesInItsQueueWhenDue() throws Exception {
        try (Amdahl app = Amdahl.builder().wireProtocol("celery").broker(URL).resultBackend(BACKEND).defaultQueue(queue).build();
             Connection c = raw(); Channel ch = c.createChannel()) {
            Task<Integer, Integer> twice = app.task("delayed.twice", Integer.class, Integer.class, n -> 2 * n);
            Instant sent = Instant.now();
            // 5 s is binary 101: the message waits in level 2's queue (4 s), then level 0's (1 s), then comes to its
            // queue; less by the time the first publish takes to declare the 28 levels (whole seconds, as Celery
            // truncates them), and so in other levels
            TaskFuture<Integer> later = twice.withOptions(SubmitOptions.builder().countdown(Duration.ofSeconds(5)).build())
                    .submit(21);
            TaskFuture<Integer> now = twice.submit(1);

            long waiting = 0;
            for (int level = 0; level < DelayedDelivery.LEVELS; level++) {
                waiting += count(ch, DelayedDelivery.levelName(level));
            }
            assertThat(waiting).as("the delayed one waits in a delay level").isEqualTo(1);
            assertThat(count(ch, queue)).as("only the undelayed one is in the queue").isEqualTo(1);
            try (Worker ignored = app.startWorker(WorkerOptions.builder().queues(queue).build())) {
                assertThat(now.result(Duration.ofSeconds(30))).isEqualTo(2);
                assertThat(later.result(Duration.ofSeconds(30))).isEqualTo(42);
            }
            assertThat(Duration.between(sent, Instant.now())).as("not before it was due").isGreaterThanOrEqualTo(Duration.ofSeconds(5));
            for (int level = 0; level < DelayedDelivery.LEVELS; level++) {
                assertThat(count(ch, DelayedDelivery.levelName(level))).as("level %d empty", level).isZero();
            }
        }
    }
}
