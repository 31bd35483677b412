package dev.amdahl.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.amdahl.Amdahl;
import dev.amdahl.Pool;
import dev.amdahl.ScalingBenchmark;
import dev.amdahl.WorkerOptions;
import dev.amdahl.examples.DemoJob;
import dev.amdahl.examples.DemoJobs;
import dev.amdahl.examples.MandelbrotJob;
import dev.amdahl.examples.PiJob;
import dev.amdahl.examples.Tile;
import dev.amdahl.scaling.JobStats;
import dev.amdahl.scaling.ScalingAnalysis;
import dev.amdahl.scaling.ScalingReport.Advice;
import dev.amdahl.scaling.ScalingReport.Measurement;
import dev.amdahl.scaling.ScalingReport.Model;
import dev.amdahl.scaling.ScalingReport.ModelFit;
import dev.amdahl.scaling.ScalingReport.Prediction;
import dev.amdahl.scaling.ScalingReport;
import dev.amdahl.scaling.SpeedupChart;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code amdahl scale JOB}: a demo job timed at several worker counts and analysed by
 * {@link ScalingBenchmark} and {@link ScalingAnalysis}. This class only parses, checks and prints.
 */
@Command(name = "scale",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        header = "Time a demo job at several worker counts, fit Amdahl's law, and advise a worker count.",
        description = {
            "For each worker count, in increasing order: a fresh application on the embedded broker with one worker",
            "of that many threads in this process, an untimed warm-up run, then --repeat timed runs. The medians are",
            "fitted to T(n) = T1*(S + (1-S)/n), and with 3 or more counts also to the same plus c*n, a cost per worker;",
            "the fit with the lower AICc is preferred (5 or more counts are needed to tell them apart). Printed: the",
            "speedups, the Karp-Flatt serial fraction per count, both fits, the speedup predicted for counts not run,",
            "a worker-count recommendation, and beside the fitted S the serial fraction that the job measured from its",
            "own events in its last run: a fitted S well above it means overhead, not serial code, limits the job.",
            "",
        },
        footer = {
            "",
            "Examples:",
            "  amdahl scale mandelbrot --workers 1,2 --repeat 3",
            "  amdahl scale pi --workers 1,2,4,8,16 --html scale.html --json scale.json",
            "  amdahl scale mandelbrot --size 800x600 --tiles 32 --predict 8,16,32 --plot speedup.svg",
            "  amdahl scale pi --samples 10000000 --target-efficiency 0.9 --min-gain 0.1",
            "",
            "Speedups on a shared or busy machine are noisy: use --repeat 5 or more and a job of a second or more.",
        })
final class ScaleCommand extends CliCommand {

    @Parameters(index = "0", paramLabel = "JOB", completionCandidates = JobNames.class,
            description = "The job to time: ${COMPLETION-CANDIDATES}.")
    String jobName;

    @Option(names = {"-w", "--workers"}, paramLabel = "N,N...", hideParamSyntax = true, split = ",",
            description = "Worker counts to time the job at, at least two distinct ones (default: 1, 2, 4, ... up to"
                    + " this machine's core count, and at least 1,2).")
    List<Integer> workers;

    @Option(names = {"-r", "--repeat"}, paramLabel = "N", defaultValue = "3",
            description = "Timed runs per worker count, after one untimed warm-up; the median is fitted"
                    + " (default: ${DEFAULT-VALUE}).")
    int repeat;

    @Option(names = "--pool", paramLabel = "POOL", converter = Converters.PoolConverter.class,
            completionCandidates = Converters.PoolNames.class, defaultValue = "threads",
            description = "Where the worker runs tasks: threads, virtual (Java 21+) or processes (default: ${DEFAULT-VALUE}).")
    Pool pool;

    @Option(names = "--target-efficiency", paramLabel = "E", defaultValue = "0.8",
            description = "Recommend the most workers whose predicted efficiency (speedup/n) stays at or above E,"
                    + " in (0, 1] (default: ${DEFAULT-VALUE}).")
    double targetEfficiency;

    @Option(names = "--min-gain", paramLabel = "G", defaultValue = "0.05",
            description = "Report where one more worker adds less than G to the speedup (default: ${DEFAULT-VALUE}).")
    double minGain;

