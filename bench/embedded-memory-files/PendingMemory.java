import dev.amdahl.Amdahl;
import dev.amdahl.GroupFuture;
import dev.amdahl.Task;
import dev.amdahl.TaskFuture;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * The live heap of N pending no-op tasks in the embedded broker, with their futures held by the caller and no worker
 * to run them: submitted one by one ({@code submit}) or by one {@code map} of single-item messages ({@code map}).
 * Prints the live heap after a full GC, and per task beyond an empty application's.
 * Usage: java -Xmx512m PendingMemory submit|map [tasks=1000000]
 */
public final class PendingMemory {

    public static void main(String[] args) throws Exception {
        String mode = args.length > 0 ? args[0] : "submit";
        int tasks = args.length > 1 ? Integer.parseInt(args[1]) : 1_000_000;
        try (Amdahl app = Amdahl.builder().build()) {
            Task<Integer, Integer> noop = app.task("bench.noop", Integer.class, Integer.class, x -> x);
            noop.submit(0);   // the classes and caches of a first submit are not the tasks' cost
            long before = liveHeap();
            Object held;
            switch (mode) {
                case "submit" -> {
                    List<TaskFuture<Integer>> futures = new ArrayList<>(tasks);
                    for (int i = 0; i < tasks; i++) {
                        futures.add(noop.submit(i));
                    }
                    held = futures;
                }
                case "map" -> {
                    GroupFuture<Integer> group = noop.map(Collections.nCopies(tasks, 7), 1);
                    held = group;
                }
                default -> throw new IllegalArgumentException("mode is submit or map, was " + mode);
            }
            long after = liveHeap();
            System.out.printf("%s of %,d pending tasks: live heap %.1f MiB (%.1f MiB before), %d B per task; %s queued%n",
                    mode, tasks, after / 1048576.0, before / 1048576.0, (after - before) / tasks,
                    app.broker().depth(app.defaultQueue()));
            if (held.hashCode() == 42) {
                System.out.println();   // keeps the futures reachable until after the measurement
            }
        }
    }

    private static long liveHeap() {
        for (int i = 0; i < 3; i++) {
            System.gc();
        }
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }
}
