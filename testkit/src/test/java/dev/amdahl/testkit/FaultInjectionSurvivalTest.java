package dev.amdahl.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.amdahl.Amdahl;
import dev.amdahl.Task;
import dev.amdahl.TaskFuture;
import dev.amdahl.TaskState;
import dev.amdahl.WorkerOptions;
import dev.amdahl.internal.memory.MemoryBroker;
import dev.amdahl.internal.memory.MemoryResultBackend;
import dev.amdahl.testkit.FaultInjection.CrashPoint;
import dev.amdahl.testkit.FaultInjection.Fault;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.UnaryOperator;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The framework survives every fault: a real worker on the embedded broker (with a short visibility timeout, so a
 * lost delivery comes back soon) completes every task with the right result. Executions are counted by the task
 * itself, so what a fault costs is seen independently of the framework.
 */
@Timeout(120)
class FaultInjectionSurvivalTest {

    private static final int TASKS = 200;
    private static final Duration VISIBILITY = Duration.ofMillis(400);

    private final Map<Integer, AtomicInteger> executions = new ConcurrentHashMap<>();

    /** Runs {@link #TASKS} tasks as a group through a worker behind {@code faults}; returns their results. */
    private List<Integer> runAll(FaultInjection faults) throws Exception {
        MemoryBroker broker = new MemoryBroker(Clock.systemUTC(), VISIBILITY, 10);
        try (Amdahl app = Amdahl.builder().broker(faults.broker(broker))
                .resultBackend(faults.resultBackend(new MemoryResultBackend())).build()) {
            Task<Integer, Integer> twice = app.task("survival.twice", Integer.class, Integer.class, x -> {
                executions.computeIfAbsent(x, k -> new AtomicInteger()).incrementAndGet();
                return 2 * x;
            });
            app.startWorker(WorkerOptions.builder().concurrency(4).leaseRenewal(Duration.ofMillis(100)).build());
            TaskFuture<List<Integer>> all = twice.map(IntStream.range(0, TASKS).boxed().toList());
            List<Integer> results = all.result(Duration.ofSeconds(60));
            assertThat(all.state()).isEqualTo(TaskState.SUCCESS);
            return results;
        }
    }

    private void assertEveryTaskRightAndRunAtLeastOnce(List<Integer> results) {
        assertThat(results).isEqualTo(IntStream.range(0, TASKS).map(x -> 2 * x).boxed().toList());
        assertThat(executions).hasSize(TASKS);
    }

    private int totalExecutions() {
        return executions.values().stream().mapToInt(AtomicInteger::get).sum();
    }

    private FaultInjection faults(long seed, UnaryOperator<FaultInjection.Builder> settings) {
        return settings.apply(FaultInjection.builder().seed(seed)).build();
    }

    @Test
    void survivesDrops() throws Exception {
        FaultInjection faults = faults(11, b -> b.drop(0.2));
        assertEveryTaskRightAndRunAtLeastOnce(runAll(faults));
        assertThat(faults.count(Fault.DROP)).as(faults.report()).isPositive();
    }

    @Test
    void survivesDuplicates() throws Exception {
        FaultInjection faults = faults(12, b -> b.duplicate(0.2));
        assertEveryTaskRightAndRunAtLeastOnce(runAll(faults));
        assertThat(faults.count(Fault.DUPLICATE)).as(faults.report()).isPositive();
    }

    @Test
    void survivesDelaysAndReordering() throws Exception {
        FaultInjection faults = faults(13, b -> b.delay(0.3, Duration.ofMillis(300)).reorder(0.3));
        assertEveryTaskRightAndRunAtLeastOnce(runAll(faults));
        assertThat(faults.count(Fault.DELAY)).as(faults.report()).isPositive();
        assertThat(faults.count(Fault.REORDER)).as(faults.report()).isPositive();
    }

