package dev.amdahl;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.amdahl.internal.json.Json;
import dev.amdahl.scaling.JobStats;
import dev.amdahl.scaling.ScalingAnalysis;
import dev.amdahl.scaling.ScalingReport;
import dev.amdahl.scaling.WeakScalingReport;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Consumer;
import java.util.function.IntFunction;
import java.util.function.Supplier;

/**
 * Runs a job at several worker counts, times it, and hands the wall times to a {@link ScalingAnalysis}:
 * the measuring half of {@code amdahl scale}, for jobs of one's own.
 *
 * <pre>{@code
 * ScalingBenchmark benchmark = ScalingBenchmark.builder()
 *         .workers(1, 2, 4)
 *         .repeat(3)
 *         .build();
 * ScalingBenchmark.Result result = benchmark.run(
 *         () -> Amdahl.builder().include(MyTasks.class).build(),   // a fresh application per count
 *         app -> {                                                  // one run, waited for
 *             GroupFuture<Long> parts = MyTasks.count(app).map(inputs);
 *             long total = parts.combine(Duration.ofMinutes(1), Sums::sum);
 *             return parts.stats();                                 // or null if the job has none
 *         });
 * result.report().preferredFit().serialFraction();   // fitted from the wall times
 * result.jobStats().map(JobStats::serialFraction);     // measured by the job itself
 * Files.writeString(Path.of("scale.html"), result.toHtml("my job"));
 * }</pre>
 *
 * <p>The runs are interleaved: {@code repeat} rounds, each of which visits every worker count once in
 * increasing order (1, 2, 4, 1, 2, 4, ...), held-out counts ({@link Builder#heldOut}) included. For each
 * visit the benchmark opens a fresh application from the supplier, starts one worker of that concurrency
 * on it, runs the job once untimed (the warm-up; on the very first visit, and on every visit of a process pool,
 * whose children are new JVMs each time, until the warm-up's time settles),
 * then once timed, and closes both. Interleaving means
 * that a machine that gets slower or faster during the benchmark (another build starting, a CPU
 * throttling) slows every count alike instead of masquerading as scaling; a fresh application per visit
 * means that nothing from the previous one (queued messages, cached results, pool threads, child
 * processes) is still around to help or hinder the next; the warm-up before every timed run means that
 * neither the JIT compiler nor a cold pool makes one count look slower than another.
 *
 * <p>The timed span is the job's call, so whatever the job does in the caller (splitting the input,
 * combining the results) counts, as it does for whoever waits for the job. The application must reach
 * no other worker: on a shared broker, workers elsewhere would take part of the work and the counts
 * would mean nothing. The embedded broker, the default, is the safe choice.
 *
 * <p>Instances are immutable; {@link #run} may be called any number of times, one call at a time
 * per machine (two at once would share its cores).
 */
public final class ScalingBenchmark {

    /** The most warm-ups {@link #warmUpUntilSteady} runs. */
    public static final int MAX_FIRST_WARM_UPS = 5;

    private final List<Integer> workers;
    private final List<Integer> heldOut;
    private final int repeat;
    private final WorkerOptions workerOptions;
    private final ScalingAnalysis analysis;
    private final Consumer<Run> onRun;

    private ScalingBenchmark(Builder builder) {
        this.workers = builder.workers;
        this.heldOut = builder.heldOut;
        this.repeat = builder.repeat;
        this.workerOptions = builder.workerOptions;
        this.analysis = builder.analysis;
        this.onRun = builder.onRun;
    }

    /** A builder: worker counts 1 and 2, three timed runs each, default worker options and analysis. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * One run of the job being benchmarked: submit its tasks on {@code app}, wait for the outcome,
     * and return the job's own statistics (from {@link GroupFuture#stats()}) or null if it has none.
     *
     * <pre>{@code
     * ScalingBenchmark.Job job = app -> {
     *     GroupFuture<int[]> tiles = render(app).map(tilesOf(picture));
     *     tiles.combine(Duration.ofMinutes(1), Mandelbrot::stitch);
     *     return tiles.stats();
     * };
     * }</pre>
     */
    @FunctionalInterface
    public interface Job {

