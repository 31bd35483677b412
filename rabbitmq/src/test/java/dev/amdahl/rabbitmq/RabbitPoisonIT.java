package dev.amdahl.rabbitmq;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.GetResponse;
import dev.amdahl.Amdahl;
import dev.amdahl.TaskFailedException;
import dev.amdahl.TaskFuture;
import dev.amdahl.Worker;
import dev.amdahl.WorkerOptions;
import dev.amdahl.spi.DeadLetter;
import dev.amdahl.testkit.Await;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * What a worker does with messages it can never run, on the shared RabbitMQ: each is dead-lettered to
 * {@code amdahl.dead.<queue>} with the reason in its {@code x-amdahl-reason} header, and a caller waiting on it hears
 * the reason. And a worker whose consumer RabbitMQ cancels (its queue deleted) subscribes again instead of idling.
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class RabbitPoisonIT {

    private static final Duration WAIT = Duration.ofSeconds(20);
    private final String queue = RabbitTestSupport.newQueueName("poison");
    private final String backend = "redis://127.0.0.1:6379/0?prefix=rabbit-poison-" + UUID.randomUUID();
    private Amdahl workerApp;
    private Amdahl client;
    private Worker worker;

    @BeforeEach
    void startWorker() {
        workerApp = Amdahl.builder().broker(RabbitTestSupport.URL).resultBackend(backend).defaultQueue(queue).build();
        workerApp.task("poison.echo", String.class, String.class, s -> s);
        client = Amdahl.builder().broker(RabbitTestSupport.URL).resultBackend(backend).defaultQueue(queue).build();
        client.task("poison.echo", String.class, String.class, s -> s);
        worker = workerApp.startWorker(WorkerOptions.builder().queues(queue).concurrency(2).build());
    }

    /** One task through: the queue exists and the worker consumes it, so a raw publish to it is not dropped unrouted. */
    private void awaitWorkerConsuming() throws Exception {
        assertThat(client.<String, String>task("poison.echo", String.class, String.class).submit("warm")
                .get(WAIT.toSeconds(), TimeUnit.SECONDS)).isEqualTo("warm");
    }

    @AfterEach
    void stop() throws Exception {
        try {
            worker.close();
            workerApp.close();
            client.close();
        } finally {
            RabbitTestSupport.deleteQueues(RabbitTestSupport.URL, List.of(queue));
        }
    }

    @Test
    void anUndecodableMessageIsDeadLetteredWithItsReasonInAHeader() throws Exception {
        awaitWorkerConsuming();
        try (Connection c = RabbitTestSupport.connect(RabbitTestSupport.URL); Channel ch = c.createChannel()) {
            ch.basicPublish("", queue, new AMQP.BasicProperties.Builder().messageId("garbage-1").deliveryMode(2).build(),
                    "{not a task message".getBytes(StandardCharsets.UTF_8));
        }

        DeadLetter dead = awaitDeadLetter("garbage-1");
        assertThat(dead.body()).asString(StandardCharsets.UTF_8).isEqualTo("{not a task message");
        assertThat(dead.reason()).isNotBlank();
        assertThat(reasonHeader()).isEqualTo(dead.reason());
    }

    @Test
    void aTaskNoWorkerKnowsFailsForItsCallerAndIsDeadLettered() throws Exception {
        TaskFuture<String> unknown = client.task("poison.unregistered", String.class, String.class).submit("x");

        assertThatThrownBy(() -> unknown.get(WAIT.toSeconds(), TimeUnit.SECONDS))
                .isInstanceOf(ExecutionException.class)
                .cause().isInstanceOf(TaskFailedException.class)
                .hasMessageContaining("poison.unregistered").hasMessageContaining("not registered");
        DeadLetter dead = awaitDeadLetter(unknown.id());
        assertThat(dead.reason()).contains("poison.unregistered").contains("not registered");
        assertThat(reasonHeader()).isEqualTo(dead.reason());
        // and the worker goes on
        assertThat(client.<String, String>task("poison.echo", String.class, String.class).submit("still here")
                .get(WAIT.toSeconds(), TimeUnit.SECONDS)).isEqualTo("still here");
    }

    @Test
    void aWorkerWhoseQueueIsDeletedSubscribesAgain() throws Exception {
        var echo = client.<String, String>task("poison.echo", String.class, String.class);
        assertThat(echo.submit("before").get(WAIT.toSeconds(), TimeUnit.SECONDS)).isEqualTo("before");

        // RabbitMQ cancels the worker's consumer; the client's next publish finds the queue gone and declares it again
        RabbitTestSupport.deleteQueues(RabbitTestSupport.URL, List.of(queue));

        assertThat(echo.submit("after").get(WAIT.toSeconds(), TimeUnit.SECONDS)).isEqualTo("after");
    }

    private DeadLetter awaitDeadLetter(String id) {
        return Await.value(WAIT, "the dead letter of " + id, () -> client.broker().deadLetters(queue, 10).stream()
                .filter(d -> d.messageId().equals(id)).findFirst());
    }

    /** The reason header of the one dead letter, read as any AMQP client reads it. */
    private String reasonHeader() throws Exception {
        try (Connection c = RabbitTestSupport.connect(RabbitTestSupport.URL); Channel ch = c.createChannel()) {
            GetResponse got = ch.basicGet(RabbitTestSupport.DEAD_LETTER_PREFIX + queue, false);
            assertThat(got).as("a dead letter in %s%s", RabbitTestSupport.DEAD_LETTER_PREFIX, queue).isNotNull();
            return Optional.ofNullable(got.getProps().getHeaders().get("x-amdahl-reason")).map(Object::toString).orElse(null);
        }
    }
}
