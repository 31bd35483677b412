package dev.amdahl.examples;

import dev.amdahl.Amdahl;
import dev.amdahl.GroupFuture;
import dev.amdahl.TaskCatalog;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.stream.IntStream;

/**
 * Downloads {@code tasks} items from a {@link LatencyServer}, one {@value FetchTasks#GET} task each: I/O-bound
 * work, whose tasks wait for an answer instead of computing. Its wall time is about
 * {@code tasks x latency / concurrency} whatever the core count, so it scales with how many tasks a worker
 * runs at once, not with cores; compare {@link MandelbrotJob}, which stops scaling at the core count.
 *
 * <pre>{@code
 * try (LatencyServer server = LatencyServer.start(Duration.ofMillis(50), 4096);
 *      Amdahl app = Amdahl.builder().include(FetchTasks.class).build();
 *      Worker worker = app.startWorker(WorkerOptions.builder().pool(Pool.VIRTUAL).concurrency(200).build())) {
 *     JobRun run = new FetchJob(server.uri(), 1000, server.latency()).run(app);
 *     System.out.println(run.tasksPerSecond());   // about 200 / 0.05 s = 4000
 * }
 * }</pre>
 *
 * @param server  the server's root URI, on loopback
 * @param tasks   how many downloads
 * @param latency how long the server waits before each answer, for the description and the ideal time
 */
public record FetchJob(URI server, int tasks, Duration latency) implements DemoJob {

    public FetchJob {
        Objects.requireNonNull(server, "server");
        Objects.requireNonNull(latency, "latency");
        if (tasks < 1 || tasks > 1_000_000) {
            throw new IllegalArgumentException("fetch 1 to 1000000 items, not " + tasks);
        }
        new FetchRequest(server.resolve("/item/0").toString()); // validates: http on loopback
    }

    @Override
    public String name() {
        return "fetch";
    }

    @Override
    public String description() {
        return String.format(Locale.ROOT, "I/O-bound fetches, %d downloads from %s, which answers each after %d ms",
                tasks, server, latency.toMillis());
    }

    @Override
    public Class<? extends TaskCatalog> catalog() {
        return FetchTasks.class;
    }

    @Override
    public int taskCount() {
        return tasks;
    }

    /** The wall time of this job at {@code concurrency} downloads at once, if waiting were all it did. */
    public Duration idealWallTime(int concurrency) {
        long rounds = (tasks + concurrency - 1) / concurrency;
        return latency.multipliedBy(rounds);
    }

    /**
     * Downloads every item on {@code app}'s workers.
     *
     * @throws dev.amdahl.TaskFailedException when a download fails
     */
    @Override
    public JobRun run(Amdahl app, JobProgress progress) {
        List<FetchRequest> requests = IntStream.range(0, tasks)
                .mapToObj(i -> new FetchRequest(server.resolve("/item/" + i).toString())).toList();
        long start = System.nanoTime();
        GroupFuture<Fetched> fetching = FetchTasks.get(app).map(requests);
        long bytes = GroupRuns.combine(fetching, progress, all -> {
            for (Fetched f : all) {
                if (f.status() != 200) {
                    throw new IllegalStateException("the server answered " + f.status() + " to a fetch");
                }
            }
            return all.stream().mapToLong(Fetched::bytes).sum();
        });
        Duration wall = Duration.ofNanos(System.nanoTime() - start);
        String summary = String.format(Locale.ROOT, "fetched %d items, %,d bytes", tasks, bytes);
        return new JobRun(wall, tasks, summary, fetching.stats());
    }

    /** A few downloads, so that the connection code and the path through the broker are compiled before the timed run. */
    @Override
    public void warmUp(Amdahl app) {
        new FetchJob(server, Math.min(tasks, 50), latency).run(app, JobProgress.NONE);
    }
}
