package dev.amdahl.bench;

import dev.amdahl.Amdahl;
import dev.amdahl.Task;
import dev.amdahl.TaskFuture;
import dev.amdahl.Worker;
import dev.amdahl.WorkerOptions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * No-op tasks through the embedded broker and backend and a worker of two threads, as an application that
 * parallelises on its own cores runs them: one round trip at a time (latency), a burst of submits (per-task cost
 * with the pool busy), and one chunked map.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 5, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgs = "-Xmx1g")
@State(Scope.Benchmark)
public class EmbeddedRoundTripBenchmark {

    private static final int BURST = 10_000;
    private static final Duration WAIT = Duration.ofMinutes(1);

    private Amdahl app;
    private Worker worker;
    private Task<Integer, Integer> noop;
    private final List<Integer> items = Collections.nCopies(BURST, 7);

    @Setup(Level.Trial)
    public void start() {
        app = Amdahl.builder().build();
        noop = app.task("bench.noop", Integer.class, Integer.class, x -> x);
        worker = app.startWorker(WorkerOptions.builder().concurrency(2).build());
    }

    @TearDown(Level.Trial)
    public void stop() {
        worker.close();
        app.close();
    }

    @Benchmark
    public Integer roundTrip() {
        return noop.submit(1).result(WAIT);
    }

    @Benchmark
    @OperationsPerInvocation(BURST)
    public int submitBurst() {
        List<TaskFuture<Integer>> futures = new ArrayList<>(BURST);
        for (int i = 0; i < BURST; i++) {
            futures.add(noop.submit(i));
        }
        int sum = 0;
        for (TaskFuture<Integer> f : futures) {
            sum += f.result(WAIT);
        }
        return sum;
    }

    @Benchmark
    @OperationsPerInvocation(BURST)
    public List<Integer> mapChunksOf100() {
        return noop.map(items, 100).result(WAIT);
    }
}