    @Test
    void survivesFailedStores() throws Exception {
        FaultInjection faults = faults(14, b -> b.failStores(0.2));
        assertEveryTaskRightAndRunAtLeastOnce(runAll(faults));
        assertThat(faults.count(Fault.STORE_FAILURE)).as(faults.report()).isPositive();
    }

    @Test
    void survivesCrashesBeforeRun() throws Exception {
        FaultInjection faults = faults(15, b -> b.crash(CrashPoint.BEFORE_RUN, 0.2));
        assertEveryTaskRightAndRunAtLeastOnce(runAll(faults));
        assertThat(faults.count(Fault.CRASH_BEFORE_RUN)).as(faults.report()).isPositive();
    }

    @Test
    void aCrashBetweenRunAndStoreRunsTheTaskAgain() throws Exception {
        FaultInjection faults = faults(16, b -> b.crash(CrashPoint.AFTER_RUN_BEFORE_STORE, 0.2));
        assertEveryTaskRightAndRunAtLeastOnce(runAll(faults));
        long crashes = faults.count(Fault.CRASH_AFTER_RUN_BEFORE_STORE);
        assertThat(crashes).as(faults.report()).isPositive();
        assertThat(totalExecutions()).as("each crash after the run costs one more run").isEqualTo(TASKS + crashes);
    }

    @Test
    void aCrashBetweenStoreAndAckDoesNotRunTheTaskAgain() throws Exception {
        FaultInjection faults = faults(17, b -> b.crash(CrashPoint.AFTER_STORE_BEFORE_ACK, 0.2));
        assertEveryTaskRightAndRunAtLeastOnce(runAll(faults));
        assertThat(faults.count(Fault.CRASH_AFTER_STORE_BEFORE_ACK)).as(faults.report()).isPositive();
        assertThat(totalExecutions()).as("the redelivery finds the stored outcome and is acknowledged unrun").isEqualTo(TASKS);
    }

    @Test
    void survivesEveryFaultAtOnce() throws Exception {
        FaultInjection faults = faults(18, b -> b.drop(0.05).duplicate(0.05).delay(0.05, Duration.ofMillis(200))
                .reorder(0.05).failStores(0.05).crash(CrashPoint.BEFORE_RUN, 0.05)
                .crash(CrashPoint.AFTER_RUN_BEFORE_STORE, 0.05).crash(CrashPoint.AFTER_STORE_BEFORE_ACK, 0.05));
        assertEveryTaskRightAndRunAtLeastOnce(runAll(faults));
        assertThat(faults.events()).as(faults.report()).extracting(FaultInjection.Event::fault).contains(Fault.values());
    }

    @Test
    void theSameSeedHitsTheSameTasksOfTheSameRun() throws Exception {
        List<String> first = sequentialRun(21);
        executions.clear();
        assertThat(sequentialRun(21)).isEqualTo(first);
    }

    /** One task at a time, so that the faults come in the same order too. */
    private List<String> sequentialRun(long seed) throws Exception {
        FaultInjection faults = faults(seed, b -> b.drop(0.2).failStores(0.1).crash(CrashPoint.AFTER_RUN_BEFORE_STORE, 0.2));
        MemoryBroker broker = new MemoryBroker(Clock.systemUTC(), VISIBILITY, 10);
        try (Amdahl app = Amdahl.builder().broker(faults.broker(broker))
                .resultBackend(faults.resultBackend(new MemoryResultBackend())).build()) {
            Task<Integer, Integer> twice = app.task("survival.twice", Integer.class, Integer.class, x -> 2 * x);
            app.startWorker(WorkerOptions.builder().concurrency(1).leaseRenewal(Duration.ofMillis(100)).build());
            for (int i = 0; i < 20; i++) {
                assertThat(twice.submit(i).result(Duration.ofSeconds(30))).isEqualTo(2 * i);
            }
        }
        List<String> schedule = new ArrayList<>();
        faults.events().forEach(e -> schedule.add("#" + e.message() + " " + e.fault() + " " + e.attempt()));
        assertThat(schedule).as(faults.report()).isNotEmpty();
        return schedule;
    }
}
