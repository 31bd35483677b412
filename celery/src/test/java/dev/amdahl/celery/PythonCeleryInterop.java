package dev.amdahl.celery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.amdahl.Amdahl;
import dev.amdahl.SubmitOptions;
import dev.amdahl.Task;
import dev.amdahl.TaskContext;
import dev.amdahl.TaskFailedException;
import dev.amdahl.TaskFuture;
import dev.amdahl.Worker;
import dev.amdahl.WorkerOptions;
import dev.amdahl.testkit.Await;
import dev.amdahl.testkit.ChildJvm;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * What Java and Python Celery processes do together on one broker, whichever it is: a Python {@code send_task} served
 * by a Java worker and read back by {@code AsyncResult.get()}, a Java client served by a Python Celery worker (solo pool)
 * and read back by a {@code TaskFuture}, a failure each way keeping its type and message, canvases built on either side,
 * a mixed pool, and a killed Java worker's messages completed by a Python one. The Python side is
 * {@code src/test/resources/python/interop.py}. Results are in Celery's Redis backend, a database of the subclass's own,
 * emptied after each test; so is the queue.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
abstract class PythonCeleryInterop {

    static final Duration WAIT = Duration.ofSeconds(60);
    final String queue = "interop-" + UUID.randomUUID();
    private final List<Process> processes = new ArrayList<>();
    private final List<Amdahl> apps = new ArrayList<>();

    /** The broker URL both sides use. */
    abstract String broker();

    /** Celery's Redis result backend, a database of the test's own. */
    abstract String backend();

    /** The broker URL of a Java worker that will be killed holding messages: one whose holdings come back soon. */
    abstract String brokerForAKilledWorker();

    /** The arguments after the queue of the Python worker that completes what the killed one held. */
    abstract List<String> pythonWorkerAfterAKill();

    /** What the broker shows of the killed worker's messages before another worker takes them. */
    abstract void assertHeldAfterTheKill(RedisCommands<String, String> backend, Set<String> held);

    /** How the mixed pool's tasks are submitted. */
    SubmitOptions mixedPoolOptions() {
        return SubmitOptions.builder().build();
    }

    /** Deletes what the test's queue left on the broker. */
    abstract void deleteQueue();

    /** Celery's {@code add(x, y)}, its arguments bound by name or position. */
    record Add(int x, int y) {
    }

    /** Bound from Celery's keyword argument {@code why}. */
    record Why(String why) {
    }

    /** The numbers a chord's callback gets: its header's results, as one positional argument. */
    record Numbers(List<Integer> xs) {
    }

    @AfterEach
    void cleanUp() throws InterruptedException {
        PythonRun.stop(processes);
        apps.forEach(Amdahl::close);
        deleteQueue();
        RedisClient client = RedisClient.create(backend());
        try (StatefulRedisConnection<String, String> c = client.connect()) {
            c.sync().flushdb();
        } finally {
            client.shutdown();
        }
    }

    Amdahl celeryApp(String broker) {
        Amdahl app = Amdahl.builder().wireProtocol("celery").broker(broker).resultBackend(backend()).defaultQueue(queue)
                .build();
        apps.add(app);
        return app;
    }

    @Test
    void pythonSendTaskIsServedByAJavaWorkerAndItsResultsReadByAsyncResultGet() throws Exception {
        Amdahl app = celeryApp(broker());
        app.task("interop.add", Add.class, Integer.class, a -> a.x() + a.y());
        app.task("interop.fail", Why.class, Integer.class, w -> {
            throw new IllegalStateException(w.why());
        });
        try (Worker ignored = app.startWorker(WorkerOptions.builder().queues(queue).concurrency(2).build())) {
            JsonNode out = new ObjectMapper().readTree(python("send"));

            assertThat(out.get("add").asInt()).isEqualTo(5);
            assertThat(out.get("fail").get("type").asText()).isEqualTo("IllegalStateException");
            assertThat(out.get("fail").get("message").asText()).isEqualTo("no luck");
        }
    }

    @Test
    void aJavaClientIsServedByAPythonWorkerAndAwaitsThroughItsFuture() throws Exception {
        Amdahl app = celeryApp(broker());
        Task<Add, Integer> mul = app.task("interop.mul", Add.class, Integer.class);
        Task<Integer, Integer> boom = app.task("interop.boom", Integer.class, Integer.class);
        start("worker");

        assertThat(mul.submit(new Add(6, 7)).result(WAIT)).isEqualTo(42);
        assertThatThrownBy(() -> boom.submit(3).result(WAIT)).isInstanceOfSatisfying(TaskFailedException.class, e -> {
            assertThat(e.remoteType()).isEqualTo("ValueError");
            assertThat(e.remoteMessage()).isEqualTo("boom: 3");
        });
    }

