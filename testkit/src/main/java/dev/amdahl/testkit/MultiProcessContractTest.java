package dev.amdahl.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.amdahl.Amdahl;
import dev.amdahl.Task;
import dev.amdahl.TaskState;
import dev.amdahl.spi.ResultBackend;
import dev.amdahl.spi.TaskRecord;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Whole processes over a shared broker: two worker JVMs ({@link MultiProcessWorkerMain}) run 10,000 tasks submitted as
 * one group while one of them is killed with SIGKILL. The broker gives the killed worker's messages to the survivor
 * (a closed connection, a lapsed lease); every task must end with one SUCCESS record in the backend, and only what the
 * killed worker held (its prefetch, 8) may have run twice. A broker module runs it with a subclass that names its URLs:
 *
 * <pre>{@code
 * class RabbitMultiProcessIT extends MultiProcessContractTest {
 *     protected String brokerUrl() { return "amqp://guest:guest@127.0.0.1:5672/"; }
 *     protected String resultBackendUrl() { return "redis://127.0.0.1:6379/0?prefix=" + prefix; }
 *     protected void deleteQueue(String queue) { ... }
 * }
 * }</pre>
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
public abstract class MultiProcessContractTest {

    /** The name of the task both sides register. */
    public static final String TASK = "mp.square";
    private static final int TASKS = 10_000;
    private final String queue = "multiprocess-" + UUID.randomUUID().toString().substring(0, 8);
    private final List<Process> processes = new ArrayList<>();

    /** The broker URL the client and both workers open. */
    protected abstract String brokerUrl();

    /** The result backend URL they open; it must count across processes (runs are counted there). */
    protected abstract String resultBackendUrl();

    /** Removes what the run left of {@code queue} on the server, after the workers are gone; the default does nothing. */
    protected void deleteQueue(String queue) throws Exception {
    }

    /** The task both sides register: squares its argument after 1 ms, counting its runs per argument. */
    public static Task<Integer, Integer> register(Amdahl app) {
        ResultBackend backend = app.resultBackend();
        return app.task(TASK, Integer.class, Integer.class, n -> {
            backend.increment("run:" + n, 1);
            Thread.sleep(1);
            return n * n;
        });
    }

    @AfterEach
    void stopWorkers() throws Exception {
        for (Process p : processes) {
            p.destroyForcibly();
            p.waitFor(10, TimeUnit.SECONDS);
        }
        deleteQueue(queue);
    }

    @Test
    void tenThousandTasksCompleteExactlyOnceAlthoughAWorkerIsKilled() throws Exception {
        try (Amdahl client = Amdahl.builder().broker(brokerUrl()).resultBackend(resultBackendUrl()).defaultQueue(queue)
                .build()) {
            Task<Integer, Integer> square = register(client);
            Process doomed = startWorker("doomed");
            startWorker("survivor");

            var group = square.map(IntStream.range(0, TASKS).boxed().toList());
            Await.until(Duration.ofSeconds(60), "a fifth of the tasks to be done", () -> group.completedCount() > TASKS / 5);
            doomed.destroyForcibly();  // SIGKILL, with up to 8 messages held (prefetch)
            assertThat(doomed.waitFor(10, TimeUnit.SECONDS)).isTrue();

            List<Integer> results = group.get(3, TimeUnit.MINUTES);
            assertThat(results).hasSize(TASKS);
            for (int i = 0; i < TASKS; i++) {
                assertThat(results.get(i)).as("result %d", i).isEqualTo(i * i);
            }
            ResultBackend backend = client.resultBackend();
            long[] runs = IntStream.range(0, TASKS).mapToLong(i -> backend.increment("run:" + i, 0)).toArray();
            assertThat(IntStream.range(0, TASKS).filter(i -> runs[i] < 1).boxed().toList()).as("tasks never run").isEmpty();
            assertThat(IntStream.range(0, TASKS).filter(i -> runs[i] > 1).count()).as("tasks run twice").isLessThanOrEqualTo(8);
            Map<String, TaskRecord> records = backend.getAll(group.members().stream().map(f -> f.id()).toList());
            assertThat(records).hasSize(TASKS);
            assertThat(records.values()).allMatch(r -> r.state() == TaskState.SUCCESS);
            assertThat(client.broker().depth(queue)).isZero();
            assertThat(client.broker().deadLetters(queue, 10)).isEmpty();
        }
    }

    private Process startWorker(String name) throws Exception {
        Process p = ChildJvm.command(MultiProcessWorkerMain.class, brokerUrl(), resultBackendUrl(), queue, name)
                .redirectErrorStream(true).start();
        processes.add(p);
        BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        StringBuilder seen = new StringBuilder();
        Await.until(Duration.ofSeconds(60), "worker " + name + " to print READY", () -> {
            try {
                String line = out.readLine();
                if (line == null) {
                    throw new IllegalStateException("worker " + name + " exited early: " + seen);
                }
                seen.append(line).append('\n');
                return line.equals("READY");
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        });
        // keep draining its output so it never blocks on a full pipe
        CompletableFuture.runAsync(() -> {
            try {
                while (out.readLine() != null) {
                    // discarded
                }
            } catch (IOException e) {
                // the process went
            }
        });
        return p;
    }
}
