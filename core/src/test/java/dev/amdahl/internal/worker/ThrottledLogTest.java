package dev.amdahl.internal.worker;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class ThrottledLogTest {

    private static final long EVERY = TimeUnit.SECONDS.toNanos(10);

    private record Line(String text, Throwable error) {
    }

    private final List<Line> lines = new ArrayList<>();
    private final AtomicLong now = new AtomicLong(1_000);
    private final ThrottledLog log = new ThrottledLog((text, error) -> lines.add(new Line(text, error)), EVERY, now::get);

    @Test
    void aThousandIdenticalErrorsInOneSecondWriteOneStackTrace() {
        IllegalStateException refused = new IllegalStateException("READONLY");
        for (int i = 0; i < 1_000; i++) {
            log.log("store", "storing failed", refused);
            now.addAndGet(TimeUnit.MILLISECONDS.toNanos(1));
        }

        assertThat(lines).hasSize(1);
        assertThat(lines.get(0).error()).isSameAs(refused);
    }

    @Test
    void afterEachPeriodOneLineCountsWhatWasSuppressedWithoutAStackTrace() {
        IllegalStateException refused = new IllegalStateException("READONLY");
        log.log("store", "storing failed", refused);
        for (int i = 0; i < 41; i++) {
            now.addAndGet(TimeUnit.MILLISECONDS.toNanos(250));   // 10.25 s in all
            log.log("store", "storing failed", new IllegalStateException("READONLY"));
        }

        assertThat(lines).hasSize(2);
        assertThat(lines.get(1).error()).isNull();
        assertThat(lines.get(1).text()).startsWith("storing failed (40 time(s) in the last 10 s")
                .contains("IllegalStateException: READONLY");
    }

    @Test
    void aDifferentErrorIsLoggedAtOnceWithItsStackTrace() {
        log.log("store", "storing failed", new IllegalStateException("READONLY"));
        log.log("store", "storing failed", new java.io.UncheckedIOException(new java.net.SocketException("Connection reset")));
        log.log("store", "storing failed", new IllegalStateException("wrapped", new java.net.SocketException("Connection reset")));
        log.log("ack", "acking failed", new IllegalStateException("READONLY"));

        assertThat(lines).hasSize(4).allSatisfy(l -> assertThat(l.error()).isNotNull());
    }

    @Test
    void aHundredFailuresWhoseMessagesDifferOnlyByAnIdLogOneStackTrace() {
        for (int i = 0; i < 100; i++) {
            log.log("store", "storing task t-" + i + " failed", new IllegalStateException("no record for task t-" + i));
            now.addAndGet(TimeUnit.MILLISECONDS.toNanos(1));
        }

        assertThat(lines).hasSize(1);
        assertThat(lines.get(0).error()).isNotNull();
    }

    @Test
    void manyNewKindsForgetTheOldestNotTheBusyOne() {
        IllegalStateException refused = new IllegalStateException("READONLY");
        log.log("store", "storing failed", refused);
        for (int i = 0; i < 5_000; i++) {
            log.log("kind-" + i, "failed", refused);
            log.log("store", "storing failed", refused);   // seen again each time: never the eldest
        }

        assertThat(lines.stream().filter(l -> l.text().equals("storing failed")).count())
                .as("stack traces of the busy kind").isEqualTo(1);
    }

    @Test
    void anErrorQuietForTwoPeriodsStartsAgainWithAStackTrace() {
        log.log("store", "storing failed", new IllegalStateException("READONLY"));
        now.addAndGet(2 * EVERY);
        log.log("store", "storing failed", new IllegalStateException("READONLY"));

        assertThat(lines).hasSize(2).allSatisfy(l -> assertThat(l.error()).isNotNull());
    }
}