        /**
         * Runs the job once and waits for it.
         *
         * @return the job's measured serial and parallel time, or null
         */
        JobStats run(Amdahl app);

        /**
         * The untimed run before the timed ones at each count, so that the JIT compiler and the new
         * worker's pool are warm when timing starts; without it the first run is slow for reasons that
         * have nothing to do with the worker count. Runs the job itself by default; a job may run a
         * smaller version of itself instead.
         */
        default void warmUp(Amdahl app) {
            run(app);
        }
    }

    /**
     * One timed run.
     *
     * @param workers  the worker count it ran at
     * @param index    which of that count's timed runs (the round), from 0
     * @param wallTime how long the job's call took
     * @param jobStats what the job measured itself, or null if it returned none
     */
    public record Run(int workers, int index, Duration wallTime, JobStats jobStats) {

        /** The wall time in seconds. */
        public double seconds() {
            return wallTime.toNanos() / 1e9;
        }
    }

    /**
     * The runs and what the analysis made of them.
     *
     * @param runs   every timed run, in the order they ran, held-out counts included
     * @param report the analysis of their wall times
     */
    public record Result(List<Run> runs, ScalingReport report) {

        /** Copies the list. */
        public Result {
            runs = List.copyOf(runs);
            Objects.requireNonNull(report, "report");
        }

        /** The wall times in seconds by worker count, held-out counts included. */
        public Map<Integer, List<Double>> wallSeconds() {
            return wallSecondsOf(runs);
        }

        /**
         * The job's own statistics from its last run at the highest worker count: the serial fraction it
         * measured from its events, to set beside the one fitted to the wall times. Empty when the job
         * returned none.
         */
        public Optional<JobStats> jobStats() {
            return Optional.ofNullable(runs.get(runs.size() - 1).jobStats());
        }

        /**
         * The runs, the report and the job's own statistics as indented JSON: {@code runs} (workers,
         * index, seconds, the job's serial fraction), {@code report} as {@link ScalingReport#toJson()}
         * writes it, and {@code jobStats} (serial and parallel seconds, serial fraction, Amdahl ceiling;
         * null when the job measured none, the ceiling null when nothing was serial).
         */
        public String toJson() {
            try {
                return Json.mapper().writerWithDefaultPrettyPrinter().writeValueAsString(toMap());
            } catch (JsonProcessingException e) {
                throw new IllegalStateException("a scaling benchmark result did not serialise", e);
            }
        }

        /** The same as a map of plain values, for callers that add fields of their own before writing. */
        public Map<String, Object> toMap() {
            List<Map<String, Object>> rows = new ArrayList<>(runs.size());
            for (Run run : runs) {
                Map<String, Object> row = new LinkedHashMap<>();
                row.put("workers", run.workers());
                row.put("index", run.index());
                row.put("seconds", run.seconds());
                row.put("serialFraction", run.jobStats() == null ? null : run.jobStats().serialFraction());
                rows.add(row);
            }
            Map<String, Object> map = new LinkedHashMap<>();
            map.put("runs", rows);
            map.put("report", report);
            map.put("jobStats", jobStats().map(Result::statsMap).orElse(null));
            return map;
        }

        /** {@link ScalingReport#toHtml(String, JobStats)} with this result's job statistics. */
        public String toHtml(String title) {
            return report.toHtml(title, jobStats().orElse(null));
        }

        private static Map<String, Object> statsMap(JobStats stats) {
            Map<String, Object> map = new LinkedHashMap<>();
            map.put("serialSeconds", stats.serialSeconds());
            map.put("parallelSeconds", stats.parallelSeconds());
            map.put("serialFraction", stats.serialFraction());
            map.put("ceiling", Double.isInfinite(stats.ceiling()) ? null : stats.ceiling());
            return map;
        }
    }

