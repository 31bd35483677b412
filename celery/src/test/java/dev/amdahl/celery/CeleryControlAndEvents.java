package dev.amdahl.celery;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.amdahl.Amdahl;
import dev.amdahl.TaskState;
import dev.amdahl.Worker;
import dev.amdahl.WorkerOptions;
import dev.amdahl.spi.TaskRecord;
import dev.amdahl.testkit.Await;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Celery's own tools against a Java worker, whatever the broker: the {@code celery} command's {@code inspect ping},
 * {@code inspect registered}, {@code inspect active} and {@code control revoke}, and Celery's event {@code Receiver}
 * ({@code src/test/resources/python/control.py}), each a real Python 3 process with Debian's Celery 5.2. Results in
 * Celery's Redis backend, a database of the subclass's own, emptied after each test.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
abstract class CeleryControlAndEvents {

    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final ObjectMapper JSON = new ObjectMapper();
    final String queue = "control-" + UUID.randomUUID();
    private final String hostname = "java-" + UUID.randomUUID().toString().substring(0, 8) + "@amdahl-test";
    private final List<Process> processes = new ArrayList<>();
    private final List<Amdahl> apps = new ArrayList<>();

    record Add(int x, int y) {
    }

    /** The broker URL both sides use. */
    abstract String broker();

    /** Celery's Redis result backend, a database of the test's own. */
    abstract String backend();

    /** Deletes what the test's queue left on the broker. */
    abstract void deleteQueue();

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

    Amdahl celeryApp() {
        Amdahl app = Amdahl.builder().wireProtocol("celery").broker(broker()).resultBackend(backend()).defaultQueue(queue)
                .build();
        apps.add(app);
        app.task("control.add", Add.class, Integer.class, a -> a.x() + a.y());
        return app;
    }

    private Worker startWorker(Amdahl app, int concurrency) {
        return app.startWorker(WorkerOptions.builder().queues(queue).concurrency(concurrency).prefetch(concurrency)
                .name(hostname).build());
    }

    @Test
    void celeryInspectPingAnswersForTheJavaWorkerByItsHostname() throws Exception {
        Amdahl app = celeryApp();
        try (Worker ignored = startWorker(app, 1)) {
            JsonNode replies = JSON.readTree(celery("inspect", "ping", "-d", hostname, "-j"));

            assertThat(replies.get(hostname)).isEqualTo(JSON.readTree("{\"ok\": \"pong\"}"));
            // and the plain output names the worker, as for a Python one
            assertThat(celery("inspect", "ping", "-d", hostname)).contains(hostname + ": OK").contains("pong");
        }
    }

    @Test
    void celeryInspectRegisteredListsTheJavaWorkersTasks() throws Exception {
        Amdahl app = celeryApp();
        app.task("control.other", Add.class, Integer.class, a -> a.x());
        try (Worker ignored = startWorker(app, 1)) {
            JsonNode replies = JSON.readTree(celery("inspect", "registered", "-d", hostname, "-j"));

            assertThat(replies.get(hostname)).isEqualTo(JSON.readTree("[\"control.add\", \"control.other\"]"));
        }
    }

