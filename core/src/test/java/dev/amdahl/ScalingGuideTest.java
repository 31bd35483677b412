package dev.amdahl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.amdahl.scaling.AmdahlLaw;
import dev.amdahl.scaling.JobStats;
import dev.amdahl.scaling.ScalingAnalysis;
import dev.amdahl.scaling.ScalingReport;
import dev.amdahl.scaling.SpeedupChart;
import dev.amdahl.scaling.WeakScalingReport;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The code of docs/scaling.md, compiled and run, so that the guide stays true. Each snippet sits
 * between a "guide: name" marker comment and an "end" one; the guide must contain it as is.
 */
class ScalingGuideTest {

    // --- guide: catalog ---
    /** Counts the primes in [from, to): a task whose cost grows with its range. */
    public static final class PrimeTasks implements TaskCatalog {
        public record Range(long from, long to) { }

        @Override
        public void register(Amdahl app) {
            app.task("primes.count", Range.class, Long.class, r -> LongStream.range(r.from(), r.to())
                    .filter(n -> n > 1 && LongStream.rangeClosed(2, (long) Math.sqrt(n)).allMatch(d -> n % d != 0))
                    .count());
        }

        public static Task<Range, Long> count(Amdahl app) {
            return app.task("primes.count", Range.class, Long.class);
        }

        public static List<Range> ranges(int count, long width) {
            return IntStream.range(0, count).mapToObj(i -> new Range(i * width, (i + 1) * width)).toList();
        }
    }
    // --- end ---

    static long law() {
        // --- guide: law ---
        AmdahlLaw law = AmdahlLaw.ofParallelFraction(0.99);
        double at100 = law.speedup(100);          // 50.25
        double limit = law.limit();               // 100.0
        double scaled = law.scaledSpeedup(100);   // 99.01, Gustafson: the work grows with n
        // --- end ---
        assertThat(at100).isCloseTo(50.25, within(0.005));
        assertThat(scaled).isCloseTo(99.01, within(0.005));
        return Math.round(limit);
    }

    static JobStats perJobStats() {
        // --- guide: stats ---
        try (Amdahl app = Amdahl.builder().include(PrimeTasks.class).build();
             Worker worker = app.startWorker(WorkerOptions.builder().concurrency(2).build())) {
            GroupFuture<Long> counts = PrimeTasks.count(app).map(PrimeTasks.ranges(40, 5_000));
            long primes = counts.combine(Duration.ofMinutes(1),            // the fan-in, timed as serial
                    all -> all.stream().mapToLong(Long::longValue).sum());
            JobStats stats = counts.stats();
            System.out.printf("%d primes; serial fraction %.4f, at most %.0fx faster however many workers%n",
                    primes, stats.serialFraction(), stats.ceiling());
            return stats;
        }
        // --- end ---
    }

    static ScalingBenchmark.Result benchmark(Path dir) throws Exception {
        // --- guide: benchmark ---
        ScalingBenchmark.Result result = ScalingBenchmark.builder()
                .workers(1, 2)
                .repeat(3)
                .analysis(ScalingAnalysis.builder().targetEfficiency(0.8).predictAt(List.of(8, 16, 32)).build())
                .build()
                .run(() -> Amdahl.builder().include(PrimeTasks.class).build(),   // a fresh application per count
                        app -> {                                                   // one run of the job
                            GroupFuture<Long> counts = PrimeTasks.count(app).map(PrimeTasks.ranges(40, 5_000));
                            counts.combine(Duration.ofMinutes(1), all -> all.stream().mapToLong(Long::longValue).sum());
                            return counts.stats();                                 // or null
                        });
        ScalingReport report = result.report();
        System.out.printf("fitted S = %.4f, measured by the job S = %.4f, 80 %% efficient up to %s workers%n",
                report.preferredFit().serialFraction(),
                result.jobStats().orElseThrow().serialFraction(),
                report.advice().workersAtTargetEfficiency());
        Files.writeString(dir.resolve("primes.json"), result.toJson());
        Files.writeString(dir.resolve("primes.html"), result.toHtml("primes below 200,000"));
        // --- end ---
        return result;
    }

