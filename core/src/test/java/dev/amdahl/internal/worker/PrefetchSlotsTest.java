package dev.amdahl.internal.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.amdahl.WorkerOptions;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The consumer's wait for a batch of free prefetch slots, and the prefetch a worker uses by default. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class PrefetchSlotsTest {

    private static final long LONG_PATIENCE = TimeUnit.MINUTES.toNanos(10);

    @Test
    void aBatchFreeAlreadyIsTakenWholeAtOnce() throws InterruptedException {
        PrefetchSlots slots = new PrefetchSlots(8);
        assertThat(slots.takeBatch(4, LONG_PATIENCE)).isEqualTo(8);
        assertThat(slots.availablePermits()).isZero();
    }

    @Test
    void theWaitEndsWhenReleasesMakeABatch() throws Exception {
        PrefetchSlots slots = new PrefetchSlots(8);
        slots.takeBatch(1, 0);
        CompletableFuture<Integer> taken = CompletableFuture.supplyAsync(() -> {
            try {
                return slots.takeBatch(4, LONG_PATIENCE);
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        for (int i = 0; i < 3; i++) {
            slots.release();
        }
        assertThat(taken).as("three free slots are not a batch of four").isNotDone();
        slots.release(2);
        assertThat(taken.get(20, TimeUnit.SECONDS)).isEqualTo(5);
    }

    @Test
    void afterItsPatienceTheConsumerTakesWhatIsFree() throws InterruptedException {
        PrefetchSlots slots = new PrefetchSlots(8);
        slots.takeBatch(1, 0);
        slots.release(2);
        assertThat(slots.takeBatch(4, TimeUnit.MILLISECONDS.toNanos(5))).isEqualTo(2);
    }

    @Test
    void withNothingFreeItWaitsForOneAfterItsPatience() throws Exception {
        PrefetchSlots slots = new PrefetchSlots(2);
        slots.takeBatch(1, 0);
        CompletableFuture<Integer> taken = CompletableFuture.supplyAsync(() -> {
            try {
                return slots.takeBatch(2, TimeUnit.MILLISECONDS.toNanos(1));
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        slots.release();
        assertThat(taken.get(20, TimeUnit.SECONDS)).isEqualTo(1);
    }

    @Test
    void anInterruptEndsTheWait() throws Exception {
        PrefetchSlots slots = new PrefetchSlots(1);
        slots.takeBatch(1, 0);
        Thread.currentThread().interrupt();
        assertThatThrownBy(() -> slots.takeBatch(1, 0)).isInstanceOf(InterruptedException.class);
        Thread.currentThread().interrupt();
        assertThatThrownBy(() -> slots.takeBatch(4, LONG_PATIENCE)).isInstanceOf(InterruptedException.class);
    }

    @Test
    void theDefaultPrefetchIsTheBrokers() {
        WorkerOptions defaults = WorkerOptions.builder().concurrency(2).build();
        assertThat(defaults.prefetch()).as("unset: the broker's default").isZero();
        assertThat(defaults.prefetchOn(true)).isEqualTo(2 * WorkerOptions.DEFAULT_PREFETCH_MULTIPLIER);
        assertThat(defaults.prefetchOn(false)).isEqualTo(2 * WorkerOptions.LOCAL_PREFETCH_MULTIPLIER);
        assertThat(WorkerOptions.from(defaults).concurrency(3).build().prefetchOn(true))
                .as("a copy keeps the default, which follows its concurrency").isEqualTo(12);
        WorkerOptions set = WorkerOptions.builder().concurrency(2).prefetch(5).build();
        assertThat(set.prefetchOn(true)).isEqualTo(5);
        assertThat(set.prefetchOn(false)).isEqualTo(5);
        assertThatThrownBy(() -> WorkerOptions.builder().concurrency(2).prefetch(0).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("leave it unset");
    }
}
