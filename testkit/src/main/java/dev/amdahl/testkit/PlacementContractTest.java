package dev.amdahl.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.amdahl.Amdahl;
import dev.amdahl.ErrorType;
import dev.amdahl.GroupFuture;
import dev.amdahl.Resources;
import dev.amdahl.RetryBackoff;
import dev.amdahl.SubmitOptions;
import dev.amdahl.Task;
import dev.amdahl.TaskContext;
import dev.amdahl.TaskFailedException;
import dev.amdahl.TaskFuture;
import dev.amdahl.TaskOptions;
import dev.amdahl.TypeRef;
import dev.amdahl.Worker;
import dev.amdahl.WorkerOptions;
import dev.amdahl.scaling.DataMovement;
import dev.amdahl.spi.Broker;
import dev.amdahl.spi.ForwardingResultBackend;
import dev.amdahl.spi.ResultBackend;
import dev.amdahl.spi.TaskRecord;
import dev.amdahl.spi.WorkerHeartbeat;
import dev.amdahl.spi.WorkerRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Placement by resources and data by reference, as part of "a broker works": tasks that declare needs reach only
 * workers that offer them, however the broker routes; no worker runs more of them at once than it offers; a task
 * nobody can place fails, naming the resource; large arguments are stored once and survive retries and chords. Each
 * worker is an application of its own (as on a machine of its own), so what its tasks count is what that worker ran.
 * A broker module runs it with a near-empty subclass:
 *
 * <pre>{@code
 * class RedisPlacementContractIT extends PlacementContractTest {
 *     protected Broker openBroker() { return new RedisBrokerProvider().open(URI.create("redis://127.0.0.1:6379"), context); }
 *     protected ResultBackend openResultBackend() { return new RedisResultBackendProvider().open(URI.create("redis://127.0.0.1:6379"), context); }
 * }</pre>
 */
@Timeout(120)
public abstract class PlacementContractTest {

    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final ObjectMapper JSON = new ObjectMapper();

    /** A broker of its own for each application, on the shared server. */
    protected abstract Broker openBroker();

    /** A result backend of its own for each application, on the shared server. */
    protected abstract ResultBackend openResultBackend();

    private final List<Amdahl> apps = new CopyOnWriteArrayList<>();
    /** A queue of this test's own, so tests on a shared server do not meet. */
    private final String queue = "placement-" + UUID.randomUUID().toString().substring(0, 8);

    @AfterEach
    void closeApps() {
        apps.forEach(Amdahl::close);
    }

    private Amdahl app(long byReferenceAbove, ResultBackend backend) {
        Amdahl app = Amdahl.builder().broker(openBroker()).resultBackend(backend).defaultQueue(queue)
                .byReferenceAbove(byReferenceAbove).build();
        apps.add(app);
        return app;
    }

    private Amdahl app() {
        return app(Amdahl.DEFAULT_BY_REFERENCE_ABOVE, openResultBackend());
    }

    /** A worker's view of its own runs: how much of each resource its tasks held at most, and what it ran. */
    private static final class Machine {
        final String label;
        final Map<String, AtomicInteger> ran = new ConcurrentHashMap<>();
        final AtomicInteger gpuInUse = new AtomicInteger();
        final AtomicInteger gpuPeak = new AtomicInteger();

        Machine(String label) {
            this.label = label;
        }

        String run(String task, int gpus) throws InterruptedException {
            ran.computeIfAbsent(task, t -> new AtomicInteger()).incrementAndGet();
            int now = gpuInUse.addAndGet(gpus);
            gpuPeak.accumulateAndGet(now, Math::max);
            try {
                Thread.sleep(10);   // the task's work: long enough for tasks to overlap
            } finally {
                gpuInUse.addAndGet(-gpus);
            }
            return label;
        }

        int ran(String task) {
            return ran.getOrDefault(task, new AtomicInteger()).get();
        }
    }

    private static SubmitOptions needs(String resources) {
        return SubmitOptions.builder().resources(resources).build();
    }

    private Machine machine(String label, String resources) {
        Machine m = new Machine(label);
        Amdahl app = app();
        app.task("p.gpu1", Integer.class, String.class, TaskOptions.builder().resources("gpu=1").build(), i -> m.run("p.gpu1", 1));
        app.task("p.gpu2", Integer.class, String.class, TaskOptions.builder().resources("gpu=2").build(), i -> m.run("p.gpu2", 2));
        app.task("p.cpu", Integer.class, String.class, i -> m.run("p.cpu", 0));
        app.startWorker(WorkerOptions.builder().queues(queue).concurrency(6).name(label + "-" + queue)
                .resources(Resources.parse(resources)).build());
        return m;
    }

    @Test
    void gpuTasksRunOnlyOnWorkersOfferingGpusAndNeverMoreAtOnceThanTheyOffer() {
        Machine two = machine("two-gpus", "cores=6,mem=4g,gpu=2");
        Machine one = machine("one-gpu", "cores=6,mem=4g,gpu=1");
        Machine none = machine("no-gpu", "cores=6,mem=4g,gpu=0");
        Amdahl client = app();
        Task<Integer, String> gpu1 = client.task("p.gpu1", Integer.class, String.class).withOptions(needs("gpu=1"));
        Task<Integer, String> gpu2 = client.task("p.gpu2", Integer.class, String.class).withOptions(needs("gpu=2"));
        Task<Integer, String> cpu = client.task("p.cpu", Integer.class, String.class);
        assertThat(gpu1.queue()).isEqualTo(queue);

        List<TaskFuture<String>> gpuOne = new ArrayList<>();
        List<TaskFuture<String>> gpuTwo = new ArrayList<>();
        List<TaskFuture<String>> cpus = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            gpuOne.add(gpu1.submit(i));
            cpus.add(cpu.submit(i));
            if (i % 3 == 0) {
                gpuTwo.add(gpu2.submit(i));
            }
        }
        gpuOne.forEach(f -> assertThat(f.result(WAIT)).isIn("two-gpus", "one-gpu"));
        gpuTwo.forEach(f -> assertThat(f.result(WAIT)).isEqualTo("two-gpus"));
        cpus.forEach(f -> assertThat(f.result(WAIT)).isIn("two-gpus", "one-gpu", "no-gpu"));

        assertThat(none.ran("p.gpu1") + none.ran("p.gpu2")).as("GPU tasks run on the worker without a GPU").isZero();
        assertThat(one.ran("p.gpu2")).as("gpu=2 tasks run on the worker with one GPU").isZero();
        assertThat(two.gpuPeak.get()).as("GPUs held at once on the worker offering 2").isBetween(1, 2);
        assertThat(one.gpuPeak.get()).as("GPUs held at once on the worker offering 1").isLessThanOrEqualTo(1);
        assertThat(two.ran("p.gpu1") + one.ran("p.gpu1")).isEqualTo(30);
        assertThat(two.ran("p.gpu2")).isEqualTo(10);
    }

    @Test
    void aSubmissionThatDeclaresNeedsReachesAWorkerThatDidNotRegisterThem() {
        Amdahl worker = app();
        Machine m = new Machine("labelled");
        worker.task("p.plain", Integer.class, String.class, i -> m.run("p.plain", 0));
        worker.startWorker(WorkerOptions.builder().queues(queue).concurrency(2).resources(Resources.parse("zone=eu,model=a100")).build());
        Amdahl client = app();
        Task<Integer, String> plain = client.task("p.plain", Integer.class, String.class)
                .withOptions(SubmitOptions.builder().resources("zone=eu").build());

        assertThat(plain.submit(1).result(WAIT)).isEqualTo("labelled");
    }

    @Test
    void aTaskNoLiveWorkerCanPlaceIsListedThenFailsNamingTheMissingResource() {
        Amdahl worker = app();
        worker.task("p.mars", Integer.class, String.class, TaskOptions.builder().resources("gpu=1,zone=mars").build(), i -> "ran");
        Worker w = worker.startWorker(WorkerOptions.builder().queues(queue).concurrency(2).resources(Resources.parse("gpu=1,zone=eu"))
                .unplaceableAfter(Duration.ofSeconds(3)).build());
        Amdahl client = app();
        Task<Integer, String> mars = client.task("p.mars", Integer.class, String.class).withOptions(needs("gpu=1,zone=mars"));

        TaskFuture<String> f = mars.submit(1);
        WorkerRegistry registry = worker.resultBackend().capability(WorkerRegistry.class).orElseThrow();
        WorkerHeartbeat.Unplaceable listed = Await.value(WAIT, "the queue listed as unplaceable in the worker's heartbeat", () ->
                registry.heartbeats().values().stream().map(WorkerHeartbeat::fromBytes).filter(h -> h.name().equals(w.name()))
                        .flatMap(h -> h.unplaceable().stream()).findFirst());
        assertThat(listed.queue()).isEqualTo(queue + "@gpu=1,zone=mars");
        assertThat(listed.missing()).containsExactly("zone=mars (offers zone=eu)");

        assertThatThrownBy(() -> f.result(WAIT)).isInstanceOfSatisfying(TaskFailedException.class, e -> {
            assertThat(e.errorType()).contains(ErrorType.UNPLACEABLE);
            assertThat(e.remoteMessage()).contains("no live worker offers zone=mars");
        });
    }

    /** Counts what is stored by reference. */
    private static final class CountingBackend extends ForwardingResultBackend {
        final List<String> references = new CopyOnWriteArrayList<>();

        CountingBackend(ResultBackend delegate) {
            super(delegate);
        }

        @Override
        public void store(TaskRecord record) {
            if ("amdahl.reference".equals(record.taskName())) {
                references.add(record.taskId());
            }
            super.store(record);
        }
    }

    private static int[] big(int seed) {
        return IntStream.range(0, 2_000).map(i -> i * 31 + seed).toArray();
    }

    private static long sum(int[] a) {
        return IntStream.of(a).asLongStream().sum();
    }

    @Test
    void anArgumentByReferenceIsStoredOnceAndSurvivesARetryAndAChord() {
        CountingBackend counted = new CountingBackend(openResultBackend());
        Amdahl app = app(1024, counted);
        AtomicInteger runs = new AtomicInteger();
        TaskOptions retrying = TaskOptions.builder().retryOn(IllegalStateException.class).maxRetries(2)
                .backoff(RetryBackoff.fixed(Duration.ofMillis(10))).build();
        Task<int[], int[]> echo = app.task("p.echo", int[].class, int[].class, retrying, a -> {
            runs.incrementAndGet();
            if (a[0] == 1 && TaskContext.current().retries() == 0) {
                throw new IllegalStateException("the first run of seed 1 fails once");
            }
            return a;
        });
        Task<List<int[]>, Long> total = app.task("p.total", new TypeRef<List<int[]>>() { }, TypeRef.of(Long.class),
                all -> all.stream().mapToLong(PlacementContractTest::sum).sum());
        app.startWorker(WorkerOptions.builder().queues(queue).concurrency(4).build());

        int[] lone = big(1);
        assertThat(echo.submit(lone).result(WAIT)).containsExactly(lone);
        assertThat(runs.get()).as("runs: the failed one and its retry").isEqualTo(2);
        assertThat(counted.references).as("references stored for one task retried once").hasSize(1);

        List<int[]> parts = List.of(big(1), big(2), big(3));
        counted.references.clear();
        long expected = parts.stream().mapToLong(PlacementContractTest::sum).sum();
        TaskFuture<Long> chord = app.group(parts.stream().map(echo::sig).toList()).then(total.sig()).submit();
        assertThat(chord.result(WAIT)).isEqualTo(expected);
        assertThat(counted.references).as("one per member's argument and one for the callback's (the members' results)").hasSize(4);
    }

    @Test
    void aTaskWhoseReferenceExpiredFailsSayingSo() {
        CountingBackend counted = new CountingBackend(openResultBackend());
        Amdahl client = app(1024, counted);
        Task<int[], Long> total = client.task("p.sum", int[].class, Long.class);
        TaskFuture<Long> f = total.submit(big(7));
        assertThat(counted.references).hasSize(1);
        counted.forget(counted.references.get(0));   // what the backend's result TTL does, at once

        Amdahl worker = app();
        worker.task("p.sum", int[].class, Long.class, PlacementContractTest::sum);
        worker.startWorker(WorkerOptions.builder().queues(queue).concurrency(1).build());
        assertThatThrownBy(() -> f.result(WAIT)).isInstanceOfSatisfying(TaskFailedException.class, e -> {
            assertThat(e.errorType()).contains(ErrorType.REFERENCE_EXPIRED);
            assertThat(e.remoteMessage()).contains("travelled by reference").contains("no longer has it");
        });
    }

    @Test
    void aJobsStatisticsCountTheBytesItMoved() throws Exception {
        Amdahl byReference = app(1024, openResultBackend());
        Amdahl byValue = app(Long.MAX_VALUE, openResultBackend());
        for (Amdahl a : List.of(byReference, byValue)) {
            a.task("p.len", int[].class, Integer.class, arr -> arr.length);
        }
        byReference.startWorker(WorkerOptions.builder().queues(queue).concurrency(2).build());
        List<int[]> args = IntStream.range(0, 8).mapToObj(PlacementContractTest::big).toList();
        long argumentBytes = 0;
        for (int[] a : args) {
            argumentBytes += JSON.writeValueAsString(a).length();
        }
        Task<int[], Integer> viaRef = byReference.task("p.len", int[].class, Integer.class);
        Task<int[], Integer> viaValue = byValue.task("p.len", int[].class, Integer.class);

        GroupFuture<Integer> ref = viaRef.map(args);
        assertThat(ref.result(WAIT)).containsOnly(2_000);
        DataMovement r = ref.dataMovement();
        assertThat(r.tasks()).isEqualTo(8);
        assertThat(r.storedBytes()).isEqualTo(argumentBytes);
        assertThat(r.publishedBytes()).as("8 handles, well under a KiB each").isLessThan(8 * 1024);
        assertThat(r.resultBytes()).isEqualTo(8 * "2000".length());
        assertThat(r.bytesPerTask()).isEqualTo((r.publishedBytes() + r.storedBytes() + r.resultBytes()) / 8.0);

        GroupFuture<Integer> value = viaValue.map(args);
        assertThat(value.result(WAIT)).containsOnly(2_000);
        DataMovement v = value.dataMovement();
        assertThat(v.storedBytes()).isZero();
        assertThat(v.publishedBytes()).as("every argument through the queue").isGreaterThan(argumentBytes);
        assertThat(v.shareOfWall()).isBetween(0.0, 1.0);
        assertThat(Collections.frequency(value.result(WAIT), 2_000)).isEqualTo(8);
    }
}