    /**
     * The runs of a weak-scaling benchmark ({@link #runWeak}) and what the analysis made of them.
     *
     * @param runs   every timed run, in the order they ran; a run at {@code n} workers did size {@code n}
     * @param report Gustafson's analysis of them
     */
    public record WeakResult(List<Run> runs, WeakScalingReport report) {

        /** Copies the list. */
        public WeakResult {
            runs = List.copyOf(runs);
            Objects.requireNonNull(report, "report");
        }

        /** The job's own statistics from its last run (the largest size), as {@link Result#jobStats()}. */
        public Optional<JobStats> jobStats() {
            return Optional.ofNullable(runs.get(runs.size() - 1).jobStats());
        }

        /** As {@link Result#toMap()}: {@code weak: true}, the runs (with their task seconds) and the report. */
        public Map<String, Object> toMap() {
            List<Map<String, Object>> rows = new ArrayList<>(runs.size());
            for (Run run : runs) {
                Map<String, Object> row = new LinkedHashMap<>();
                row.put("workers", run.workers());
                row.put("size", run.workers());
                row.put("index", run.index());
                row.put("seconds", run.seconds());
                row.put("taskSeconds", run.jobStats() == null ? null : run.jobStats().parallelSeconds());
                rows.add(row);
            }
            Map<String, Object> map = new LinkedHashMap<>();
            map.put("weak", true);
            map.put("runs", rows);
            map.put("report", report);
            return map;
        }

        /** {@link #toMap()} as indented JSON. */
        public String toJson() {
            try {
                return Json.mapper().writerWithDefaultPrettyPrinter().writeValueAsString(toMap());
            } catch (JsonProcessingException e) {
                throw new IllegalStateException("a weak-scaling benchmark result did not serialise", e);
            }
        }

        /** {@link WeakScalingReport#toHtml(String)}. */
        public String toHtml(String title) {
            return report.toHtml(title);
        }
    }

    /**
     * Runs {@code job} at every worker count and analyses the wall times.
     *
     * @param applications opens a fresh application for each worker count; it must know the job's tasks
     *                     and reach no worker other than the one this benchmark starts
     * @throws TaskFailedException when a task of the job fails; nothing is analysed then
     */
    public Result run(Supplier<Amdahl> applications, Job job) {
        Objects.requireNonNull(job, "job");
        List<Run> runs = rounds(applications, n -> job);
        Map<Integer, List<Double>> fitted = new TreeMap<>(wallSecondsOf(runs));
        Map<Integer, List<Double>> checked = new TreeMap<>();
        for (int n : heldOut) {
            checked.put(n, fitted.remove(n));
        }
        return new Result(runs, analysis.analyze(fitted, checked));
    }

    /**
     * Runs a weak-scaling benchmark: at each worker count {@code n} the job of size {@code n}, i.e. {@code n}
     * times the work of one worker's, in the same interleaved, warmed rounds as {@link #run}; then
     * {@link ScalingAnalysis#analyzeWeak} measures Gustafson's scaled speedup from the wall times and the job's
     * own task times ({@link JobStats#parallelSeconds()}, when the job returns its statistics).
     *
     * <pre>{@code
     * ScalingBenchmark.WeakResult result = ScalingBenchmark.builder().workers(1, 2, 4, 8).build()
     *         .runWeak(() -> Amdahl.builder().include(MyTasks.class).build(),
     *                 size -> myJob.benchmark(size));          // made once per size, before any timing
     * result.report().serialFraction();                        // Gustafson's s'
     * }</pre>
     *
     * @param jobAtSize the job of a given size, at least 1; called once per worker count before the first run,
     *                  so that making the input is not timed
     * @throws TaskFailedException when a task of the job fails; nothing is analysed then
     */
    public WeakResult runWeak(Supplier<Amdahl> applications, IntFunction<? extends Job> jobAtSize) {
        Objects.requireNonNull(jobAtSize, "jobAtSize");
        Map<Integer, Job> jobs = new TreeMap<>();
        for (int n : counts()) {
            jobs.put(n, Objects.requireNonNull(jobAtSize.apply(n), "the job of size " + n + " is null"));
        }
        List<Run> runs = rounds(applications, jobs::get);
        Map<Integer, List<ScalingAnalysis.WeakRun>> fitted = new TreeMap<>();
        Map<Integer, List<ScalingAnalysis.WeakRun>> checked = new TreeMap<>();
        for (Run run : runs) {
            ScalingAnalysis.WeakRun weak = new ScalingAnalysis.WeakRun(run.seconds(),
                    run.jobStats() == null ? null : run.jobStats().parallelSeconds());
            (heldOut.contains(run.workers()) ? checked : fitted)
                    .computeIfAbsent(run.workers(), n -> new ArrayList<>()).add(weak);
        }
        return new WeakResult(runs, analysis.analyzeWeak(fitted, checked));
    }

