package dev.amdahl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.amdahl.internal.memory.MemoryBroker;
import dev.amdahl.testkit.MutableClock;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** An idempotency key makes a repeated submission return the first one's future. */
class IdempotencyTest {

    private static final Duration WAIT = Duration.ofSeconds(10);

    private static SubmitOptions key(String key) {
        return SubmitOptions.builder().idempotencyKey(key).idempotencyWindow(Duration.ofMinutes(10)).build();
    }

    @Test
    void aSecondSubmissionWithTheSameKeyReturnsTheFirstsFuture() {
        MutableClock clock = new MutableClock(Instant.parse("2030-01-01T00:00:00Z"));
        AtomicInteger charges = new AtomicInteger();
        try (Amdahl app = Amdahl.builder().clock(clock).build()) {
            Task<Integer, String> charge = app.task("payment.charge", Integer.class, String.class,
                    cents -> "charged " + cents + " (charge #" + charges.incrementAndGet() + ")");

            TaskFuture<String> first = charge.withOptions(key("order-42")).submit(1_999);
            TaskFuture<String> again = charge.withOptions(key("order-42")).submit(1_999);   // a double click, still pending
            TaskFuture<String> other = charge.withOptions(key("order-43")).submit(500);
            app.startWorker(WorkerOptions.builder().concurrency(1).build());

            assertThat(again.id()).isEqualTo(first.id());
            assertThat(first.result(WAIT)).isEqualTo("charged 1999 (charge #1)");
            assertThat(again.result(WAIT)).isEqualTo("charged 1999 (charge #1)");
            assertThat(other.id()).isNotEqualTo(first.id());
            assertThat(other.result(WAIT)).isEqualTo("charged 500 (charge #2)");

            TaskFuture<String> recent = charge.withOptions(key("order-42")).submit(1_999);       // done, but recent
            assertThat(recent.id()).isEqualTo(first.id());
            assertThat(recent.result(WAIT)).isEqualTo("charged 1999 (charge #1)");

            clock.advance(Duration.ofMinutes(11));                                              // past the window
            TaskFuture<String> later = charge.withOptions(key("order-42")).submit(1_999);
            assertThat(later.id()).isNotEqualTo(first.id());
            assertThat(later.result(WAIT)).isEqualTo("charged 1999 (charge #3)");
        }
    }

    @Test
    void keysArePerTaskName() {
        try (Amdahl app = Amdahl.builder().build()) {
            Task<Integer, Integer> a = app.task("a", Integer.class, Integer.class, x -> x);
            Task<Integer, Integer> b = app.task("b", Integer.class, Integer.class, x -> -x);

            assertThat(a.withOptions(key("k")).submit(1).id()).isNotEqualTo(b.withOptions(key("k")).submit(1).id());
        }
    }

    @Test
    void mapRefusesAKey() {
        try (Amdahl app = Amdahl.builder().build()) {
            Task<Integer, Integer> a = app.task("a", Integer.class, Integer.class, x -> x);
            assertThatThrownBy(() -> a.withOptions(key("k")).map(List.of(1, 2))).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("map makes many");
        }
    }

    /** The key is refused where it is set, before anything is published, naming the backend and the fix. */
    @Test
    @Timeout(30)
    void aBackendWithoutIdempotencyKeysRefusesAKey() {
        try (Amdahl app = Amdahl.builder().broker(new MemoryBroker(Clock.systemUTC())).resultBackend(new PlainBackend()).build()) {
            Task<Integer, Integer> a = app.task("a", Integer.class, Integer.class, x -> x);

            assertThatThrownBy(() -> a.withOptions(key("k"))).isInstanceOf(AmdahlException.class)
                    .hasMessage("task 'a' has an idempotency key, but the result backend dev.amdahl.PlainBackend does not"
                            + " support idempotency keys (it has no dev.amdahl.spi.IdempotencyKeys capability): submit"
                            + " without a key, or use a result backend that supports them, such as redis:// or the embedded one");
            assertThat(app.broker().depth(app.defaultQueue())).isZero();
            assertThat(a.submit(1).id()).as("without a key it submits").isNotEmpty();
        }
    }
}
