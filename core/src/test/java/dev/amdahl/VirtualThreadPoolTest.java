package dev.amdahl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.amdahl.internal.worker.ThreadExecutionPool;
import java.time.Duration;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** The virtual-thread pool runs tasks on Java 21+, and on an older runtime refuses with a message saying why. */
class VirtualThreadPoolTest {

    @Test
    void runsOnVirtualThreadsWhereTheRuntimeHasThemAndRefusesClearlyElsewhere() {
        try (Amdahl app = Amdahl.builder().build()) {
            Task<Integer, Boolean> onVirtual = app.task("on.virtual", Integer.class, Boolean.class,
                    x -> Thread.currentThread().getName().startsWith("amdahl-vtask-"));
            WorkerOptions options = WorkerOptions.builder().pool(Pool.VIRTUAL).concurrency(100).build();

            if (Runtime.version().feature() >= 21) {
                app.startWorker(options);
                List<Boolean> ranOnVirtual = onVirtual.map(IntStream.range(0, 200).boxed().toList()).result(Duration.ofSeconds(20));
                assertThat(ranOnVirtual).containsOnly(true);
            } else {
                assertThatThrownBy(() -> app.startWorker(options))
                        .isInstanceOf(AmdahlException.class)
                        .hasMessageContaining("needs Java 21")
                        .hasMessageContaining("Java " + Runtime.version().feature())
                        .hasMessageContaining("Pool.THREADS");
                assertThat(ThreadExecutionPool.virtualThreadsAvailable()).isFalse();
            }
        }
    }
}