    private TreeSet<Integer> counts() {
        TreeSet<Integer> counts = new TreeSet<>(workers);
        counts.addAll(heldOut);
        return counts;
    }

    /** The interleaved rounds: each visit a fresh application, a worker of {@code n} slots, a warm-up, a timed run. */
    private List<Run> rounds(Supplier<Amdahl> applications, IntFunction<Job> jobAt) {
        Objects.requireNonNull(applications, "applications");
        TreeSet<Integer> counts = counts();
        List<Run> runs = new ArrayList<>(counts.size() * repeat);
        for (int round = 0; round < repeat; round++) {
            for (int n : counts) {
                Job job = jobAt.apply(n);
                WorkerOptions options = optionsAt(n);
                try (Amdahl app = Objects.requireNonNull(applications.get(), "the application supplier returned null");
                     Worker worker = app.startWorker(options)) {
                    // a process pool's children are new JVMs at every visit, as cold as this one was at the first
                    if (runs.isEmpty() || options.pool() == Pool.PROCESSES) {
                        warmUpUntilSteady(() -> job.warmUp(app));
                    } else {
                        job.warmUp(app);
                    }
                    long start = System.nanoTime();
                    JobStats stats = job.run(app);
                    Run run = new Run(n, round, Duration.ofNanos(System.nanoTime() - start), stats);
                    runs.add(run);
                    onRun.accept(run);
                }
            }
        }
        return runs;
    }

    /**
     * Runs {@code warmUp} until two runs in a row take within 10 % of each other, at most
     * {@value #MAX_FIRST_WARM_UPS} times: the warm-up of a process's first timed run. Until the JIT compiler
     * has compiled the job's path, one warm-up leaves the first timed run, usually the one-worker baseline,
     * slower than later ones, and the speedups against it come out superlinear.
     */
    public static void warmUpUntilSteady(Runnable warmUp) {
        long previous = Long.MAX_VALUE;
        for (int i = 0; i < MAX_FIRST_WARM_UPS; i++) {
            long start = System.nanoTime();
            warmUp.run();
            long took = System.nanoTime() - start;
            if (Math.abs(took - previous) <= 0.1 * Math.min(took, previous)) {
                return;
            }
            previous = took;
        }
    }

    /** The worker options with concurrency {@code n} and the prefetch scaled with it, as many per slot as given. */
    private WorkerOptions optionsAt(int n) {
        if (workerOptions.prefetch() == 0) {
            return WorkerOptions.from(workerOptions).concurrency(n).build();   // the broker's default scales with n
        }
        int perSlot = Math.max(1, workerOptions.prefetch() / workerOptions.concurrency());
        return WorkerOptions.from(workerOptions).concurrency(n).prefetch(perSlot * n).build();
    }

    private static Map<Integer, List<Double>> wallSecondsOf(List<Run> runs) {
        Map<Integer, List<Double>> seconds = new TreeMap<>();
        for (Run run : runs) {
            seconds.computeIfAbsent(run.workers(), n -> new ArrayList<>()).add(run.seconds());
        }
        return seconds;
    }

