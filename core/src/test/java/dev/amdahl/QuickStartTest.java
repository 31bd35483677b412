package dev.amdahl;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** The README's quick start, compiled and run, so that it stays true. Keep the two in step. */
class QuickStartTest {

    // --- README quick start: begin ---
    record Range(long from, long to) { }

    static long countPrimes(Range r) {
        return java.util.stream.LongStream.range(r.from(), r.to())
                .filter(n -> n > 1 && java.util.stream.LongStream.rangeClosed(2, (long) Math.sqrt(n)).allMatch(d -> n % d != 0))
                .count();
    }

    static long quickStart() throws Exception {
        try (Amdahl app = Amdahl.builder().build()) {                  // embedded broker; or .broker("redis://127.0.0.1:6379")
            Task<Range, Long> primes = app.task("primes.count", Range.class, Long.class, QuickStartTest::countPrimes);

            try (Worker worker = app.startWorker(WorkerOptions.builder().concurrency(2).build())) {
                TaskFuture<Long> one = primes.submit(new Range(0, 1_000));
                System.out.println(one.id() + " -> " + one.get());    // 168

                List<Range> ranges = IntStream.range(0, 100).mapToObj(i -> new Range(i * 10_000L, (i + 1) * 10_000L)).toList();
                GroupFuture<Long> all = primes.map(ranges, 10);          // 10 ranges per message
                long total = all.combine(Duration.ofMinutes(1), counts -> counts.stream().mapToLong(Long::longValue).sum());
                System.out.printf("%d primes below a million; serial fraction %.3f, at most %.0fx faster%n",
                        total, all.stats().serialFraction(), all.stats().ceiling());
                return total;
            }
        }
    }
    // --- README quick start: end ---

    @Test
    void theQuickStartCountsThePrimesBelowAMillion() throws Exception {
        assertThat(quickStart()).isEqualTo(78_498);
    }

    @Test
    void theReadmeShowsThisCode() throws Exception {
        String source = java.nio.file.Files.readString(java.nio.file.Path.of("src/test/java/dev/amdahl/QuickStartTest.java"));
        String begin = "// --- README quick start: begin ---\n";
        String snippet = source.substring(source.indexOf(begin) + begin.length(), source.indexOf("    // --- README quick start: end ---"))
                .lines().map(line -> line.startsWith("    ") ? line.substring(4) : line.strip())
                .collect(java.util.stream.Collectors.joining("\n")).strip();
        String readme = java.nio.file.Files.readString(java.nio.file.Path.of("../README.md"));
        assertThat(readme).contains(snippet);
    }
}
