package dev.amdahl;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/** The rate limit end to end; the bucket's arithmetic is checked on a fake ticker in {@link TaskOptionsTest}. */
class RateLimitTest {

    private static final Duration WAIT = Duration.ofSeconds(10);

    @Test
    void aRateLimitedTaskIsSpacedOutAndDoesNotHoldThePoolsThread() {
        List<Long> limitedStarts = new CopyOnWriteArrayList<>();
        try (Amdahl app = Amdahl.builder().build()) {
            Task<Integer, Integer> limited = app.task("limited", Integer.class, Integer.class,
                    TaskOptions.builder().rateLimit("10/s").build(), i -> {
                        limitedStarts.add(System.nanoTime());
                        return i;
                    });
            Task<Integer, Long> free = app.task("free", Integer.class, Long.class, i -> System.nanoTime());
            app.startWorker(WorkerOptions.builder().concurrency(1).build());

            long submitted = System.nanoTime();
            List<TaskFuture<Integer>> runs = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                runs.add(limited.submit(i));
            }
            long freeRan = free.submit(0).result(WAIT);
            for (int i = 0; i < 5; i++) {
                assertThat(runs.get(i).result(WAIT)).isEqualTo(i);
            }

            // five runs at 10/s: the fifth starts at least 400 ms after the first could (a bound that delays cannot break)
            List<Long> sorted = limitedStarts.stream().sorted().toList();
            assertThat(Duration.ofNanos(sorted.get(4) - submitted)).isGreaterThanOrEqualTo(Duration.ofMillis(400));
            // one pool thread, yet the unlimited task did not wait behind the limited ones
            assertThat(freeRan).isLessThan(sorted.get(sorted.size() - 1));
        }
    }
}
