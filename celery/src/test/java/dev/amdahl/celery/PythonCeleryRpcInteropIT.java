package dev.amdahl.celery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.amdahl.Amdahl;
import dev.amdahl.Task;
import dev.amdahl.TaskFailedException;
import dev.amdahl.Worker;
import dev.amdahl.WorkerOptions;
import dev.amdahl.celery.internal.amqp.CeleryAmqpTopology;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Java and Python Celery processes on the shared RabbitMQ with Celery's {@code rpc://} result backend on both sides (a
 * queue of the test's own, deleted after; each client's reply queue is RabbitMQ's to delete when the client goes): a
 * Python {@code send_task} served by a Java worker and read back by {@code AsyncResult.get()}, a Python chain on Java
 * workers, and a Java client served by a Python worker and read back by its {@code TaskFuture}.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class PythonCeleryRpcInteropIT {

    static final String BROKER = "amqp://guest:guest@127.0.0.1:5672/";
    static final String BACKEND = "rpc://";
    private static final Duration WAIT = Duration.ofSeconds(60);
    private final String queue = "interop-rpc-" + UUID.randomUUID();
    private final List<Process> processes = new ArrayList<>();
    private final List<Amdahl> apps = new ArrayList<>();

    record Add(int x, int y) {
    }

    record Why(String why) {
    }

    @AfterEach
    void cleanUp() throws InterruptedException {
        PythonRun.stop(processes);
        apps.forEach(Amdahl::close);
        CeleryAmqpTopology.delete(BROKER, List.of(queue));
    }

    private Amdahl celeryApp() {
        Amdahl app = Amdahl.builder().wireProtocol("celery").broker(BROKER).resultBackend(BACKEND).defaultQueue(queue).build();
        apps.add(app);
        return app;
    }

    @Test
    void pythonSendTaskOverRpcIsServedByAJavaWorkerAndReadByAsyncResultGet() throws Exception {
        Amdahl app = celeryApp();
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
    void aPythonChainOverRpcRunsOnJavaWorkersAndItsLastResultReachesThePythonClient() throws Exception {
        Amdahl app = celeryApp();
        app.task("interop.add", Add.class, Integer.class, a -> a.x() + a.y());
        try (Worker ignored = app.startWorker(WorkerOptions.builder().queues(queue).concurrency(2).build())) {
            JsonNode out = new ObjectMapper().readTree(python("chain"));

            assertThat(out.get("chain").asInt()).as("add(2, 3) | add(4)").isEqualTo(9);
        }
    }

    @Test
    void aJavaClientOverRpcIsServedByAPythonWorkerAndAwaitsThroughItsFuture() throws Exception {
        Amdahl app = celeryApp();
        Task<Add, Integer> mul = app.task("interop.mul", Add.class, Integer.class);
        Task<Integer, Integer> boom = app.task("interop.boom", Integer.class, Integer.class);
        Task<Integer, Integer> inc = app.task("interop.inc", Integer.class, Integer.class);
        start("worker");

        assertThat(mul.submit(new Add(6, 7)).result(WAIT)).isEqualTo(42);
        assertThatThrownBy(() -> boom.submit(3).result(WAIT)).isInstanceOfSatisfying(TaskFailedException.class, e -> {
            assertThat(e.remoteType()).isEqualTo("ValueError");
            assertThat(e.remoteMessage()).isEqualTo("boom: 3");
        });
        assertThat(mul.sig(new Add(6, 7)).then(inc).then(inc).submit().result(WAIT))
                .as("a Java chain's last step, sent by the Python worker, answers the Java client").isEqualTo(44);
    }

    private Path script() throws URISyntaxException {
        return Path.of(PythonCeleryRpcInteropIT.class.getResource("/python/interop.py").toURI());
    }

    private void start(String mode) throws IOException, URISyntaxException {
        Path script = script();
        Process p = new ProcessBuilder(PythonRun.command(script, List.of(BROKER, BACKEND, mode, queue)))
                .directory(script.getParent().toFile()).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        processes.add(p);
    }

    private String python(String mode) throws IOException, InterruptedException, URISyntaxException {
        return PythonRun.output(script(), List.of(BROKER, BACKEND, mode, queue), processes::add);
    }
}
