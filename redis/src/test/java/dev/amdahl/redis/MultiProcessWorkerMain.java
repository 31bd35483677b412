package dev.amdahl.redis;

import dev.amdahl.testkit.ChildJvm;
import dev.amdahl.Amdahl;
import dev.amdahl.WorkerOptions;

/**
 * A worker process for {@link MultiProcessIT}: {@code MultiProcessWorkerMain <broker url> <name>}. Counts
 * every run of every task in a counter of the result backend ({@code run:<n>}), so the test can tell a task
 * that ran twice from one that ran once. Prints READY, then works until it is killed.
 */
public final class MultiProcessWorkerMain {

    private MultiProcessWorkerMain() {
    }

    public static void main(String[] args) throws Exception {
        Amdahl app = Amdahl.builder().broker(args[0]).build();
        MultiProcessIT.register(app);
        app.startWorker(WorkerOptions.builder().concurrency(4).prefetch(8).leaseRenewal(java.time.Duration.ofMillis(500))
                .name(args[1]).build());
        System.out.println("READY"); // the parent test reads this line
        System.out.flush();
        ChildJvm.liveWhileParentDoes();
    }
}