    /**
     * Options of a {@link ScalingBenchmark}; each setter checks its value at once.
     *
     * <pre>{@code
     * ScalingBenchmark.builder()
     *         .workers(List.of(1, 2, 4, 8))
     *         .repeat(5)
     *         .workerOptions(WorkerOptions.builder().pool(Pool.PROCESSES).build())
     *         .analysis(ScalingAnalysis.builder().targetEfficiency(0.9).build())
     *         .onRun(run -> log.info("{} workers: {}", run.workers(), run.wallTime()))
     *         .build();
     * }</pre>
     */
    public static final class Builder {
        private List<Integer> workers = List.of(1, 2);
        private List<Integer> heldOut = List.of();
        private int repeat = 3;
        private WorkerOptions workerOptions = WorkerOptions.ofDefaults();
        private ScalingAnalysis analysis = ScalingAnalysis.ofDefaults();
        private Consumer<Run> onRun = run -> { };

        private Builder() {
        }

        /** The worker counts to fit, each at least 1, at least two distinct ones; each round runs them in increasing order. */
        public Builder workers(int... counts) {
            List<Integer> list = new ArrayList<>(counts.length);
            for (int n : counts) {
                list.add(n);
            }
            return workers(list);
        }

        /** {@link #workers(int...)} from a collection. */
        public Builder workers(Collection<Integer> counts) {
            TreeSet<Integer> sorted = new TreeSet<>();
            for (Integer n : counts) {
                if (n == null || n < 1) {
                    throw new IllegalArgumentException("a worker count must be at least 1, got " + n);
                }
                sorted.add(n);
            }
            // the analysis fits two coefficients: one count cannot tell serial from parallel time
            if (sorted.size() < 2) {
                throw new IllegalArgumentException(
                        "a scaling benchmark needs at least 2 distinct worker counts, got " + sorted);
            }
            this.workers = List.copyOf(sorted);
            return this;
        }

        /**
         * Worker counts to run as the others but leave out of the fit, to check its predictions against
         * ({@link ScalingReport#heldOut()}); none by default. They must differ from {@link #workers}.
         */
        public Builder heldOut(Collection<Integer> counts) {
            TreeSet<Integer> sorted = new TreeSet<>();
            for (Integer n : counts) {
                if (n == null || n < 1) {
                    throw new IllegalArgumentException("a held-out worker count must be at least 1, got " + n);
                }
                if (workers.contains(n)) {
                    throw new IllegalArgumentException("worker count " + n + " is both fitted and held out");
                }
                sorted.add(n);
            }
            this.heldOut = List.copyOf(sorted);
            return this;
        }

        /**
         * How many rounds of timed runs, at least 1: each round runs every count once, after a warm-up at
         * that count; the median of a count's runs is what gets fitted, their spread is shown. Default 3.
         */
        public Builder repeat(int repeat) {
            if (repeat < 1) {
                throw new IllegalArgumentException("repeat must be at least 1 timed run per worker count, got " + repeat);
            }
            this.repeat = repeat;
            return this;
        }

        /**
         * The options of the worker started at each count, its concurrency replaced by the count and its
         * prefetch by as many messages per slot as these options give.
         */
        public Builder workerOptions(WorkerOptions options) {
            this.workerOptions = Objects.requireNonNull(options, "workerOptions");
            return this;
        }

        /** The analysis of the wall times; default {@link ScalingAnalysis#ofDefaults()}. */
        public Builder analysis(ScalingAnalysis analysis) {
            this.analysis = Objects.requireNonNull(analysis, "analysis");
            return this;
        }

        /** Told of each timed run as it finishes, on the calling thread; for progress output. */
        public Builder onRun(Consumer<Run> listener) {
            this.onRun = Objects.requireNonNull(listener, "onRun");
            return this;
        }

        /** A benchmark with these options. */
        public ScalingBenchmark build() {
            for (int n : heldOut) {
                if (workers.contains(n)) {
                    throw new IllegalArgumentException("worker count " + n + " is both fitted and held out");
                }
            }
            return new ScalingBenchmark(this);
        }
    }
}
