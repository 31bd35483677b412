package dev.amdahl.redis;

import dev.amdahl.testkit.ChildJvm;
import dev.amdahl.Amdahl;
import dev.amdahl.WorkerOptions;

/**
 * A worker process for {@link WorkerFaultsIT}: {@code HaltingWorkerMain <broker url>}. Serves one task,
 * {@code fault.halt}, that halts the JVM at once, as a task that calls {@code System.exit}, hits a native crash
 * or is killed for its memory would: nothing stored, nothing acknowledged. Prints READY, then works.
 */
public final class HaltingWorkerMain {

    private HaltingWorkerMain() {
    }

    public static void main(String[] args) throws Exception {
        Amdahl app = Amdahl.builder().broker(args[0]).build();
        WorkerFaultsIT.registerHalting(app);
        app.startWorker(WorkerOptions.builder().concurrency(1).prefetch(1).build());
        System.out.println("READY"); // the parent test reads this line
        System.out.flush();
        ChildJvm.liveWhileParentDoes();
    }
}
