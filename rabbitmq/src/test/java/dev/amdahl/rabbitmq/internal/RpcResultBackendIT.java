package dev.amdahl.rabbitmq.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import dev.amdahl.Amdahl;
import dev.amdahl.AmdahlException;
import dev.amdahl.SubmitOptions;
import dev.amdahl.Task;
import dev.amdahl.TaskContext;
import dev.amdahl.TaskFailedException;
import dev.amdahl.TaskFuture;
import dev.amdahl.TypeRef;
import dev.amdahl.Worker;
import dev.amdahl.WorkerOptions;
import dev.amdahl.spi.TaskRecord;
import dev.amdahl.testkit.Await;
import dev.amdahl.testkit.ChildJvm;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The rpc result backend end to end over the shared RabbitMQ: a client in this JVM submits and waits, a worker in a
 * child JVM (its own broker and rpc backend) runs the tasks and sends the records back by direct reply-to.
 *
 * <p>This does not subclass the kit's {@code ResultBackendContractTest}: that test defines a shared store (a record one
 * client stores is read by another, a revocation stored anywhere is seen everywhere, counters are atomic across
 * processes), which an rpc backend is by design not. What it does promise is checked here with the public API.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class RpcResultBackendIT {

    private static final String QUEUE = "it-rpc-" + UUID.randomUUID().toString().substring(0, 8);
    /** Two deliveries, so the refused chord ends quickly in the worker. */
    static final String BROKER = "amqp://guest:guest@127.0.0.1:5672/?max-deliveries=2";
    static final String BACKEND = "rpc://guest:guest@127.0.0.1:5672/?max-deliveries=2";

    private static Process worker;
    private static Amdahl client;
    private static Task<Integer, Integer> square;
    private static Task<Integer, Integer> increment;
    private static Task<String, String> fail;
    private static Task<Integer, Integer> retryOnce;
    private static Task<List<Integer>, Integer> sum;
    private static Task<Integer, Integer> slow;
    private static Task<Integer, Integer> garbageFirst;

    /** The tasks both sides register. */
    static void register(Amdahl app) {
        app.task("rpc.square", Integer.class, Integer.class, n -> n * n);
        app.task("rpc.increment", Integer.class, Integer.class, n -> n + 1);
        app.task("rpc.fail", String.class, String.class, s -> {
            throw new IllegalStateException("boom: " + s);
        });
        app.task("rpc.retry-once", Integer.class, Integer.class, n -> {
            TaskContext context = TaskContext.current();
            if (context.retries() == 0) {
                throw context.retry(new IllegalStateException("once more"), Duration.ZERO);
            }
            return n * 10;
        });
        app.task("rpc.sum", new TypeRef<List<Integer>>() { }, TypeRef.of(Integer.class),
                list -> list.stream().mapToInt(Integer::intValue).sum());
        app.task("rpc.slow", Integer.class, Integer.class, n -> {
            Thread.sleep(n);
            return n;
        });
        app.task("rpc.globally-limited", Integer.class, Integer.class,
                dev.amdahl.TaskOptions.builder().globalRateLimit("1000/s").build(), n -> n);
        // sends malformed replies to its own caller first, then ends normally
        app.task("rpc.garbage-first", Integer.class, Integer.class, n -> {
            sendGarbageTo(TaskContext.current().taskId());
            return n;
        });
    }

    @BeforeAll
    static void start() throws Exception {
        worker = ChildJvm.command(RpcWorkerMain.class, BROKER, BACKEND, QUEUE).redirectErrorStream(true).start();
        BufferedReader out = new BufferedReader(new InputStreamReader(worker.getInputStream(), StandardCharsets.UTF_8));
        StringBuilder seen = new StringBuilder();
        Await.until(Duration.ofSeconds(60), "the worker to print READY", () -> {
            try {
                String line = out.readLine();
                if (line == null) {
                    throw new IllegalStateException("the worker exited early:\n" + seen);
                }
                seen.append(line).append('\n');
                return line.equals("READY");
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        });
        Thread drain = new Thread(() -> {
            try {
                String line;
                while ((line = out.readLine()) != null) {
                    System.err.println("[worker] " + line);
                }
            } catch (IOException e) {
                // the worker ended
            }
        }, "rpc-worker-output");
        drain.setDaemon(true);
        drain.start();

        client = Amdahl.builder().broker(BROKER).resultBackend(BACKEND).defaultQueue(QUEUE).build();
        register(client);
        square = client.task("rpc.square", Integer.class, Integer.class);
        increment = client.task("rpc.increment", Integer.class, Integer.class);
        fail = client.task("rpc.fail", String.class, String.class);
        retryOnce = client.task("rpc.retry-once", Integer.class, Integer.class);
        sum = client.task("rpc.sum", new TypeRef<List<Integer>>() { }, TypeRef.of(Integer.class));
        slow = client.task("rpc.slow", Integer.class, Integer.class);
        garbageFirst = client.task("rpc.garbage-first", Integer.class, Integer.class);
    }

    @AfterAll
    static void stop() throws Exception {
        if (client != null) {
            client.close();
        }
        if (worker != null) {
            worker.destroyForcibly();
            worker.waitFor(10, TimeUnit.SECONDS);
        }
        try (Connection c = connect(); Channel ch = c.createChannel()) {
            ch.queueDelete(QUEUE);
            ch.queueDelete("amdahl.dead." + QUEUE);
        }
    }

    @Test
    void twoHundredTasksSubmittedOneByOneAreAnsweredToTheirCaller() throws Exception {
        List<TaskFuture<Integer>> futures = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            futures.add(square.submit(i));
        }
        for (int i = 0; i < 200; i++) {
            assertThat(futures.get(i).get(60, TimeUnit.SECONDS)).isEqualTo(i * i);
        }
        // the caller keeps the final records it received
        TaskRecord record = client.resultBackend().get(futures.get(7).id()).orElseThrow();
        assertThat(record.result()).isEqualTo("49");
    }

    @Test
    void aGroupIsAnswered() throws Exception {
        List<Integer> args = IntStream.range(0, 500).boxed().toList();
        assertThat(square.map(args).get(60, TimeUnit.SECONDS)).isEqualTo(args.stream().map(n -> n * n).toList());
        assertThat(square.map(args, 50).get(60, TimeUnit.SECONDS)).isEqualTo(args.stream().map(n -> n * n).toList());
    }

    @Test
    void aTaskThatThrowsFailsItsCallersFuture() {
        TaskFuture<String> f = fail.submit("x");
        assertThatThrownBy(() -> f.get(60, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
                .cause().isInstanceOf(TaskFailedException.class)
                .satisfies(e -> {
                    TaskFailedException t = (TaskFailedException) e;
                    assertThat(t.remoteType()).isEqualTo(IllegalStateException.class.getName());
                    assertThat(t.remoteMessage()).isEqualTo("boom: x");
                });
    }

    @Test
    void aRetryIsPublishedWithTheCallersAddress() throws Exception {
        assertThat(retryOnce.submit(4).get(60, TimeUnit.SECONDS)).isEqualTo(40);
    }

    @Test
    void theLaterStepsOfAChainAnswerTheCaller() throws Exception {
        assertThat(square.sig(3).then(increment).then(square).submit().get(60, TimeUnit.SECONDS)).isEqualTo(100);
    }

    @Test
    void aStepAfterAFailedOneFailsTheCaller() {
        TaskFuture<Integer> f = fail.sig("first").then(client.task("rpc.fail-next", String.class, Integer.class,
                s -> 1)).submit();
        assertThatThrownBy(() -> f.get(60, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
                .cause().isInstanceOf(TaskFailedException.class).hasMessageContaining("boom: first");
    }

    @Test
    void aChordFailsItsCallerNamingABackendThatCanCount() {
        TaskFuture<Integer> f = client.group(List.of(square.sig(1), square.sig(2), square.sig(3))).then(sum.sig()).submit();
        assertThatThrownBy(() -> f.get(60, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
                .cause().isInstanceOf(TaskFailedException.class)
                .hasMessageContaining("rpc:// result backend cannot count")
                .hasMessageContaining("redis://");
        // the worker cannot count either: it gives the members back, and in the end dead-letters them with the reason
        Await.until(Duration.ofSeconds(60), "the chord's members to be dead-lettered with the reason", () ->
                client.broker().deadLetters(QUEUE, 1_000).stream().filter(d -> d.reason().contains("cannot count")
                        && d.reason().contains("'chord:")).count() == 3);
    }

    /**
     * What a caller sees of a task with a global rate limit over rpc: the worker cannot book its window, so it fails the
     * task at once with the refusal, which names a backend that can, and dead-letters it. The README says so.
     */
    @Test
    void aTaskWithAGlobalRateLimitFailsAtOnceNamingABackendThatCanAndTheWorkerGoesOn() throws Exception {
        TaskFuture<Integer> f = client.task("rpc.globally-limited", Integer.class, Integer.class).submit(1);
        assertThatThrownBy(() -> f.get(60, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
                .cause().isInstanceOf(TaskFailedException.class)
                .hasMessageContaining("cannot count across workers").hasMessageContaining("redis://");
        Await.until(Duration.ofSeconds(30), "the rate-limited task dead-lettered with the refusal", () ->
                client.broker().deadLetters(QUEUE, 1_000).stream().anyMatch(d -> d.messageId().equals(f.id())
                        && d.reason().contains("cannot count across workers")));
        assertThat(square.submit(8).get(60, TimeUnit.SECONDS)).isEqualTo(64);
    }

    @Test
    void anIdempotencyKeyIsRefusedNamingRedis() {
        assertThatThrownBy(() -> square.withOptions(SubmitOptions.builder().idempotencyKey("order-42").build())).isInstanceOf(AmdahlException.class)
                .hasMessageContaining("does not support idempotency keys").hasMessageContaining("redis://");
    }

    @Test
    void aSchedulerIsRefusedNamingRedis() {
        assertThatThrownBy(() -> client.startScheduler()).isInstanceOf(AmdahlException.class)
                .hasMessageContaining("redis://");
    }

    @Test
    void malformedRepliesAreDroppedAndLaterRepliesStillArrive() throws Exception {
        long before = ((RpcResultBackend) client.resultBackend()).endpoint().droppedReplies();
        assertThat(garbageFirst.submit(5).get(60, TimeUnit.SECONDS)).isEqualTo(5);
        assertThat(square.submit(6).get(60, TimeUnit.SECONDS)).isEqualTo(36);
        // each of the five was sent before the real record, on one channel, so all were seen (and dropped) by now
        assertThat(((RpcResultBackend) client.resultBackend()).endpoint().droppedReplies() - before).isEqualTo(5);
    }

    @Test
    void aRevokedTaskCompletesItsCallersFutureAndTheWorkerGoesOn() throws Exception {
        TaskFuture<Integer> f = slow.submit(1_500);
        client.revoke(f.id());
        assertThatThrownBy(() -> f.get(10, TimeUnit.SECONDS)).isInstanceOf(CancellationException.class);
        // the worker cannot hear of it (see the README), runs it, and its outcome is not let in over the revocation
        assertThat(slow.submit(1).get(60, TimeUnit.SECONDS)).isEqualTo(1);
        Await.until(Duration.ofSeconds(30), "the revoked task's run to end", 
                () -> client.resultBackend().get(f.id()).map(r -> r.state().isReady()).orElse(false));
        assertThat(client.resultBackend().get(f.id()).orElseThrow().state()).isEqualTo(dev.amdahl.TaskState.REVOKED);
        assertThat(worker.isAlive()).isTrue();
    }

    @Test
    void aWorkerInTheCallersJvmSharesItsReplyChannel() throws Exception {
        String queue = QUEUE + "-local";
        try (Amdahl local = Amdahl.builder().broker(BROKER).resultBackend(BACKEND).defaultQueue(queue).build();
             Amdahl caller = Amdahl.builder().broker(BROKER).resultBackend(BACKEND).defaultQueue(queue).build()) {
            register(local);
            register(caller);
            try (Worker w = local.startWorker(WorkerOptions.builder().queues(queue).concurrency(2).build())) {
                Task<Integer, Integer> sq = caller.task("rpc.square", Integer.class, Integer.class);
                assertThat(sq.map(List.of(1, 2, 3)).get(60, TimeUnit.SECONDS)).containsExactly(1, 4, 9);
                assertThat(sq.sig(2).then(caller.task("rpc.increment", Integer.class, Integer.class)).submit()
                        .get(60, TimeUnit.SECONDS)).isEqualTo(5);
            }
        } finally {
            try (Connection c = connect(); Channel ch = c.createChannel()) {
                ch.queueDelete(queue);
                ch.queueDelete("amdahl.dead." + queue);
            }
        }
    }

    /** In the worker: malformed replies to the caller of {@code taskId}, each a way a reply can be wrong. */
    private static void sendGarbageTo(String taskId) throws Exception {
        RabbitSettings settings = RabbitSettings.parse(URI.create(BROKER));
        String address = DirectReplies.replyAddress(DirectReplies.Endpoint.of(settings), taskId);
        if (address == null) {
            throw new IllegalStateException("no reply address for " + taskId);
        }
        try (Connection c = connect(); Channel ch = c.createChannel()) {
            AMQP.BasicProperties props = new AMQP.BasicProperties.Builder().correlationId(taskId).build();
            ch.basicPublish("", address, props, "not json".getBytes(StandardCharsets.UTF_8));
            ch.basicPublish("", address, props, "[1,2]".getBytes(StandardCharsets.UTF_8));
            ch.basicPublish("", address, props, ("{\"id\":\"" + taskId + "\",\"state\":\"NOT_A_STATE\"}")
                    .getBytes(StandardCharsets.UTF_8));
            ch.basicPublish("", address, props, new byte[] {(byte) 0xff, 0, 1});
            // a well-formed final record that claims to be another task's: dropped, not let in
            AMQP.BasicProperties other = new AMQP.BasicProperties.Builder().correlationId("someone-else").build();
            ch.basicPublish("", address, other, ("{\"id\":\"" + taskId + "\",\"state\":\"SUCCESS\",\"result\":\"-1\"}")
                    .getBytes(StandardCharsets.UTF_8));
        }
    }

    static Connection connect() throws Exception {
        ConnectionFactory factory = new ConnectionFactory();
        factory.setHost("127.0.0.1");
        factory.setPort(5672);
        factory.setUsername("guest");
        factory.setPassword("guest");
        factory.setVirtualHost("/");
        return factory.newConnection("amdahl-rpc-it");
    }
}
