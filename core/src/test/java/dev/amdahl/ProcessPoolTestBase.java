package dev.amdahl;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.AfterEach;

/**
 * What the process-pool test classes share: an app with {@link ProcessPoolTasks}, a worker of child JVMs,
 * and the check, after every test, that no child process is left alive.
 */
abstract class ProcessPoolTestBase {

    static final Duration WAIT = Duration.ofSeconds(60);

    final Amdahl app = Amdahl.builder().include(ProcessPoolTasks.class).build();
    final Task<String, Long> pid = app.task("p.pid", String.class, Long.class);
    final Task<Integer, Long> rendezvous = app.task("p.rendezvous", Integer.class, Long.class);

    @AfterEach
    void closeAndCheckForOrphans() {
        app.close();
        assertThat(ProcessHandle.current().descendants().filter(ProcessHandle::isAlive).map(ProcessHandle::pid)).isEmpty();
    }

    Worker processes(int concurrency, int maxDeliveries) {
        return app.startWorker(WorkerOptions.builder().pool(Pool.PROCESSES).concurrency(concurrency)
                .maxDeliveries(maxDeliveries).shutdownGrace(Duration.ofSeconds(5)).build());
    }
}
