package dev.amdahl.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.amdahl.observe.WorkerView;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** {@code --exit-when-idle}'s rule, sampled by hand on a clock of the test's own. */
@Timeout(10)
class IdleWatchTest {

    private long now;
    private final AtomicInteger fired = new AtomicInteger();
    private final FakeWorker worker = new FakeWorker();
    private final IdleWatch watch = new IdleWatch(Duration.ofSeconds(10), () -> now, fired::incrementAndGet);

    private void advance(Duration d) {
        now += d.toNanos();
    }

    @Test
    void firesOnceAfterTheWholeDurationIdle() {
        watch.workerStarted(worker);
        assertThat(watch.check()).isFalse();        // idle from here
        advance(Duration.ofSeconds(9));
        assertThat(watch.check()).isFalse();
        advance(Duration.ofSeconds(1));
        assertThat(watch.check()).isTrue();
        advance(Duration.ofSeconds(10));
        assertThat(watch.check()).isFalse();
        assertThat(fired).hasValue(1);
    }

    @Test
    void aRunningTaskAHeldMessageOrAWaitingOneStartsTheCountAgain() {
        watch.workerStarted(worker);
        watch.check();
        advance(Duration.ofSeconds(9));
        worker.running = 1;
        assertThat(watch.check()).isFalse();
        worker.running = 0;
        watch.check();
        advance(Duration.ofSeconds(9));
        worker.held = 2;
        assertThat(watch.check()).isFalse();
        worker.held = 0;
        watch.check();
        advance(Duration.ofSeconds(9));
        worker.depth = 5;
        assertThat(watch.check()).isFalse();
        worker.depth = 0;
        watch.check();
        advance(Duration.ofSeconds(9));
        assertThat(watch.check()).isFalse();
        advance(Duration.ofSeconds(1));
        assertThat(watch.check()).isTrue();
    }

    @Test
    void aBrokerThatCannotBeAskedIsNotTheEndOfTheWork() {
        watch.workerStarted(worker);
        worker.brokerDown = true;
        watch.check();
        advance(Duration.ofSeconds(60));
        assertThat(watch.check()).isFalse();
        worker.brokerDown = false;
        assertThat(watch.check()).isFalse();
        advance(Duration.ofSeconds(10));
        assertThat(watch.check()).isTrue();
    }

    @Test
    void nothingFiresBeforeTheWorkerStarted() {
        advance(Duration.ofMinutes(5));
        assertThat(watch.check()).isFalse();
        assertThat(fired).hasValue(0);
    }

    private static final class FakeWorker implements WorkerView {
        volatile int running;
        volatile int held;
        volatile long depth;
        volatile boolean brokerDown;

        @Override
        public String name() {
            return "w";
        }

        @Override
        public List<String> queues() {
            return List.of("amdahl", "other");
        }

        @Override
        public int concurrency() {
            return 2;
        }

        @Override
        public int prefetch() {
            return 8;
        }

        @Override
        public int runningCount() {
            return running;
        }

        @Override
        public int heldCount() {
            return held;
        }

        @Override
        public long queueDepth(String queue) {
            if (brokerDown) {
                throw new IllegalStateException("connection refused");
            }
            return queue.equals("other") ? depth : 0;
        }
    }
}
