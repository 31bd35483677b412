package dev.amdahl.rabbitmq.internal;

import dev.amdahl.Amdahl;
import dev.amdahl.WorkerOptions;
import dev.amdahl.testkit.ChildJvm;

/**
 * A worker process for {@link RpcResultBackendIT}: {@code RpcWorkerMain <broker url> <backend url> <queue>}, with
 * the tasks of {@link RpcResultBackendIT#register}. Prints READY, then works until its parent ends or kills it.
 */
public final class RpcWorkerMain {

    private RpcWorkerMain() {
    }

    public static void main(String[] args) throws Exception {
        Amdahl app = Amdahl.builder().broker(args[0]).resultBackend(args[1]).defaultQueue(args[2]).build();
        RpcResultBackendIT.register(app);
        app.startWorker(WorkerOptions.builder().queues(args[2]).concurrency(4).prefetch(8)
                .name("rpc-worker").build());
        System.out.println("READY"); // the parent test reads this line
        System.out.flush();
        ChildJvm.liveWhileParentDoes();
    }
}
