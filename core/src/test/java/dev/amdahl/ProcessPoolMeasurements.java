package dev.amdahl;

import com.fasterxml.jackson.databind.node.TextNode;
import dev.amdahl.internal.process.ProcessExecutionPool;
import dev.amdahl.internal.task.ApplicationAccess;
import dev.amdahl.internal.task.Outcome;
import dev.amdahl.internal.task.RunControl;
import dev.amdahl.internal.wire.TaskMessage;
import dev.amdahl.internal.worker.ExecutionPool;
import dev.amdahl.internal.worker.ThreadExecutionPool;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Prints the process pool's start-up time and per-task round trip, beside the thread pool's. Not a
 * test: run it by hand (the command is in the output) when changing the child's JVM flags.
 *
 * <pre>
 * mvn -q -o -pl core test-compile dependency:build-classpath -Dmdep.outputFile=target/cp.txt -Dmdep.includeScope=test
 * java -cp core/target/classes:core/target/test-classes:$(cat core/target/cp.txt) dev.amdahl.ProcessPoolMeasurements
 * </pre>
 *
 * Extra child JVM options to compare go in {@code -Damdahl.processPool.jvmOptions="-XX:TieredStopAtLevel=1"}.
 */
public final class ProcessPoolMeasurements {

    public static void main(String[] args) throws Exception {
        int starts = 5;
        int calls = 20_000;
        try (Amdahl app = Amdahl.builder().include(ProcessPoolTasks.class).build()) {
            System.out.println("child JVM options: " + System.getProperty(ProcessExecutionPool.JVM_OPTIONS_PROPERTY, "(defaults)"));
            for (int concurrency : new int[] {1, 2}) {
                long[] ms = new long[starts];
                for (int i = 0; i < starts; i++) {
                    long t0 = System.nanoTime();
                    ExecutionPool pool = start(app, options(concurrency));
                    ms[i] = (System.nanoTime() - t0) / 1_000_000;
                    pool.shutdown(Duration.ofSeconds(5));
                }
                Arrays.sort(ms);
                System.out.printf("start-up, %d child(ren) in parallel: median %d ms (min %d, max %d) over %d starts%n",
                        concurrency, ms[starts / 2], ms[0], ms[starts - 1], starts);
            }
            ExecutionPool processes = start(app, options(1));
            ExecutionPool threads = ThreadExecutionPool.platform(ApplicationAccess.get().invoker(app), 1);
            try {
                for (int round = 0; round < 2; round++) {
                    // first round warms both JVMs up; the second is the figure
                    double p = roundTripMicros(processes, "p.noop", new TextNode("x"), calls);
                    double t = roundTripMicros(threads, "p.noop", new TextNode("x"), calls);
                    System.out.printf("%s no-op round trip, one at a time over %d calls: processes %.1f µs, threads %.1f µs%n",
                            round == 0 ? "(warm-up)" : "", calls, p, t);
                }
                for (int round = 0; round < 2; round++) {
                    double p = roundTripMicros(processes, "p.collatzSum",
                            com.fasterxml.jackson.databind.node.IntNode.valueOf(300_000), 10) / 1000;
                    double t = roundTripMicros(threads, "p.collatzSum",
                            com.fasterxml.jackson.databind.node.IntNode.valueOf(300_000), 10) / 1000;
                    System.out.printf("%s CPU-bound task (Collatz 1..300000), 10 calls: processes %.1f ms, threads %.1f ms each%n",
                            round == 0 ? "(warm-up)" : "", p, t);
                }
            } finally {
                processes.shutdown(Duration.ofSeconds(5));
                threads.shutdown(Duration.ofSeconds(5));
            }
        }
    }

    private static WorkerOptions options(int concurrency) {
        return WorkerOptions.builder().pool(Pool.PROCESSES).concurrency(concurrency).build();
    }

    private static double roundTripMicros(ExecutionPool pool, String task, com.fasterxml.jackson.databind.JsonNode arg, int calls)
            throws Exception {
        long t0 = System.nanoTime();
        for (int i = 0; i < calls; i++) {
            CompletableFuture<Outcome> done = new CompletableFuture<>();
            pool.execute(new ExecutionPool.Job(new TaskMessage("m-" + i, task, arg, false, 0, null, null, null, null), 1, done::complete, RunControl.unwatched()));
            Outcome o = done.get(60, TimeUnit.SECONDS);
            if (o.kind() != Outcome.Kind.SUCCESS) {
                throw new IllegalStateException(task + ": " + o);
            }
        }
        return (System.nanoTime() - t0) / 1000.0 / calls;
    }

    private static ExecutionPool start(Amdahl app, WorkerOptions options) {
        ApplicationAccess access = ApplicationAccess.get();
        return ProcessExecutionPool.start(access.registry(app), access.catalogs(app), access.maxResultBytes(app), options);
    }
}
