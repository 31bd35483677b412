package dev.amdahl.postgres;

import dev.amdahl.Amdahl;
import dev.amdahl.WorkerOptions;
import dev.amdahl.testkit.ChildJvm;

/**
 * A worker process for the multi-process tests: {@code PostgresWorkerMain <broker url> <backend url> <queue> <name>}.
 * Runs {@link PostgresMultiProcessIT#register the square task}, prints READY once it consumes, then works until it is
 * killed or its parent goes.
 */
public final class PostgresWorkerMain {

    private PostgresWorkerMain() {
    }

    public static void main(String[] args) throws Exception {
        Amdahl app = Amdahl.builder().broker(args[0]).resultBackend(args[1]).defaultQueue(args[2]).build();
        PostgresMultiProcessIT.register(app);
        app.startWorker(WorkerOptions.builder().queues(args[2]).concurrency(4).prefetch(8).name(args[3]).build());
        System.out.println("READY"); // the parent test reads this line
        System.out.flush();
        ChildJvm.liveWhileParentDoes();
    }
}