    static WeakScalingReport weak(Path dir) throws Exception {
        // --- guide: weak ---
        ScalingBenchmark.WeakResult weak = ScalingBenchmark.builder()
                .workers(1, 2, 4)
                .repeat(3)
                .build()
                .runWeak(() -> Amdahl.builder().include(PrimeTasks.class).build(),
                        size -> app -> {                            // size n: n times the ranges of size 1
                            GroupFuture<Long> counts = PrimeTasks.count(app).map(PrimeTasks.ranges(10 * size, 2_000));
                            counts.combine(Duration.ofMinutes(1), all -> all.stream().mapToLong(Long::longValue).sum());
                            return counts.stats();                  // its task times measure s'
                        });
        WeakScalingReport gustafson = weak.report();
        System.out.printf("s' = %.4f (95 %% interval %.4f - %.4f), scaled speedup at 64 workers %.1f%n",
                gustafson.serialFraction(), gustafson.serialFractionInterval().low(),
                gustafson.serialFractionInterval().high(), gustafson.scaledSpeedup(64));
        Files.writeString(dir.resolve("weak.html"), weak.toHtml("primes, weak scaling"));
        // --- end ---
        return gustafson;
    }

    static ScalingReport analysis(Path dir) throws Exception {
        // --- guide: analysis ---
        Map<Integer, List<Double>> seconds = Map.of(     // wall times measured however you like
                1, List.of(12.0, 12.4, 11.9),
                2, List.of(6.9, 7.0, 7.1),
                4, List.of(4.1, 4.0, 4.2),
                8, List.of(2.8, 2.7, 2.9),
                16, List.of(2.2, 2.1, 2.3));
        ScalingReport report = ScalingAnalysis.ofDefaults().analyze(seconds);
        report.modelChoice().reason();                  // which model fits better, and why
        report.measurements().get(4).karpFlatt();       // the serial fraction that n = 16 implies
        report.predictedSpeedup(64);                    // a count not run
        report.serialFractionInterval();                // S's 95 % bootstrap interval, from the repeats
        report.advice().workers();                      // the one advised count; advice().rule() says why
        report.warnings();                              // superlinear speedup, exact fit, growing Karp-Flatt
        ScalingReport checked = ScalingAnalysis.ofDefaults().analyze(    // fit on 1..8, check 16 against it
                Map.of(1, seconds.get(1), 2, seconds.get(2), 4, seconds.get(4), 8, seconds.get(8)),
                Map.of(16, seconds.get(16)));
        checked.heldOut().get(0).relativeError();       // measured / predicted - 1
        Files.writeString(dir.resolve("report.json"), report.toJson());
        Files.writeString(dir.resolve("report.html"), report.toHtml());
        SpeedupChart.of(report).write(dir.resolve("speedup.png"));   // or .svg
        // --- end ---
        return report;
    }

    @Test
    void theLawSnippetPrintsTheBooksNumbers() {
        assertThat(law()).isEqualTo(100);
    }

    @Test
    void theStatsSnippetMeasuresItsJob() {
        JobStats stats = perJobStats();

        assertThat(stats.parallelSeconds()).isPositive();
        assertThat(stats.serialFraction()).isBetween(0.0, 1.0);
    }

    @Test
    void theBenchmarkSnippetWritesItsReports(@TempDir Path dir) throws Exception {
        ScalingBenchmark.Result result = benchmark(dir);

        assertThat(result.runs()).hasSize(6);
        assertThat(dir.resolve("primes.json")).isNotEmptyFile();
        assertThat(Files.readString(dir.resolve("primes.html"))).contains("primes below 200,000", "<svg");
    }

    @Test
    void theWeakSnippetMeasuresGustafsonsSerialShare(@TempDir Path dir) throws Exception {
        WeakScalingReport report = weak(dir);

        assertThat(report.measurements()).extracting(WeakScalingReport.Measurement::workers).containsExactly(1, 2, 4);
        assertThat(report.serialFraction()).isBetween(0.0, 1.0);
        assertThat(Files.readString(dir.resolve("weak.html"))).contains("primes, weak scaling", "<svg");
    }

    @Test
    void theAnalysisSnippetWritesItsReports(@TempDir Path dir) throws Exception {
        System.setProperty("java.awt.headless", "true");
        ScalingReport report = analysis(dir);

        assertThat(report.measurements()).hasSize(5);
        assertThat(dir.resolve("speedup.png")).isNotEmptyFile();
    }

    @Test
    void theGuideShowsThisCode() throws Exception {
        assertThat(DocSnippets.assertShown(ScalingGuideTest.class, "docs/scaling.md")).hasSize(6);
    }
}
