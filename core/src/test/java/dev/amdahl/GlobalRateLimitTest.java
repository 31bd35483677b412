package dev.amdahl;

import static org.assertj.core.api.Assertions.assertThat;

import dev.amdahl.internal.memory.MemoryBroker;
import dev.amdahl.internal.memory.MemoryResultBackend;
import dev.amdahl.internal.worker.GlobalRateLimiter;
import dev.amdahl.internal.worker.RateLimit;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/** A rate limit across all workers, counted in the result backend. */
class GlobalRateLimitTest {

    @Test
    void bookingsFillOneWindowAfterAnother() {
        GlobalRateLimiter limiter = new GlobalRateLimiter(new MemoryResultBackend());
        RateLimit fivePerSecond = RateLimit.parse("5/s");
        List<Long> waits = new ArrayList<>();

        for (int i = 0; i < 12; i++) {
            waits.add(limiter.book("t", fivePerSecond, 10_250));
        }

        // 10.25 s is inside window 10: five runs now, five at 11.0 s, two at 12.0 s
        assertThat(waits).containsExactly(0L, 0L, 0L, 0L, 0L, 750L, 750L, 750L, 750L, 750L, 1_750L, 1_750L);
        assertThat(limiter.book("other", fivePerSecond, 10_250)).as("another task has its own windows").isZero();
    }

    @Test
    void twoWorkersTogetherKeepTheLimit() {
        MemoryBroker broker = new MemoryBroker(Clock.systemUTC());
        MemoryResultBackend backend = new MemoryResultBackend();
        List<Long> starts = new CopyOnWriteArrayList<>();
        TaskOptions fivePerSecond = TaskOptions.builder().globalRateLimit("5/s").build();
        try (Amdahl one = Amdahl.builder().broker(broker).resultBackend(backend).build();
             Amdahl two = Amdahl.builder().broker(broker).resultBackend(backend).build()) {
            Task<Integer, Integer> limited = null;
            for (Amdahl app : List.of(one, two)) {
                limited = app.task("limited", Integer.class, Integer.class, fivePerSecond, i -> {
                    starts.add(System.currentTimeMillis());
                    return i;
                });
                app.startWorker(WorkerOptions.builder().concurrency(2).build());
            }

            List<Integer> xs = java.util.stream.IntStream.range(0, 15).boxed().toList();
            assertThat(limited.map(xs).result(Duration.ofSeconds(30))).isEqualTo(xs);
        }

        // 15 runs at 5 per one-second window need three windows: the last starts at least a second after the
        // first (unlimited, they would all start within milliseconds); a bound that delays cannot break
        List<Long> sorted = starts.stream().sorted().toList();
        assertThat(sorted).hasSize(15);
        assertThat(sorted.get(14) - sorted.get(0)).isGreaterThanOrEqualTo(1_000L);
    }
}
