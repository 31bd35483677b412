package dev.amdahl.spi;

import static org.assertj.core.api.Assertions.assertThat;

import dev.amdahl.TaskState;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** What a notice-driven backend's waiting callers are promised: one run each, none after a cancel, nothing kept. */
@Timeout(value = 1, unit = TimeUnit.MINUTES)
class TaskWatchersTest {

    private final List<String> endedTasks = new CopyOnWriteArrayList<>();
    private final TaskWatchers watchers = new TaskWatchers(endedTasks::add);

    private static TaskRecord success(String taskId) {
        return TaskRecord.pending(taskId, "t").moveTo(TaskState.SUCCESS);
    }

    @Test
    void everyWatcherOfATaskRunsOnceAndTheTaskIsNoLongerWatched() {
        List<TaskRecord> heard = new CopyOnWriteArrayList<>();
        watchers.add("a", heard::add);
        watchers.add("a", heard::add);
        watchers.add("b", heard::add);

        assertThat(watchers.fire(success("a"))).isTrue();
        assertThat(watchers.fire(success("a"))).as("a second notice of the same record").isFalse();

        assertThat(heard).extracting(TaskRecord::taskId).containsExactly("a", "a");
        assertThat(watchers.isWatched("a")).isFalse();
        assertThat(watchers.taskIds()).containsExactly("b");
        assertThat(endedTasks).containsExactly("a", "a");
    }

    @Test
    void aCancelledWatcherNeverRunsAndLeavesNothingBehind() {
        AtomicInteger runs = new AtomicInteger();
        Registration watch = watchers.add("a", r -> runs.incrementAndGet());
        watch.cancel();
        watch.cancel();

        assertThat(watchers.fire(success("a"))).isFalse();
        assertThat(runs).hasValue(0);
        assertThat(watchers.isEmpty()).isTrue();
        assertThat(endedTasks).isEmpty();
    }

    @Test
    void aThrowingCallbackDoesNotKeepTheOthersFromRunning() {
        AtomicInteger runs = new AtomicInteger();
        watchers.add("a", r -> {
            throw new IllegalStateException("a caller's bug");
        });
        watchers.add("a", r -> runs.incrementAndGet());

        watchers.fire(success("a"));

        assertThat(runs).hasValue(1);
        assertThat(watchers.size()).isZero();
    }

    @Test
    void listeningStartsWithATasksFirstWatcherAndStopsWithItsLast() {
        List<String> calls = new CopyOnWriteArrayList<>();
        TaskWatchers listened = new TaskWatchers(new TaskWatchers.Listening() {
            @Override
            public void start(String taskId) {
                calls.add("start " + taskId);
            }

            @Override
            public void stop(String taskId) {
                calls.add("stop " + taskId);
            }
        });

        Registration first = listened.add("a", r -> calls.add("fired " + r.taskId()));
        listened.add("a", r -> calls.add("fired " + r.taskId()));
        Registration other = listened.add("b", r -> { });
        first.cancel();
        assertThat(calls).as("one of a's two watchers cancelled").containsExactly("start a", "start b");

        listened.fire(success("a"));
        other.cancel();
        listened.add("a", r -> { });

        assertThat(calls).containsExactly("start a", "start b", "stop a", "fired a", "stop b", "start a");
    }

    @Test
    void racingFiresRunEachWatcherExactlyOnce() throws Exception {
        int tasks = 2_000;
        AtomicInteger runs = new AtomicInteger();
        for (int i = 0; i < tasks; i++) {
            watchers.add("t" + i, r -> runs.incrementAndGet());
        }
        ExecutorService threads = Executors.newFixedThreadPool(4);
        try {
            CountDownLatch go = new CountDownLatch(1);
            List<Future<?>> firing = new CopyOnWriteArrayList<>();
            for (int t = 0; t < 4; t++) {
                firing.add(threads.submit(() -> {
                    go.await();
                    for (int i = 0; i < tasks; i++) {
                        watchers.fire(success("t" + i));
                    }
                    return null;
                }));
            }
            go.countDown();
            for (Future<?> f : firing) {
                f.get(30, TimeUnit.SECONDS);
            }
        } finally {
            threads.shutdownNow();
        }
        assertThat(runs).hasValue(tasks);
        assertThat(watchers.isEmpty()).isTrue();
    }
}