    @Option(names = "--predict", paramLabel = "N,N...", hideParamSyntax = true, split = ",",
            description = "Worker counts to predict the speedup at (default: the next three doublings past the"
                    + " largest count run).")
    List<Integer> predict;

    @Option(names = "--json", paramLabel = "FILE", description = "Also write the runs and the analysis as JSON.")
    Path json;

    @Option(names = "--html", paramLabel = "FILE",
            description = "Also write a self-contained HTML report with the chart; it opens offline.")
    Path html;

    @Option(names = "--plot", paramLabel = "FILE", description = "Also write the chart alone, PNG or SVG by extension.")
    Path plot;

    // ---- sizing the job; each applies to one job only ----

    @Option(names = "--size", paramLabel = "WxH", converter = Converters.SizeConverter.class,
            description = "mandelbrot: the picture's size in pixels (default: 1600x1200).")
    Converters.Size size;

    @Option(names = "--tiles", paramLabel = "N", description = "mandelbrot: how many tiles, one task each (default: 64).")
    Integer tiles;

    @Option(names = "--max-iterations", paramLabel = "N",
            description = "mandelbrot: iterations before a point counts as inside the set (default: "
                    + MandelbrotJob.DEFAULT_MAX_ITERATIONS + ").")
    Integer maxIterations;

    @Option(names = "--samples", paramLabel = "N", description = "pi: how many random points in all (default: 200000000).")
    Long samples;

    @Option(names = "--chunks", paramLabel = "N", description = "pi: how many tasks they are split into (default: 64).")
    Integer chunks;

    /** The names {@code --help} and completion list for JOB. */
    static final class JobNames implements Iterable<String> {
        @Override
        public java.util.Iterator<String> iterator() {
            return DemoJobs.all().stream().map(DemoJob::name).iterator();
        }
    }

    @Override
    int execute() throws Exception {
        // everything is checked before the first run: a typo should not cost a minute of benchmarking
        DemoJob job = job();
        ScalingAnalysis analysis = analysis();
        ScalingBenchmark.Builder benchmark = ScalingBenchmark.builder();
        try {
            benchmark.workers(workers == null ? defaultWorkers() : workers).repeat(repeat);
        } catch (IllegalArgumentException e) {
            throw usageError((e.getMessage().startsWith("repeat") ? "--repeat: " : "--workers: ") + e.getMessage());
        }
        for (Path file : new Path[] {json, html, plot}) {
            requireWritable(file);
        }
        if (plot != null && !plot.getFileName().toString().toLowerCase(Locale.ROOT).matches(".*\\.(png|svg)")) {
            throw usageError("--plot " + plot + ": the chart file must end in .png or .svg");
        }

        PrintWriter out = out();
        out.println(job.description());
        out.println("on the embedded broker; per worker count a fresh application and one worker of N " + poolName()
                + ", a warm-up run, then " + repeat + " timed run" + (repeat == 1 ? "" : "s"));
        out.flush();
        ScalingBenchmark.Result result = benchmark
                .workerOptions(WorkerOptions.builder().pool(pool).build())
                .analysis(analysis)
                .onRun(this::printRun)
                .build()
                .run(() -> Amdahl.builder().include(job.catalog()).build(), job.benchmark());

        printReport(out, result);
        writeFiles(job, result);
        return OK;
    }

    private DemoJob job() {
        DemoJob job = DemoJobs.named(jobName).orElseThrow(() -> usageError("unknown job '" + jobName + "': choose "
                + DemoJobs.all().stream().map(DemoJob::name).collect(Collectors.joining(" or "))));
        try {
            if (job instanceof MandelbrotJob m) {
                refuse("pi", "--samples", samples);
                refuse("pi", "--chunks", chunks);
                return new MandelbrotJob(size == null ? m.width() : size.width(), size == null ? m.height() : size.height(),
                        tiles == null ? m.tileCount() : tiles, maxIterations == null ? m.maxIterations() : maxIterations,
                        Tile.Window.FULL_SET);
            }
            if (job instanceof PiJob p) {
                refuse("mandelbrot", "--size", size);
                refuse("mandelbrot", "--tiles", tiles);
                refuse("mandelbrot", "--max-iterations", maxIterations);
                return new PiJob(samples == null ? p.samples() : samples, chunks == null ? p.chunkCount() : chunks, p.seed());
            }
        } catch (IllegalArgumentException e) {
            throw usageError(e.getMessage());
        }
        return job;
    }

