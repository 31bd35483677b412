package dev.amdahl.testkit;

import dev.amdahl.Amdahl;
import dev.amdahl.WorkerOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * A worker process of {@link ChaosContractTest}, started in a JVM of its own so that the test can SIGKILL,
 * SIGSTOP and SIGCONT it:
 * {@code ChaosWorkerMain <broker url> <backend url> <queue> <name> <ledger dir> <concurrency> <prefetch>
 * <lease renewal ms> <task ms> <max deliveries>}, where a lease renewal of 0 leaves it to the worker. Runs the
 * suite's task, writing each execution to its own {@link ExecutionLedger}; creates {@code <ledger dir>/<name>.ready}
 * once it consumes, then works until it is killed.
 */
public final class ChaosWorkerMain {

    private ChaosWorkerMain() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 10) {
            throw new IllegalArgumentException("usage: ChaosWorkerMain <broker url> <backend url> <queue> <name> <ledger dir>"
                    + " <concurrency> <prefetch> <lease renewal ms> <task ms> <max deliveries>; got " + args.length + " arguments");
        }
        String name = args[3];
        Path dir = Path.of(args[4]);
        ExecutionLedger ledger = ExecutionLedger.open(dir, name);
        Amdahl app = Amdahl.builder().broker(args[0]).resultBackend(args[1]).defaultQueue(args[2]).build();
        ChaosContractTest.registerTask(app, ledger, Duration.ofMillis(Long.parseLong(args[8])), () -> { });
        WorkerOptions.Builder options = WorkerOptions.builder()
                .queues(args[2])
                .concurrency(Integer.parseInt(args[5]))
                .prefetch(Integer.parseInt(args[6]))
                .maxDeliveries(Integer.parseInt(args[9]))
                .shutdownGrace(Duration.ofSeconds(1))
                .name(name);
        long leaseRenewalMillis = Long.parseLong(args[7]);
        if (leaseRenewalMillis > 0) {
            options.leaseRenewal(Duration.ofMillis(leaseRenewalMillis));
        }
        app.startWorker(options.build());
        Files.createFile(dir.resolve(name + ".ready"));
        ChildJvm.liveWhileParentDoes();
    }
}
