import dev.amdahl.Amdahl;
import dev.amdahl.GroupFuture;
import dev.amdahl.Task;
import dev.amdahl.TaskFuture;
import dev.amdahl.Worker;
import dev.amdahl.WorkerOptions;
import java.lang.management.ManagementFactory;
import java.lang.reflect.Method;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * The per-task cost of no-op tasks on Amdahl's embedded broker (a worker of 2 threads), beside a raw
 * ThreadPoolExecutor of 2 threads and, where the JVM has them, a virtual-thread-per-task executor, in one JVM.
 * Each figure is the best of the measured rounds, after warm-up rounds that let the JIT settle: the wall-clock time per
 * task and, beside it, the CPU time the whole process spent per task (all threads, GC and JIT included), which a
 * machine busy with other work disturbs less than the wall clock.
 * Usage: java LocalVsExecutor [tasks=200000] [rounds=5] [chunk=100]
 */
public final class LocalVsExecutor {

    public static void main(String[] args) throws Exception {
        int tasks = args.length > 0 ? Integer.parseInt(args[0]) : 200_000;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 5;
        int chunk = args.length > 2 ? Integer.parseInt(args[2]) : 100;
        int threads = 2;
        System.out.printf("java %s, %d cores; %d no-op tasks per round, best of %d rounds after 2 warm-up rounds%n",
                Runtime.version(), Runtime.getRuntime().availableProcessors(), tasks, rounds);

        ThreadPoolExecutor pool = new ThreadPoolExecutor(threads, threads, 0, TimeUnit.MILLISECONDS, new LinkedBlockingQueue<>());
        double[] raw = best(rounds, () -> executorRound(pool, tasks));
        pool.shutdown();
        print("raw ThreadPoolExecutor(" + threads + "):", raw, tasks, "task");

        ExecutorService virtual = virtualPerTask();
        if (virtual != null) {
            double[] v = best(rounds, () -> executorRound(virtual, tasks));
            virtual.shutdown();
            print("virtual thread per task:", v, tasks, "task");
        } else {
            System.out.println("virtual thread per task:             (this JVM has no virtual threads)");
        }

        double[] submit;
        try (Amdahl app = Amdahl.builder().build()) {
            Task<Integer, Integer> noop = app.task("bench.noop", Integer.class, Integer.class, x -> x);
            try (Worker ignored = app.startWorker(WorkerOptions.builder().concurrency(threads).build())) {
                submit = best(rounds, () -> submitRound(noop, tasks));
                print("amdahl embedded, submit each:", submit, tasks, "task");
                double[] mapped = best(rounds, () -> mapRound(noop, tasks, chunk));
                print("amdahl embedded, map chunks of " + chunk + ":", mapped, tasks, "item");
            }
        }
        System.out.printf("(command: bench/local-vs-executor %d %d %d)%n", tasks, rounds, chunk);
        System.out.printf("overhead ratio: %.1fx%n", submit[0] / raw[0]);
    }

    interface Round {
        long nanos() throws Exception;
    }

    /**
     * The best wall-clock time of the rounds, the least CPU time of the process, in nanoseconds, and the fewest bytes
     * allocated by all threads (-1 where the JVM cannot say).
     */
    private static double[] best(int rounds, Round round) throws Exception {
        round.nanos();
        round.nanos();
        long best = Long.MAX_VALUE;
        long bestCpu = Long.MAX_VALUE;
        long bestAllocated = Long.MAX_VALUE;
        for (int i = 0; i < rounds; i++) {
            System.gc();
            long cpu = cpuNanos();
            long allocated = allocatedBytes();
            best = Math.min(best, round.nanos());
            bestCpu = Math.min(bestCpu, cpuNanos() - cpu);
            bestAllocated = Math.min(bestAllocated, allocated < 0 ? -1 : allocatedBytes() - allocated);
        }
        return new double[] {best, bestCpu, bestAllocated};
    }

    /** Bytes allocated by every thread so far (Java 21+), or -1; by reflection, as this compiles for Java 17. */
    private static long allocatedBytes() {
        try {
            Object threads = ManagementFactory.getThreadMXBean();
            Method total = Class.forName("com.sun.management.ThreadMXBean").getMethod("getTotalThreadAllocatedBytes");
            return (long) total.invoke(threads);
        } catch (ReflectiveOperationException | ClassCastException | IllegalArgumentException e) {
            return -1;
        }
    }

    private static long cpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
    }

    private static void print(String what, double[] nanos, int tasks, String unit) {
        String allocated = nanos[2] < 0 ? "" : String.format(", %6.0f B/%s allocated", nanos[2] / tasks, unit);
        System.out.printf("%-36s %8.3f us/%s wall, %8.3f us/%s CPU%s%n", what, nanos[0] / tasks / 1_000, unit,
                nanos[1] / tasks / 1_000, unit, allocated);
    }

    private static long executorRound(ExecutorService executor, int tasks) throws InterruptedException {
        CountDownLatch done = new CountDownLatch(tasks);
        long start = System.nanoTime();
        for (int i = 0; i < tasks; i++) {
            executor.execute(done::countDown);
        }
        done.await();
        return System.nanoTime() - start;
    }

    private static long submitRound(Task<Integer, Integer> noop, int tasks) {
        List<TaskFuture<Integer>> futures = new ArrayList<>(tasks);
        long start = System.nanoTime();
        for (int i = 0; i < tasks; i++) {
            futures.add(noop.submit(i));
        }
        for (TaskFuture<Integer> f : futures) {
            f.result(Duration.ofMinutes(5));
        }
        return System.nanoTime() - start;
    }

    private static long mapRound(Task<Integer, Integer> noop, int tasks, int chunk) {
        List<Integer> items = Collections.nCopies(tasks, 7);
        long start = System.nanoTime();
        GroupFuture<Integer> all = noop.map(items, chunk);
        all.result(Duration.ofMinutes(5));
        return System.nanoTime() - start;
    }

    /** Executors.newVirtualThreadPerTaskExecutor() where the JVM has it (Java 21+), else null. */
    private static ExecutorService virtualPerTask() {
        try {
            Method m = java.util.concurrent.Executors.class.getMethod("newVirtualThreadPerTaskExecutor");
            return (ExecutorService) m.invoke(null);
        } catch (ReflectiveOperationException e) {
            return null;
        }
    }
}
