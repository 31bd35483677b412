import dev.amdahl.Amdahl;
import dev.amdahl.GroupFuture;
import dev.amdahl.Task;
import dev.amdahl.TaskFuture;
import dev.amdahl.WorkerOptions;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The soak of scripts/soak: no-op tasks through one worker of the embedded broker, in groups, with the heap measured
 * after a full GC at a checkpoint and at the end. Each group's results are read and then forgotten, as result expiry
 * would forget them (the embedded backend lives in this heap; Redis's would not), so what can grow is what the
 * client, the broker and the worker keep.
 *
 * <p>Usage: {@code java -cp amdahl.jar:. Soak TASKS CHECKPOINT CONCURRENCY GROUP [keep-results]}; with
 * {@code keep-results} the results stay in the embedded backend, to see what that costs.
 */
public final class Soak {

    public static void main(String[] args) throws Exception {
        int tasks = Integer.parseInt(args[0]);
        int checkpoint = Integer.parseInt(args[1]);
        int concurrency = Integer.parseInt(args[2]);
        int group = Integer.parseInt(args[3]);
        boolean keepResults = args.length > 4 && args[4].equals("keep-results");
        if (checkpoint % group != 0 || tasks % group != 0 || checkpoint >= tasks) {
            throw new IllegalArgumentException("the checkpoint and the task count must be multiples of the group size,"
                    + " and the checkpoint below the task count");
        }
        List<Integer> args_ = new ArrayList<>(group);
        for (int i = 0; i < group; i++) {
            args_.add(i);
        }
        long atCheckpoint = 0;
        long started = System.nanoTime();
        try (Amdahl app = Amdahl.builder().build()) {
            Task<Integer, Integer> noop = app.task("soak.noop", Integer.class, Integer.class, x -> x);
            app.startWorker(WorkerOptions.builder().concurrency(concurrency).build());
            for (int done = 0; done < tasks; ) {
                GroupFuture<Integer> g = noop.map(args_);
                List<Integer> results = g.result(Duration.ofMinutes(5));
                if (results.size() != group || results.get(group - 1) != group - 1) {
                    throw new AssertionError("a group came back wrong: " + results.size() + " results");
                }
                for (TaskFuture<Integer> member : g.members()) {
                    if (!keepResults) {
                        app.resultBackend().forget(member.id());
                    }
                }
                done += group;
                if (done == checkpoint) {
                    atCheckpoint = heapAfterFullGc();
                    System.out.printf("after %,d tasks (%.1f s): heap after full GC %,d KiB%n", done, seconds(started),
                            atCheckpoint / 1024);
                } else if (done % (tasks / 10) == 0) {
                    System.out.printf("after %,d tasks (%.1f s)%n", done, seconds(started));
                }
            }
            double elapsed = seconds(started);
            long atEnd = heapAfterFullGc();
            double ratio = (double) atEnd / atCheckpoint;
            System.out.printf("tasks %d%nelapsed %.1f s (%.0f tasks/s)%nheap after full GC at %d: %d KiB%n"
                            + "heap after full GC at %d: %d KiB%nratio %.4f (limit 1.05)%n",
                    tasks, elapsed, tasks / elapsed, checkpoint, atCheckpoint / 1024, tasks, atEnd / 1024, ratio);
            System.out.printf("soak: %,d no-op tasks through 1 worker (concurrency %d) in %.0f s; heap after full GC"
                            + " %,d KiB at %,d, %,d KiB at %,d: %+.1f%%, %s (limit +5%%)%n",
                    tasks, concurrency, elapsed, atCheckpoint / 1024, checkpoint, atEnd / 1024, tasks,
                    (ratio - 1) * 100, ratio <= 1.05 ? "PASS" : "FAIL");
            if (ratio > 1.05) {
                System.exit(1);
            }
        }
    }

    private static double seconds(long since) {
        return (System.nanoTime() - since) / 1e9;
    }

    /** The used heap after full collections, once it stops falling (soft references and finalizers take a second one). */
    private static long heapAfterFullGc() throws InterruptedException {
        long best = Long.MAX_VALUE;
        for (int i = 0; i < 5; i++) {
            System.gc();
            Thread.sleep(200);   // let reference processing and the worker's idle polls settle
            long used = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
            best = Math.min(best, used);
        }
        return best;
    }
}
