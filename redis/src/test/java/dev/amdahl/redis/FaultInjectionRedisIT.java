package dev.amdahl.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.amdahl.Amdahl;
import dev.amdahl.Task;
import dev.amdahl.TaskFuture;
import dev.amdahl.WorkerOptions;
import dev.amdahl.testkit.FaultInjection;
import dev.amdahl.testkit.FaultInjection.CrashPoint;
import dev.amdahl.testkit.FaultInjection.Fault;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The testkit's fault injection on Redis, unchanged: the broker's own visibility timeout brings back what a drop
 * or a crash lost, and every task ends with the right result.
 */
@Timeout(120)
class FaultInjectionRedisIT {

    private final String prefix = RedisTestSupport.newPrefix("faults");

    @AfterEach
    void deleteKeys() {
        RedisTestSupport.deleteKeys(RedisTestSupport.HOST_PORT, prefix);
    }

    @Test
    void everyTaskCompletesRightUnderEveryFault() throws Exception {
        FaultInjection faults = FaultInjection.builder().seed(31).drop(0.05).duplicate(0.05)
                .delay(0.05, Duration.ofMillis(300)).reorder(0.05).failStores(0.05)
                .crash(CrashPoint.BEFORE_RUN, 0.05).crash(CrashPoint.AFTER_RUN_BEFORE_STORE, 0.05)
                .crash(CrashPoint.AFTER_STORE_BEFORE_ACK, 0.05).build();
        String url = "redis://" + RedisTestSupport.HOST_PORT + "/0?prefix=" + prefix;
        Map<Integer, AtomicInteger> executions = new ConcurrentHashMap<>();
        try (Amdahl app = Amdahl.builder()
                .broker(faults.broker(url + "&visibility-timeout=1s"))
                .resultBackend(faults.resultBackend(url))
                .build()) {
            Task<Integer, Integer> twice = app.task("faults.twice", Integer.class, Integer.class, x -> {
                executions.computeIfAbsent(x, k -> new AtomicInteger()).incrementAndGet();
                return 2 * x;
            });
            app.startWorker(WorkerOptions.builder().concurrency(4).leaseRenewal(Duration.ofMillis(250)).build());

            TaskFuture<List<Integer>> all = twice.map(IntStream.range(0, 300).boxed().toList());

            assertThat(all.result(Duration.ofSeconds(90))).as(faults.report())
                    .isEqualTo(IntStream.range(0, 300).map(x -> 2 * x).boxed().toList());
        }
        assertThat(executions).hasSize(300);
        assertThat(faults.events()).as(faults.report()).extracting(FaultInjection.Event::fault).contains(Fault.values());
        assertThat(executions.values().stream().mapToInt(AtomicInteger::get).sum()).as("crashes after the run cost runs")
                .isGreaterThanOrEqualTo(300 + (int) faults.count(Fault.CRASH_AFTER_RUN_BEFORE_STORE));
    }
}