    @Test
    void aChainAndAChordBuiltInPythonRunOnJavaWorkersCallbackIncluded() throws Exception {
        Amdahl app = celeryApp(broker());
        app.task("interop.add", Add.class, Integer.class, a -> a.x() + a.y());
        app.task("interop.tsum", Numbers.class, Integer.class, n -> n.xs().stream().mapToInt(Integer::intValue).sum());
        try (Worker ignored = app.startWorker(WorkerOptions.builder().queues(queue).concurrency(2).build())) {
            JsonNode out = new ObjectMapper().readTree(python("canvas"));

            assertThat(out.get("chain").asInt()).as("add(2, 3) | add(4)").isEqualTo(9);
            assertThat(out.get("chord").asInt()).as("chord([add(i, i) for i in 0..2], tsum)").isEqualTo(6);
        }
        onBackend(c -> assertThat(c.keys("celery-taskset-meta-*")).as("the chord's counting keys are gone").isEmpty());
    }

    @Test
    void aChainBuiltInJavaRunsOnPythonWorkers() throws Exception {
        Amdahl app = celeryApp(broker());
        Task<Add, Integer> mul = app.task("interop.mul", Add.class, Integer.class);
        Task<Integer, Integer> inc = app.task("interop.inc", Integer.class, Integer.class);
        start("worker");

        assertThat(mul.sig(new Add(6, 7)).then(inc).then(inc).submit().result(WAIT)).isEqualTo(44);
    }

    @Test
    void aMixedPoolOfAPythonAndAJavaWorkerCompletesEveryTaskOnce() throws Exception {
        Amdahl app = celeryApp(broker());
        onBackend(c -> {
            Task<Integer, Integer> record = app.task("interop.record", Integer.class, Integer.class, n -> {
                c.sadd(queue + ".java", TaskContext.current().taskId());
                return n;
            });
            start("worker");
            try (Worker ignored = app.startWorker(WorkerOptions.builder().queues(queue).concurrency(2).build())) {
                List<TaskFuture<Integer>> futures = new ArrayList<>();
                for (int i = 0; i < 60; i++) {
                    futures.add(record.withOptions(mixedPoolOptions()).submit(i));
                }
                Set<String> ids = new HashSet<>();
                for (int i = 0; i < futures.size(); i++) {
                    assertThat(futures.get(i).result(WAIT)).isEqualTo(i);
                    ids.add(futures.get(i).id());
                }
                Set<String> python = c.smembers(queue + ".python");
                Set<String> java = c.smembers(queue + ".java");
                assertThat(python).as("run by both").doesNotContainAnyElementsOf(java);
                Set<String> all = new HashSet<>(python);
                all.addAll(java);
                assertThat(all).as("every task ran, once").isEqualTo(ids);
                assertThat(python.size() + java.size()).isEqualTo(60);
            }
        });
    }

    @Test
    void celeryMessagesAKilledJavaWorkerHeldAreCompletedByAPythonWorker() throws Exception {
        String broker = brokerForAKilledWorker();
        Task<Integer, Integer> record = celeryApp(broker).task("interop.record", Integer.class, Integer.class);
        Process holder = ChildJvm.command(HoldingCeleryWorkerMain.class, broker, backend(), queue).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        processes.add(holder);
        List<TaskFuture<Integer>> futures = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            futures.add(record.withOptions(mixedPoolOptions()).submit(i));
        }
        onBackend(c -> {
            Await.until(Duration.ofSeconds(60), () -> c.scard(queue + ".held") >= 2);
            Set<String> held = c.smembers(queue + ".held");
            holder.destroyForcibly().waitFor(20, TimeUnit.SECONDS);   // SIGKILL: nothing given back
            assertHeldAfterTheKill(c, held);

            start("worker", pythonWorkerAfterAKill().toArray(String[]::new));
            for (int i = 0; i < futures.size(); i++) {
                assertThat(futures.get(i).result(WAIT)).isEqualTo(i);
            }
            assertThat(c.smembers(queue + ".python")).as("the killed worker's tasks ran on the Python worker")
                    .containsAll(held);
        });
    }

    /** A test body that talks to the result backend's database. */
    interface BackendUse {
        void run(RedisCommands<String, String> backend) throws Exception;
    }

    void onBackend(BackendUse use) throws Exception {
        RedisClient client = RedisClient.create(backend());
        try (StatefulRedisConnection<String, String> c = client.connect()) {
            use.run(c.sync());
        } finally {
            client.shutdown();
        }
    }

    private Path script() throws URISyntaxException {
        return Path.of(PythonCeleryInterop.class.getResource("/python/interop.py").toURI());
    }

    private List<String> arguments(String mode, String... more) {
        List<String> args = new ArrayList<>(List.of(broker(), backend(), mode, queue));
        args.addAll(List.of(more));
        return args;
    }

    private void start(String mode, String... more) throws IOException, URISyntaxException {
        Path script = script();
        Process p = new ProcessBuilder(PythonRun.command(script, arguments(mode, more)))
                .directory(script.getParent().toFile()).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        processes.add(p);
    }

    String python(String mode) throws IOException, InterruptedException, URISyntaxException {
        return PythonRun.output(script(), arguments(mode), processes::add);
    }
}
