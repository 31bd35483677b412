package dev.amdahl.testkit;

import dev.amdahl.Amdahl;
import dev.amdahl.WorkerOptions;

/**
 * A worker process of {@link MultiProcessContractTest}: {@code MultiProcessWorkerMain <broker url> <backend url> <queue>
 * <name>}. Runs the test's task with concurrency 4 and prefetch 8, prints READY once it consumes, then works until it
 * is killed or its parent goes.
 */
public final class MultiProcessWorkerMain {

    private MultiProcessWorkerMain() {
    }

    public static void main(String[] args) throws Exception {
        Amdahl app = Amdahl.builder().broker(args[0]).resultBackend(args[1]).defaultQueue(args[2]).build();
        MultiProcessContractTest.register(app);
        app.startWorker(WorkerOptions.builder().queues(args[2]).concurrency(4).prefetch(8).name(args[3]).build());
        System.out.println("READY"); // the parent test reads this line
        System.out.flush();
        ChildJvm.liveWhileParentDoes();
    }
}