    @Test
    void celeryControlRevokeStopsAQueuedTaskAndInspectActiveShowsTheRunningOne() throws Exception {
        Amdahl app = celeryApp();
        CountDownLatch blocking = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        AtomicInteger counted = new AtomicInteger();
        app.task("control.block", Add.class, Integer.class, a -> {
            blocking.countDown();
            release.await(WAIT.toSeconds(), TimeUnit.SECONDS);
            return 0;
        });
        app.task("control.count", Add.class, Integer.class, a -> counted.incrementAndGet());
        try (Worker ignored = startWorker(app, 1)) {
            String blocked = python("send", queue, "control.block", "[1, 2]").strip();
            assertThat(blocking.await(WAIT.toSeconds(), TimeUnit.SECONDS)).as("control.block started").isTrue();
            String queued = python("send", queue, "control.count", "[3, 4]").strip();

            JsonNode active = JSON.readTree(celery("inspect", "active", "-d", hostname, "-j")).get(hostname);
            assertThat(active).hasSize(1);
            assertThat(active.get(0).get("id").asText()).isEqualTo(blocked);
            assertThat(active.get(0).get("name").asText()).isEqualTo("control.block");
            // the arguments as the worker bound them: onto the record's components, so by name
            assertThat(active.get(0).get("kwargs")).isEqualTo(JSON.readTree("{\"x\": 1, \"y\": 2}"));
            assertThat(active.get(0).get("hostname").asText()).isEqualTo(hostname);

            // control prints the replies as a list, one {hostname: reply} per worker
            JsonNode revoked = JSON.readTree(celery("control", "revoke", queued, "-d", hostname, "-j"));
            assertThat(revoked).hasSize(1);
            assertThat(revoked.get(0).get(hostname).get("ok").asText()).isEqualTo("tasks " + queued + " flagged as revoked");
            release.countDown();

            TaskRecord record = Await.value(WAIT, "the revoked task's record",
                    () -> app.resultBackend().get(queued).filter(r -> r.state().isReady()));
            assertThat(record.state()).isEqualTo(TaskState.REVOKED);
            Await.value(WAIT, "control.block's result", () -> app.resultBackend().get(blocked).filter(r -> r.state().isReady()));
            assertThat(python("state", queued).strip()).isEqualTo("REVOKED");
            assertThat(counted).hasValue(0);
        }
    }

    @Test
    void aCeleryEventReceiverSeesTheJavaWorkersHeartbeatAndTaskEvents() throws Exception {
        Amdahl app = celeryApp();
        try (Worker ignored = startWorker(app, 2)) {
            JsonNode out = JSON.readTree(python("events", hostname, queue));
            String taskId = out.get("task_id").asText();
            JsonNode events = out.get("events");

            JsonNode heartbeat = events.get("worker-heartbeat");
            assertThat(heartbeat).as("worker-heartbeat in %s", events).isNotNull();
            assertThat(heartbeat.get("freq").asDouble()).isEqualTo(2.0);
            assertThat(heartbeat.get("sw_ident").asText()).isEqualTo("amdahl");
            assertThat(heartbeat.has("active") && heartbeat.has("processed") && heartbeat.has("loadavg")).isTrue();

            JsonNode received = events.get("task-received");
            assertThat(received).as("task-received in %s", events).isNotNull();
            assertThat(received.get("name").asText()).isEqualTo("control.add");
            assertThat(received.get("args").asText()).isEqualTo("()");
            assertThat(received.get("kwargs").asText()).isEqualTo("{'x': 2, 'y': 3}");
            assertThat(events.get("task-started")).as("task-started in %s", events).isNotNull();

            JsonNode succeeded = events.get("task-succeeded");
            assertThat(succeeded).as("task-succeeded in %s", events).isNotNull();
            assertThat(succeeded.get("uuid").asText()).isEqualTo(taskId);
            assertThat(succeeded.get("result").asText()).isEqualTo("5");
            assertThat(succeeded.get("runtime").asDouble()).isGreaterThanOrEqualTo(0.0);
            // Celery's receiver localised it: the fields it reads were there
            assertThat(succeeded.has("local_received")).isTrue();
            assertThat(succeeded.get("clock").asLong()).isGreaterThan(received.get("clock").asLong());
        }
    }

    // ---------------------------------------------------------------- processes

    private Path scripts() throws URISyntaxException {
        return Path.of(getClass().getResource("/python/control.py").toURI()).getParent();
    }

    /** The {@code celery} command itself, with the app in {@code control_app.py}. */
    private String celery(String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of("/usr/bin/python3", "-I", "-m", "celery", "-A", "control_app",
                "-b", broker(), "--result-backend", backend()));
        command.addAll(List.of(args));
        command.addAll(List.of("-t", "5"));
        return run(command);
    }

    private String python(String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of("/usr/bin/python3", "-I", scripts().resolve("control.py").toString(),
                broker(), backend()));
        command.addAll(List.of(args));
        return run(command);
    }

    private String run(List<String> command) throws IOException, InterruptedException, URISyntaxException {
        return PythonRun.output(command, scripts(), processes::add);
    }
}