    private void refuse(String owner, String option, Object value) {
        if (value != null) {
            throw usageError(option + " sizes the " + owner + " job, not " + jobName);
        }
    }

    private ScalingAnalysis analysis() {
        ScalingAnalysis.Builder builder = ScalingAnalysis.builder();
        try {
            builder.targetEfficiency(targetEfficiency);
        } catch (IllegalArgumentException e) {
            throw usageError("--target-efficiency " + targetEfficiency + ": must be in (0, 1], e.g. 0.8 for 80 %");
        }
        try {
            builder.minGain(minGain);
        } catch (IllegalArgumentException e) {
            throw usageError("--min-gain " + minGain + ": must be a positive speedup, e.g. 0.05");
        }
        if (predict != null) {
            try {
                builder.predictAt(predict);
            } catch (IllegalArgumentException e) {
                throw usageError("--predict: " + e.getMessage());
            }
        }
        return builder.build();
    }

    /** 1, 2, 4, ... up to the cores: more workers than cores on one machine measure contention, not scaling. */
    private static List<Integer> defaultWorkers() {
        int cores = Runtime.getRuntime().availableProcessors();
        List<Integer> counts = new ArrayList<>();
        for (int n = 1; n <= Math.max(2, cores); n *= 2) {
            counts.add(n);
        }
        return counts;
    }

