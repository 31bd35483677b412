package dev.amdahl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.amdahl.internal.worker.RateLimit;
import dev.amdahl.internal.worker.TokenBucket;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** Options are checked as they are set, merge by "set wins", and the pure policies (backoff, rate) compute what they say. */
class TaskOptionsTest {

    @Test
    void aNegativeCountdownIsRefusedAtOnce() {
        assertThatThrownBy(() -> SubmitOptions.builder().countdown(Duration.ofSeconds(-1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("countdown must not be negative");
    }

    @Test
    void aMalformedRateLimitIsRefusedNamingTheForms() {
        for (String bad : new String[] {"100/x", "", "/s", "ten/s", "0/s", "1.5/s", "100/s/s"}) {
            assertThatThrownBy(() -> TaskOptions.builder().rateLimit(bad)).as(bad)
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("rate limit");
        }
        assertThatThrownBy(() -> TaskOptions.builder().rateLimit("100/x")).hasMessageContaining("\"100/s\", \"10/m\" or \"1000/h\"");
    }

    @Test
    void rateLimitsParseAsCeleryWritesThem() {
        assertThat(RateLimit.parse("100/s").nanosPerPermit()).isEqualTo(TimeUnit.MILLISECONDS.toNanos(10));
        assertThat(RateLimit.parse("10/m").nanosPerPermit()).isEqualTo(TimeUnit.SECONDS.toNanos(6));
        assertThat(RateLimit.parse("1000/h").nanosPerPermit()).isEqualTo(TimeUnit.MILLISECONDS.toNanos(3_600));
        assertThat(RateLimit.parse("4").nanosPerPermit()).isEqualTo(TimeUnit.MILLISECONDS.toNanos(250));
        assertThat(TaskOptions.builder().rateLimit(" 10/m ").build().rateLimit()).contains("10/m");
    }

    @Test
    void aPriorityOutsideZeroToNineIsRefused() {
        assertThatThrownBy(() -> TaskOptions.builder().priority(10)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("between 0 and 9");
        assertThatThrownBy(() -> TaskOptions.builder().priority(-1)).isInstanceOf(IllegalArgumentException.class);
        assertThat(TaskOptions.builder().priority(9).build().priority()).hasValue(9);
    }

    @Test
    void aSoftLimitAboveTheHardOneIsRefusedNamingBoth() {
        assertThatThrownBy(() -> TaskOptions.builder().softTimeLimit(Duration.ofSeconds(10)).hardTimeLimit(Duration.ofSeconds(5)).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("softTimeLimit (PT10S)").hasMessageContaining("hardTimeLimit (PT5S)");
    }

    @Test
    void conflictingOptionsAreRefused() {
        assertThatThrownBy(() -> SubmitOptions.builder().countdown(Duration.ofMinutes(5)).expiresIn(Duration.ofMinutes(1)).build())
                .hasMessageContaining("expire before it may run");
        Instant eta = Instant.parse("2030-01-01T00:00:00Z");
        assertThatThrownBy(() -> SubmitOptions.builder().eta(eta).expiresAt(eta.minusSeconds(1)).build())
                .hasMessageContaining("expire before it may run");
        assertThatThrownBy(() -> TaskOptions.builder().maxRetries(-1)).hasMessageContaining("maxRetries");
        assertThatThrownBy(() -> TaskOptions.builder().hardTimeLimit(Duration.ZERO)).hasMessageContaining("hardTimeLimit must be positive");
        assertThatThrownBy(() -> TaskOptions.builder().queue("no spaces")).hasMessageContaining("queue name");
    }

    @Test
    void twoWaysOfSayingOneThingFailWhenBuiltNamingBoth() {
        Instant eta = Instant.parse("2030-01-01T00:00:00Z");
        assertThatThrownBy(() -> SubmitOptions.builder().countdown(Duration.ofSeconds(5)).eta(eta).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("countdown (PT5S)").hasMessageContaining("eta (2030-01-01T00:00:00Z)");
        assertThatThrownBy(() -> SubmitOptions.builder().expiresAt(eta).expiresIn(Duration.ofMinutes(1)).build())
                .hasMessageContaining("expiresIn (PT1M)").hasMessageContaining("expiresAt (2030-01-01T00:00:00Z)");
    }

    @Test
    void overridesReplaceOnlyWhatTheySet() {
        SubmitOptions base = SubmitOptions.builder().queue("q").priority(3).countdown(Duration.ofSeconds(5)).maxRetries(2)
                .hardTimeLimit(Duration.ofSeconds(30)).build();

        SubmitOptions merged = base.overriddenBy(SubmitOptions.builder().priority(7).eta(Instant.EPOCH.plusSeconds(60)).build());

        assertThat(merged.queue()).contains("q");
        assertThat(merged.priority()).hasValue(7);
        assertThat(merged.countdown()).as("an ETA replaces the countdown: they say one thing").isEmpty();
        assertThat(merged.eta()).contains(Instant.EPOCH.plusSeconds(60));
        assertThat(merged.maxRetries()).hasValue(2);
        assertThat(base.overriddenBy(SubmitOptions.ofDefaults())).isEqualTo(base);
        assertThat(SubmitOptions.from(base).build()).isEqualTo(base);
        assertThatThrownBy(() -> base.overriddenBy(SubmitOptions.builder().softTimeLimit(Duration.ofMinutes(1)).build()))
                .hasMessageContaining("softTimeLimit (PT1M) is above hardTimeLimit (PT30S)");
    }

    @Test
    void submissionsStartFromTheRegistrationsDefaults() {
        try (Amdahl app = Amdahl.builder().build()) {
            Task<String, String> t = app.task("t", String.class, String.class, TaskOptions.builder()
                    .retryOn(IOException.class).rateLimit("5/s").queue("slow").priority(2).maxRetries(7)
                    .softTimeLimit(Duration.ofSeconds(10)).build(), s -> s);

            assertThat(t.queue()).isEqualTo("slow");
            assertThat(t.options()).isEqualTo(SubmitOptions.builder().queue("slow").priority(2).maxRetries(7)
                    .softTimeLimit(Duration.ofSeconds(10)).build());
            Task<String, String> later = t.withOptions(SubmitOptions.builder().countdown(Duration.ofSeconds(1)).build());
            assertThat(later.options().countdown()).contains(Duration.ofSeconds(1));
            assertThat(later.options().priority()).hasValue(2);
            assertThat(t.options().countdown()).isEmpty();
        }
    }

    @Test
    void exponentialBackoffDoublesUpToItsCap() {
        RetryBackoff b = RetryBackoff.exponential(Duration.ofMillis(100), Duration.ofSeconds(1), 0);

        assertThat(b.delay(1)).isEqualTo(Duration.ofMillis(100));
        assertThat(b.delay(2)).isEqualTo(Duration.ofMillis(200));
        assertThat(b.delay(4)).isEqualTo(Duration.ofMillis(800));
        assertThat(b.delay(5)).isEqualTo(Duration.ofSeconds(1));
        assertThat(b.delay(1_000)).isEqualTo(Duration.ofSeconds(1));
    }

    @Test
    void jitterShortensADelayByAtMostItsShare() {
        RetryBackoff none = RetryBackoff.exponential(Duration.ofSeconds(1), Duration.ofSeconds(8), 0.5, () -> 0.0);
        RetryBackoff most = RetryBackoff.exponential(Duration.ofSeconds(1), Duration.ofSeconds(8), 0.5, () -> 0.999_999);
        assertThat(none.delay(3)).isEqualTo(Duration.ofSeconds(4));
        assertThat(most.delay(3)).isBetween(Duration.ofSeconds(2), Duration.ofMillis(2_001));
        assertThat(most.delay(10)).isBetween(Duration.ofSeconds(4), Duration.ofMillis(4_001));

        RetryBackoff random = RetryBackoff.exponential(Duration.ofSeconds(1), Duration.ofSeconds(8), 0.5);
        for (int i = 0; i < 1_000; i++) {
            int retry = 1 + i % 6;
            Duration full = Duration.ofSeconds(Math.min(8, 1L << (retry - 1)));
            assertThat(random.delay(retry)).isBetween(full.dividedBy(2), full);
        }
    }

    @Test
    void badBackoffsAreRefused() {
        assertThatThrownBy(() -> RetryBackoff.exponential(Duration.ofSeconds(2), Duration.ofSeconds(1), 0)).hasMessageContaining("cap");
        assertThatThrownBy(() -> RetryBackoff.exponential(Duration.ofSeconds(1), Duration.ofSeconds(2), 1.5)).hasMessageContaining("jitter");
        assertThatThrownBy(() -> RetryBackoff.fixed(Duration.ofSeconds(-1))).hasMessageContaining("negative");
    }

    @Test
    void theTokenBucketSpacesRunsEvenlyOnAFakeTicker() {
        AtomicLong now = new AtomicLong(1_000);
        TokenBucket bucket = new TokenBucket(RateLimit.parse("10/s"), now::get);
        long ms = 1_000_000;

        assertThat(bucket.reserve()).isZero();
        assertThat(bucket.reserve()).isEqualTo(100 * ms);
        assertThat(bucket.reserve()).isEqualTo(200 * ms);
        now.addAndGet(250 * ms);
        assertThat(bucket.reserve()).isEqualTo(50 * ms);        // booked at 300 ms
        now.addAndGet(10_000 * ms);                            // idle: no burst saved up
        assertThat(bucket.reserve()).isZero();
        assertThat(bucket.reserve()).isEqualTo(100 * ms);
    }

    @Test
    void aBucketPerHourWaitsAsLongAsItSays() {
        AtomicLong now = new AtomicLong(Long.MAX_VALUE - 1_000);   // nanoTime may wrap: comparisons must not
        TokenBucket bucket = new TokenBucket(RateLimit.parse("1000/h"), now::get);

        assertThat(bucket.reserve()).isZero();
        assertThat(bucket.reserve()).isEqualTo(TimeUnit.MILLISECONDS.toNanos(3_600));
    }
}