    private void requireWritable(Path file) {
        if (file == null) {
            return;
        }
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null && !Files.isDirectory(parent)) {
            throw usageError(file + ": the folder " + parent + " does not exist");
        }
    }

    private String poolName() {
        return switch (pool) {
            case THREADS -> "platform threads";
            case VIRTUAL -> "virtual threads";
            case PROCESSES -> "child processes";
        };
    }

    /** One line per worker count, its runs' times appended as they finish. */
    private void printRun(ScalingBenchmark.Run run) {
        PrintWriter out = out();
        if (run.index() == 0) {
            out.printf(Locale.ROOT, "%9s:", run.workers() + (run.workers() == 1 ? " worker" : " workers"));
        }
        out.printf(Locale.ROOT, " %.3f s", run.seconds());
        if (run.index() == repeat - 1) {
            out.println();
        }
        out.flush();
    }

    private void printReport(PrintWriter out, ScalingBenchmark.Result result) {
        ScalingReport report = result.report();
        out.println();
        out.printf(Locale.ROOT, "%9s  %4s  %11s  %8s  %10s  %15s%n", "workers", "runs", "median T(n)", "speedup",
                "efficiency", "Karp-Flatt e(n)");
        for (Measurement m : report.measurements()) {
            out.printf(Locale.ROOT, "%9d  %4d  %9.3f s  %7.2fx  %8.1f %%  %15s%n", m.workers(), m.samples(),
                    m.medianSeconds(), m.speedup(), 100 * m.efficiency(),
                    m.karpFlatt() == null ? "-" : String.format(Locale.ROOT, "%.4f", m.karpFlatt()));
        }
        if (!report.baselineMeasured()) {
            out.printf(Locale.ROOT, "(speedups against the fitted T(1) = %.3f s: 1 worker was not run)%n",
                    report.baselineSeconds());
        }

        out.println();
        out.println("fitted to the medians:");
        printFit(out, "Amdahl         T1*(S + (1-S)/n)      ", report.amdahl());
        if (report.amdahlWithOverhead() == null) {
            out.println("  with overhead  T1*(S + (1-S)/n) + c*n  not fitted");
        } else {
            printFit(out, "with overhead  T1*(S + (1-S)/n) + c*n", report.amdahlWithOverhead());
        }
        out.println("  " + report.modelChoice().reason());

        ModelFit preferred = report.preferredFit();
        out.println();
        out.println("serial fraction, two estimates:");
        out.printf(Locale.ROOT, "  fitted to the wall times      S = %.4f  Amdahl ceiling %s%n",
                preferred.serialFraction(), DemoRunner.ceiling(preferred.law().limit()));
        result.jobStats().ifPresentOrElse(stats -> {
            ScalingBenchmark.Run last = result.runs().get(result.runs().size() - 1);
            out.printf(Locale.ROOT, "  measured by the job itself    S = %.4f  Amdahl ceiling %s"
                            + "  (last run, %d workers: %.3f s serial in this process, %.3f s in tasks)%n",
                    stats.serialFraction(), DemoRunner.ceiling(stats.ceiling()), last.workers(), stats.serialSeconds(),
                    stats.parallelSeconds());
            out.println("  " + comparison(preferred.serialFraction(), stats));
        }, () -> out.println("  measured by the job itself    (the job reports no statistics)"));

        out.println();
        out.printf(Locale.ROOT, "predicted (%s, S = %.4f):%n",
                report.modelChoice().preferred() == Model.AMDAHL ? "Amdahl" : "with overhead", preferred.serialFraction());
        for (Prediction p : report.predictions()) {
            out.printf(Locale.ROOT, "%9d  %7.2fx  %8.1f %%%n", p.workers(), p.speedup(), 100 * p.efficiency());
        }

        Advice advice = report.advice();
        out.println();
        out.println("recommendation:");
        out.printf(Locale.ROOT, "  %-31s %s%n", String.format(Locale.ROOT, "efficiency >= %.0f %%:", 100 * advice.targetEfficiency()),
                advice.workersAtTargetEfficiency() == null ? "any number of workers"
                        : "up to " + workers(advice.workersAtTargetEfficiency()));
        out.printf(Locale.ROOT, "  %-31s %s%n", "gain >= " + plain(advice.minGain()) + " per added worker:",
                advice.workersAtDiminishingReturns() == null ? "any number of workers"
                        : "up to " + workers(advice.workersAtDiminishingReturns())
                        + "; one more adds less than " + plain(advice.minGain()) + " to the speedup");
        if (advice.peakWorkers() != null) {
            out.printf(Locale.ROOT, "  %-31s %.2fx at %s; more make the job slower%n", "overhead peak:",
                    advice.peakSpeedup(), workers(advice.peakWorkers()));
        }
        out.flush();
    }

    private static void printFit(PrintWriter out, String label, ModelFit fit) {
        out.printf(Locale.ROOT, "  %s  S = %.4f  T1 = %.3f s%s  rms error %.2f %%%n", label, fit.serialFraction(),
                fit.workSeconds(), fit.model() == Model.AMDAHL ? "" : String.format(Locale.ROOT, "  c = %.3g s",
                        fit.overheadSecondsPerWorker()), 100 * fit.rmsRelativeError());
    }

    /**
     * What the gap between the two estimates says. The thresholds are deliberately loose: on a few
     * noisy runs only a clear difference means anything.
     */
    static String comparison(double fitted, JobStats measured) {
        double own = measured.serialFraction();
        if (fitted > 2 * own && fitted - own > 0.01) {
            return "the fit is higher: most of what limits this job is not its serial code but overhead its events"
                    + " do not see (the broker, scheduling, cores and memory the workers share)";
        }
        if (own > 2 * fitted && own - fitted > 0.01) {
            return "the fit is lower than the job's own figure: the runs are too few or too noisy to resolve S;"
                    + " use larger jobs or more --repeat";
        }
        return "they agree: the job's serial part (submitting, combining) is what limits it";
    }

    private static String workers(int n) {
        return n + (n == 1 ? " worker" : " workers");
    }

    private static String plain(double value) {
        return java.math.BigDecimal.valueOf(value).stripTrailingZeros().toPlainString();
    }

    private void writeFiles(DemoJob job, ScalingBenchmark.Result result) throws Exception {
        if (json != null) {
            Map<String, Object> document = new LinkedHashMap<>();
            document.put("job", job.name());
            document.put("description", job.description());
            document.put("pool", pool.name().toLowerCase(Locale.ROOT));
            document.put("repeat", repeat);
            document.putAll(result.toMap());
            Files.writeString(json, new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
                    .writeValueAsString(document) + "\n");
            out().println("wrote " + json);
        }
        if (html != null) {
            Files.writeString(html, result.toHtml(job.description()));
            out().println("wrote " + html);
        }
        if (plot != null) {
            // a chart needs no display; without this AWT may look for one
            if (System.getProperty("java.awt.headless") == null) {
                System.setProperty("java.awt.headless", "true");
            }
            SpeedupChart.of(result.report()).write(plot);
            out().println("wrote " + plot);
        }
    }
}
