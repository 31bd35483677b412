package dev.amdahl.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.amdahl.Amdahl;
import dev.amdahl.Pool;
import dev.amdahl.ScalableJob;
import dev.amdahl.ScalingBenchmark;
import dev.amdahl.TaskCatalog;
import dev.amdahl.WorkerOptions;
import dev.amdahl.examples.DemoJob;
import dev.amdahl.examples.DemoJobs;
import dev.amdahl.examples.MandelbrotJob;
import dev.amdahl.examples.PiJob;
import dev.amdahl.examples.SyntheticJob;
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
import dev.amdahl.scaling.WeakScalingReport;
import dev.amdahl.spi.UrlMasking;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.IntFunction;
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
        header = "Time a job at several worker counts, fit Amdahl's law, check it, and advise a worker count.",
        description = {
            "--repeat rounds, each visiting every worker count in increasing order (1,2,4,1,2,4,...), so that a machine",
            "getting busier slows every count alike; each visit opens a fresh application with one worker of that many",
            "slots in this process, runs the job once untimed (warm-up), then once timed. The medians are fitted to",
            "T(n) = T1*(S + (1-S)/n), and with 3 or more counts also to the same plus c*n, a cost per worker; the fit",
            "with the lower AICc is preferred (5 or more counts are needed to tell them apart). Printed: the runs and",
            "their spread, the speedups, Karp-Flatt's serial fraction per count, both fits (no error figure for a fit",
            "with as many counts as coefficients), S with a 95 % bootstrap interval from the repeats, the --predict",
            "counts run and set against the fit's prediction, one advised worker count and the rule behind it, and",
            "beside the fitted S the serial fraction the job measured from its own events. A speedup above n",
            "(superlinear: caches, warm-up) is reported instead of fitted.",
            "",
            "--weak measures Gustafson's scaled speedup instead: n workers get n times the work of one (synthetic: n",
            "times the tasks, the same serial part; pi: n times the samples and chunks; --job: size n). Per run the",
            "serial share s' = 1 - P/(n*T) (P: the tasks' own time summed, T: the wall time) gives the scaled speedup",
            "S(n) = n - s'*(n - 1); one s' is fitted with a 95 % bootstrap interval, the --predict counts are checked",
            "against it, and the advice is the largest n whose predicted scaled efficiency S(n)/n stays at or above",
            "--target-efficiency.",
            "",
        },
        footer = {
            "",
            "Examples:",
            "  amdahl scale synthetic --serial-fraction 0.05 --task-ms 10 --tasks 64 --workers 1,2,4,8 --predict 16,32",
            "  amdahl scale synthetic --weak --serial-fraction 0.4 --task-ms 150 --tasks 2 --workers 1,2,4,8 --predict 16",
            "  amdahl scale mandelbrot --workers 1,2 --repeat 5",
            "  amdahl scale pi --workers 1,2,4,8,16 --html scale.html --json scale.json",
            "  amdahl scale mandelbrot --size 800x600 --tiles 32 --plot speedup.svg",
            "  AMDAHL_CLASSPATH=my-job.jar amdahl scale --job com.example.MyJob --broker redis://127.0.0.1:6379",
            "  amdahl scale --replicas-for-efficiency 0.8 --from scale.json --concurrency 4",
            "  amdahl scale --replica-ceiling --serial-fraction 0.02 --concurrency 4",
            "",
            "--replicas-for-efficiency E (or --replica-ceiling with --target-efficiency E) runs nothing: it prints on",
            "standard output, alone on its line, the most replicas (workers of --concurrency slots each) whose predicted",
            "efficiency stays at or above E, for an autoscaler's maximum (KEDA's maxReplicaCount, a Slurm node count);",
            "why, on standard error.",
            "",
            "--job CLASS times a job of your own: a class on AMDAHL_CLASSPATH implementing dev.amdahl.ScalableJob. On a",
            "shared --broker, no other worker may serve the queue while it runs, or the counts mean nothing.",
            "",
            "Speedups on a shared or busy machine are noisy: use --repeat 5 or more and a job of a second or more.",
        })
final class ScaleCommand extends CliCommand {

    @Parameters(index = "0", arity = "0..1", paramLabel = "JOB", completionCandidates = JobNames.class,
            description = "The job to time: ${COMPLETION-CANDIDATES} (none with --job or --replica-ceiling).")
    String jobName;

    @Option(names = "--job", paramLabel = "CLASS",
            description = "Time a job of your own instead: a class on AMDAHL_CLASSPATH implementing dev.amdahl.ScalableJob.")
    String jobClass;

    @Option(names = "--broker", paramLabel = "URL",
            description = "Where the job's tasks travel (default: the embedded broker). The worker runs in this process;"
                    + " no other may serve the queue meanwhile.")
    String broker;

    @Option(names = "--backend", paramLabel = "URL", description = Brokers.BACKEND_DESCRIPTION)
    String backend;

    @Option(names = "--weak",
            description = "Weak scaling (Gustafson's law): give n workers n times the work of one and measure the scaled"
                    + " speedup and the serial share s' instead of Amdahl's speedup (synthetic, pi, --job).")
    boolean weak;

    @Option(names = "--replicas-for-efficiency", paramLabel = "E",
            description = "Run nothing; print the largest number of replicas whose predicted efficiency stays at or above"
                    + " E, from --serial-fraction or --from FILE: --replica-ceiling --target-efficiency E.")
    Double replicasForEfficiency;

    @Option(names = "--replica-ceiling",
            description = "Run nothing; print the most replicas worth running at --target-efficiency, from"
                    + " --serial-fraction or from --from FILE (the --json of an earlier run).")
    boolean replicaCeiling;

    @Option(names = "--serial-fraction", paramLabel = "S",
            description = "synthetic: the serial fraction to build in, in [0, 1) (default 0.05). --replica-ceiling: the"
                    + " job's serial fraction, in [0, 1] (from 'amdahl scale', a group's stats or the dashboard).")
    Double serialFraction;

    @Option(names = "--task-ms", paramLabel = "T",
            description = "synthetic: how long each task waits, in milliseconds (default: 10).")
    Double taskMillis;

    @Option(names = "--tasks", paramLabel = "N", description = "synthetic: how many tasks one run submits (default: 64).")
    Integer taskCount;

    @Option(names = "--from", paramLabel = "FILE",
            description = "--replica-ceiling: the JSON an earlier 'amdahl scale ... --json FILE' wrote; its preferred"
                    + " fit (with its cost per worker, if that model won) is used.")
    Path from;

    @Option(names = {"-c", "--concurrency"}, paramLabel = "N", defaultValue = "1",
            description = "--replica-ceiling: the slots (worker --concurrency) of each replica; the law counts slots"
                    + " (default: ${DEFAULT-VALUE}).")
    int concurrency;

    @Option(names = {"-w", "--workers"}, paramLabel = "N,N...", hideParamSyntax = true, split = ",",
            description = "Worker counts to time the job at, at least two distinct ones (default: 1, 2, 4, ... up to"
                    + " this machine's core count, and at least 1,2).")
    List<Integer> workers;

    @Option(names = {"-r", "--repeat"}, paramLabel = "N", defaultValue = "3",
            description = "Rounds over all worker counts: timed runs per count, each after an untimed warm-up; the"
                    + " median is fitted, the spread shown, the repeats give S its interval (default: ${DEFAULT-VALUE}).")
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
            description = "Worker counts to run in every round but leave out of the fit, to check its predictions:"
                    + " printed as predicted against measured, with the error.")
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

    /**
     * What gets timed: a demo job or one of the user's, as the benchmark runs it; {@code atSize} is the job with
     * {@code k} times the work, for --weak (null when the job cannot grow).
     */
    private record Target(String name, String description, Class<? extends TaskCatalog> catalog,
                          ScalingBenchmark.Job job, IntFunction<ScalingBenchmark.Job> atSize) {
    }

    @Override
    int execute() throws Exception {
        if (replicasForEfficiency != null) {
            if (spec.commandLine().getParseResult().hasMatchedOption("--target-efficiency")) {
                throw usageError("--replicas-for-efficiency E is --replica-ceiling --target-efficiency E: give one of them");
            }
            replicaCeiling = true;
            targetEfficiency = replicasForEfficiency;
        }
        if (replicaCeiling) {
            if (weak) {
                throw usageError("--weak times a job; --replica-ceiling runs none: give one of them");
            }
            return printReplicaCeiling();
        }
        if (from != null || (serialFraction != null && !"synthetic".equals(jobName))) {
            throw usageError("--serial-fraction and --from go with --replica-ceiling (or --serial-fraction with the"
                    + " synthetic job)");
        }
        if (jobName == null && jobClass == null) {
            throw usageError("Missing required parameter: 'JOB': choose "
                    + DemoJobs.all().stream().map(DemoJob::name).collect(Collectors.joining(" or "))
                    + ", give --job CLASS, or give --replica-ceiling");
        }
        if (jobName != null && jobClass != null) {
            throw usageError("give a demo JOB or --job CLASS, not both");
        }
        // everything is checked before the first run: a typo should not cost a minute of benchmarking
        Target target = jobClass != null ? userJob() : demo(job());
        if (weak && target.atSize() == null) {
            throw usageError("--weak needs a job whose work can grow with the workers: the " + target.name()
                    + " job cannot (its cost depends on where in the picture a tile lies); use synthetic, pi or --job CLASS");
        }
        ScalingAnalysis analysis = analysis();
        ScalingBenchmark.Builder benchmark = ScalingBenchmark.builder();
        try {
            benchmark.workers(workers == null ? defaultWorkers() : workers).repeat(repeat);
        } catch (IllegalArgumentException e) {
            throw usageError((e.getMessage().startsWith("repeat") ? "--repeat: " : "--workers: ") + e.getMessage());
        }
        if (predict != null) {
            try {
                benchmark.heldOut(predict);
            } catch (IllegalArgumentException e) {
                throw usageError("--predict: " + e.getMessage() + " (--predict counts are run but left out of the fit)");
            }
        }
        OutputFile.check(spec, "--json", json, List.of("json"));
        OutputFile.check(spec, "--html", html, List.of("html", "htm"));
        OutputFile.check(spec, "--plot", plot, LawCommand.CHART_FORMATS);
        // opened once before timing anything, so that a bad URL is a usage error, not a failure mid-run
        Brokers.open(spec, broker, backend, List.of(target.catalog()), null).close();

        PrintWriter out = out();
        out.println(target.description());
        out.println("on " + (Brokers.isEmbedded(broker) ? "the embedded broker" : UrlMasking.mask(broker))
                + Brokers.resultsNote(broker, backend) + "; " + repeat + " round" + (repeat == 1 ? "" : "s")
                + " over the worker counts, each visit a fresh application and one worker of N " + poolName()
                + ", a warm-up run, then a timed run" + (weak ? "; weak scaling: N workers get N times the work" : ""));
        if (!Brokers.isEmbedded(broker)) {
            out.println("(no other worker may serve this broker's queue while this runs: it would take part of the work)");
        }
        out.flush();
        ScalingBenchmark built = benchmark
                .workerOptions(WorkerOptions.builder().pool(pool).build())
                .analysis(analysis)
                .onRun(this::printRun)
                .build();
        if (weak) {
            ScalingBenchmark.WeakResult result = built.runWeak(
                    () -> Brokers.open(spec, broker, backend, List.of(target.catalog()), null), target.atSize());
            out.println();
            printWeakReport(out, result.report());
            writeWeakFiles(target, result);
            return OK;
        }
        ScalingBenchmark.Result result = built
                .run(() -> Brokers.open(spec, broker, backend, List.of(target.catalog()), null), target.job());
        out.println();

        printReport(out, result);
        writeFiles(target, result);
        return OK;
    }

    private static Target demo(DemoJob job) {
        IntFunction<ScalingBenchmark.Job> atSize = null;
        if (job instanceof SyntheticJob synthetic) {
            // Gustafson's scaled problem: n times the tasks, the same serial part
            atSize = n -> synthetic.scaled(n).benchmark();
        } else if (job instanceof PiJob pi) {
            atSize = n -> new PiJob(pi.samples() * n, pi.chunkCount() * n, pi.seed()).benchmark();
        }
        return new Target(job.name(), job.description(), job.catalog(), job.benchmark(), atSize);
    }

    /** The user's {@link ScalableJob}, loaded from the class path and made once, at size 1. */
    private Target userJob() {
        Class<?> type;
        try {
            type = Class.forName(jobClass, true, Thread.currentThread().getContextClassLoader());
        } catch (ClassNotFoundException | LinkageError e) {
            throw usageError("--job " + jobClass + ": no such class on the class path. Check the name, and put the jar"
                    + " that holds it on the class path (AMDAHL_CLASSPATH=my-job.jar ./amdahl scale --job ...)");
        }
        if (!ScalableJob.class.isAssignableFrom(type)) {
            throw usageError("--job " + jobClass + ": the class does not implement dev.amdahl.ScalableJob");
        }
        ScalableJob<?> job;
        try {
            job = (ScalableJob<?>) type.getConstructor().newInstance();
        } catch (NoSuchMethodException | IllegalAccessException e) {
            throw usageError("--job " + jobClass + ": needs a public constructor without arguments");
        } catch (ReflectiveOperationException e) {
            Throwable cause = e.getCause() == null ? e : e.getCause();
            throw usageError("--job " + jobClass + ": its constructor failed: " + cause);
        }
        ScalableJob<?> scalable = job;
        return new Target(type.getSimpleName(), job.description(), type.asSubclass(TaskCatalog.class),
                weak ? null : job.benchmark(1), scalable::benchmark);
    }

    /**
     * The most slots whose predicted efficiency stays at the target, in whole replicas of {@code --concurrency} slots.
     * Efficiency falls as slots are added under both models, so the first miss ends the search; with a cost per
     * worker the search also stops at the speedup's peak, past which more workers make the job slower.
     */
    private int printReplicaCeiling() throws Exception {
        if (jobName != null || jobClass != null) {
            throw usageError("--replica-ceiling runs no job: drop '" + (jobName != null ? jobName : "--job " + jobClass)
                    + "', or drop --replica-ceiling to time it");
        }
        if ((serialFraction == null) == (from == null)) {
            throw usageError("--replica-ceiling needs one of --serial-fraction S or --from FILE (the --json of an"
                    + " earlier 'amdahl scale' run)");
        }
        if (concurrency < 1) {
            throw usageError("--concurrency " + concurrency + ": must be at least 1, the slots of each replica");
        }
        if (!(targetEfficiency > 0.0 && targetEfficiency <= 1.0)) {
            throw usageError("--target-efficiency " + targetEfficiency + ": must be in (0, 1], e.g. 0.8 for 80 %");
        }
        ModelFit fit = serialFraction != null ? givenFit(serialFraction) : fitFrom(from);
        Integer most = fit.workersForEfficiency(targetEfficiency);
        if (most == null) {
            throw new IllegalArgumentException(String.format(Locale.ROOT, "with S = %s and no cost per worker every"
                    + " count stays %.0f %% efficient: Amdahl's law sets no ceiling; choose the maximum by cost",
                    plain(fit.serialFraction()), 100 * targetEfficiency));
        }
        int slots = most;
        int replicas = Math.max(1, slots / concurrency);
        out().println(replicas);
        err().printf(Locale.ROOT, "S = %.4f%s: up to %d slot(s) stay %.0f %% efficient (speedup %.2fx); %d replica(s) of %d"
                        + " slot(s) = %d slot(s), speedup %.2fx, efficiency %.1f %%, ceiling %s%n",
                fit.serialFraction(), fit.overheadSecondsPerWorker() > 0 ? String.format(Locale.ROOT, ", c = %.3g s per worker",
                        fit.overheadSecondsPerWorker()) : "",
                slots, 100 * targetEfficiency, fit.speedup(slots), replicas, concurrency, replicas * concurrency,
                fit.speedup(replicas * concurrency), 100 * fit.speedup(replicas * concurrency) / (replicas * concurrency),
                DemoRunner.ceiling(fit.law().limit()));
        if (concurrency > slots) {
            err().printf(Locale.ROOT, "one replica of %d slots is already past the %d that stay efficient: run fewer slots"
                    + " per replica (worker --concurrency %d), or accept the lower efficiency%n", concurrency, slots, slots);
        }
        return OK;
    }

    private ModelFit givenFit(double s) {
        if (!(s >= 0.0 && s <= 1.0)) {
            throw usageError("--serial-fraction " + s + ": must be in [0, 1], e.g. 0.02 for 2 % serial");
        }
        return ModelFit.ofSerialFraction(s);
    }

    /** The preferred fit of a report written by {@code --json}, read strictly: a file that is not one is an error. */
    private ModelFit fitFrom(Path file) throws Exception {
        if (!Files.isRegularFile(file)) {
            throw usageError("--from " + file + ": no such file; write one with 'amdahl scale JOB --json " + file + "'");
        }
        JsonNode report;
        try {
            report = new ObjectMapper().readTree(file.toFile()).path("report");
        } catch (JsonProcessingException e) {
            throw usageError("--from " + file + ": not JSON (" + e.getOriginalMessage() + ")");
        }
        String preferred = report.path("modelChoice").path("preferred").asText("");
        JsonNode fit = report.path(
                Model.AMDAHL_WITH_OVERHEAD.name().equals(preferred) ? "amdahlWithOverhead" : "amdahl");
        if (!fit.path("serialFraction").isNumber() || !fit.path("workSeconds").isNumber()) {
            throw usageError("--from " + file + ": no report.amdahl.serialFraction in it; is it the --json of"
                    + " 'amdahl scale'?");
        }
        double s = fit.path("serialFraction").asDouble();
        double work = fit.path("workSeconds").asDouble();
        double overhead = fit.path("overheadSecondsPerWorker").asDouble(0.0);
        if (!(s >= 0.0 && s <= 1.0) || !(work > 0.0) || !(overhead >= 0.0)) {
            throw usageError("--from " + file + ": a fit with S = " + s + ", T1 = " + work + ", c = " + overhead
                    + " is not one 'amdahl scale' writes");
        }
        return new ModelFit(overhead > 0.0 ? Model.AMDAHL_WITH_OVERHEAD : Model.AMDAHL, s, work, overhead, 0, null, null);
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
            if (job instanceof SyntheticJob j) {
                refuse("mandelbrot", "--size", size);
                refuse("mandelbrot", "--tiles", tiles);
                refuse("mandelbrot", "--max-iterations", maxIterations);
                refuse("pi", "--samples", samples);
                refuse("pi", "--chunks", chunks);
                return new SyntheticJob(serialFraction == null ? j.serialFraction() : serialFraction,
                        taskMillis == null ? j.taskMillis() : taskMillis, taskCount == null ? j.tasks() : taskCount);
            }
            refuse("synthetic", "--task-ms", taskMillis);
            refuse("synthetic", "--tasks", taskCount);
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

    private String poolName() {
        return switch (pool) {
            case THREADS -> "platform threads";
            case VIRTUAL -> "virtual threads";
            case PROCESSES -> "child processes";
        };
    }

    /** One line per round, each count's time appended as it finishes. */
    private void printRun(ScalingBenchmark.Run run) {
        PrintWriter out = out();
        int first = workers == null ? 1 : workers.stream().mapToInt(Integer::intValue).min().orElse(1);
        if (predict != null) {
            first = Math.min(first, predict.stream().mapToInt(Integer::intValue).min().orElse(first));
        }
        if (run.workers() == first) {
            if (run.index() > 0) {
                out.println();
            }
            out.printf(Locale.ROOT, "round %d:", run.index() + 1);
        }
        out.printf(Locale.ROOT, "  %d: %.3f s", run.workers(), run.seconds());
        out.flush();
    }

    private void printReport(PrintWriter out, ScalingBenchmark.Result result) {
        ScalingReport report = result.report();
        out.println();
        out.printf(Locale.ROOT, "%9s  %4s  %11s  %21s  %7s  %8s  %10s  %15s%n", "workers", "runs", "median T(n)",
                "fastest - slowest", "spread", "speedup", "efficiency", "Karp-Flatt e(n)");
        for (Measurement m : report.measurements()) {
            out.printf(Locale.ROOT, "%9d  %4d  %9.3f s  %9.3f - %7.3f s  %5.1f %%  %7.2fx  %8.1f %%  %15s%n", m.workers(),
                    m.samples(), m.medianSeconds(), m.minSeconds(), m.maxSeconds(), 100 * m.relativeSpread(), m.speedup(),
                    100 * m.efficiency(), m.karpFlatt() == null ? "-" : String.format(Locale.ROOT, "%.4f", m.karpFlatt()));
        }
        if (!report.baselineMeasured()) {
            out.printf(Locale.ROOT, "(speedups against the fitted T(1) = %.3f s: 1 worker was not run)%n",
                    report.baselineSeconds());
        }
        if (!report.warnings().isEmpty()) {
            out.println();
            for (String warning : report.warnings()) {
                out.println("warning: " + warning);
            }
        }
        if (!report.superlinear().isEmpty()) {
            // Amdahl's law cannot describe these timings: no fit, no advice, only the measurements above
            out.flush();
            return;
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
        ScalingReport.Interval interval = report.serialFractionInterval();
        out.println();
        out.println("serial fraction, two estimates:");
        out.printf(Locale.ROOT, "  fitted to the wall times      S = %.4f  %s  Amdahl ceiling %s%n",
                preferred.serialFraction(), interval == null ? "(no interval: one run per count)"
                        : String.format(Locale.ROOT, "%.0f %% interval %.4f - %.4f", 100 * interval.confidence(),
                        interval.low(), interval.high()), DemoRunner.ceiling(preferred.law().limit()));
        result.jobStats().ifPresentOrElse(stats -> {
            ScalingBenchmark.Run last = result.runs().get(result.runs().size() - 1);
            out.printf(Locale.ROOT, "  measured by the job itself    S = %.4f  Amdahl ceiling %s"
                            + "  (last run, %d workers: %.3f s serial in this process, %.3f s in tasks)%n",
                    stats.serialFraction(), DemoRunner.ceiling(stats.ceiling()), last.workers(), stats.serialSeconds(),
                    stats.parallelSeconds());
            out.println("  " + comparison(preferred.serialFraction(), stats));
        }, () -> out.println("  measured by the job itself    (the job reports no statistics)"));

        if (!report.heldOut().isEmpty()) {
            out.println();
            out.println("predictions checked against runs left out of the fit:");
            out.printf(Locale.ROOT, "%9s  %4s  %11s  %11s  %21s  %9s  %9s  %7s%n", "workers", "runs", "predicted",
                    "measured", "fastest - slowest", "predicted", "measured", "error");
            for (ScalingReport.HeldOut h : report.heldOut()) {
                out.printf(Locale.ROOT, "%9d  %4d  %9.3f s  %9.3f s  %9.3f - %7.3f s  %8.2fx  %8.2fx  %+6.1f %%%n",
                        h.workers(), h.samples(), h.predictedSeconds(), h.measuredSeconds(), h.minSeconds(),
                        h.maxSeconds(), h.predictedSpeedup(), h.measuredSpeedup(), 100 * h.relativeError());
            }
        }

        out.println();
        out.printf(Locale.ROOT, "predicted (%s, S = %.4f):%n",
                report.modelChoice().preferred() == Model.AMDAHL ? "Amdahl" : "with overhead", preferred.serialFraction());
        for (Prediction p : report.predictions()) {
            out.printf(Locale.ROOT, "%9d  %7.2fx  %8.1f %%%n", p.workers(), p.speedup(), 100 * p.efficiency());
        }

        Advice advice = report.advice();
        out.println();
        out.printf(Locale.ROOT, "recommendation: %s%n", advice.workers() == null ? "any number of workers"
                : String.format(Locale.ROOT, "%s (speedup %.2fx, efficiency %.1f %%)", workers(advice.workers()),
                advice.speedup(), 100 * advice.efficiency()));
        out.println("  rule: " + advice.rule());
        out.println("  ceiling 1/S: " + (advice.ceiling() == null ? "none" : String.format(Locale.ROOT, "%.2fx",
                advice.ceiling())) + ", whatever the number of workers");
        out.println("other criteria:");
        out.printf(Locale.ROOT, "  %-44s %s%n", String.format(Locale.ROOT, "efficiency >= %.0f %% (--target-efficiency):",
                100 * advice.targetEfficiency()), advice.workersAtTargetEfficiency() == null ? "any number of workers"
                : "up to " + workers(advice.workersAtTargetEfficiency()));
        if (advice.peakWorkers() != null) {
            out.printf(Locale.ROOT, "  %-44s %.2fx at %s; more make the job slower%n", "highest speedup (overhead peak):",
                    advice.peakSpeedup(), workers(advice.peakWorkers()));
        }
        out.flush();
    }

    private void printWeakReport(PrintWriter out, WeakScalingReport report) {
        out.println();
        out.printf(Locale.ROOT, "%9s  %4s  %13s  %21s  %7s  %13s  %14s  %15s%n", "workers", "runs", "median T(n,nw)",
                "fastest - slowest", "spread", "serial s'(n)", "scaled speedup", "weak efficiency");
        for (WeakScalingReport.Measurement m : report.measurements()) {
            out.printf(Locale.ROOT, "%9d  %4d  %12.3f s  %9.3f - %7.3f s  %5.1f %%  %13s  %13.2fx  %15s%n", m.workers(),
                    m.samples(), m.medianSeconds(), m.minSeconds(), m.maxSeconds(), 100 * m.relativeSpread(),
                    m.serialShare() == null ? "-" : String.format(Locale.ROOT, "%.4f", m.serialShare()), m.scaledSpeedup(),
                    m.weakEfficiency() == null ? "-" : String.format(Locale.ROOT, "%.1f %%", 100 * m.weakEfficiency()));
        }
        out.println(report.estimate() == WeakScalingReport.Estimate.TASK_TIMES
                ? "(s'(n) = 1 - P/(n*T): the share of the run not covered by the tasks' own time P spread over n workers;"
                + " weak efficiency T(1, w)/T(n, n*w))"
                : "(from wall times alone: scaled speedup n*T(1, w)/T(n, n*w); weak efficiency T(1, w)/T(n, n*w))");
        if (!report.warnings().isEmpty()) {
            out.println();
            for (String warning : report.warnings()) {
                out.println("warning: " + warning);
            }
        }
        ScalingReport.Interval interval = report.serialFractionInterval();
        out.println();
        out.println("fitted to the scaled speedups (Gustafson, S(n) = n - s'*(n - 1)):");
        out.printf(Locale.ROOT, "  s' = %.4f  %s  %s%n", report.serialFraction(), interval == null
                        ? "(no interval: one run per count)" : String.format(Locale.ROOT, "%.0f %% interval %.4f - %.4f",
                        100 * interval.confidence(), interval.low(), interval.high()),
                report.exact() ? "exact fit: too few worker counts to test the model"
                        : String.format(Locale.ROOT, "rms error %.2f %% (%d degree%s of freedom)",
                        100 * report.rmsRelativeError(), report.degreesOfFreedom(),
                        report.degreesOfFreedom() == 1 ? "" : "s"));
        if (!report.heldOut().isEmpty()) {
            out.println();
            out.println("predictions checked against runs left out of the fit:");
            out.printf(Locale.ROOT, "%9s  %4s  %13s  %9s  %9s  %7s%n", "workers", "runs", "median T(n,nw)", "predicted",
                    "measured", "error");
            for (WeakScalingReport.HeldOut h : report.heldOut()) {
                out.printf(Locale.ROOT, "%9d  %4d  %12.3f s  %8.2fx  %8.2fx  %+6.1f %%%n", h.workers(), h.samples(),
                        h.medianSeconds(), h.predictedScaledSpeedup(), h.measuredScaledSpeedup(), 100 * h.relativeError());
            }
        }
        out.println();
        out.printf(Locale.ROOT, "predicted (Gustafson, s' = %.4f):%n", report.serialFraction());
        for (WeakScalingReport.Prediction p : report.predictions()) {
            out.printf(Locale.ROOT, "%9d  %7.2fx  %8.1f %%%n", p.workers(), p.scaledSpeedup(), 100 * p.scaledEfficiency());
        }
        WeakScalingReport.Advice advice = report.advice();
        out.println();
        out.printf(Locale.ROOT, "recommendation: %s%n", advice.workers() == null ? "any number of workers, while the"
                + " work grows with them" : String.format(Locale.ROOT, "%s (scaled speedup %.2fx, scaled efficiency"
                + " %.1f %%)", workers(advice.workers()), advice.scaledSpeedup(), 100 * advice.scaledEfficiency()));
        out.println("  rule: " + advice.rule());
        out.println("  ceiling: none; Gustafson's law has no limit while the work grows with the workers");
        out.println("other criteria:");
        out.printf(Locale.ROOT, "  %-44s %s%n", String.format(Locale.ROOT, "measured weak efficiency >= %.0f %%:",
                100 * advice.targetEfficiency()), advice.workersAtMeasuredWeakEfficiency() == null
                ? "- (1 worker not run)" : "up to " + workers(advice.workersAtMeasuredWeakEfficiency()) + " of those run");
        out.flush();
    }

    private void writeWeakFiles(Target job, ScalingBenchmark.WeakResult result) throws Exception {
        writeFiles(job, result.toMap(), () -> result.toHtml(job.description() + ", weak scaling (n workers, n times the work)"),
                () -> SpeedupChart.of(result.report()));
    }

    private static void printFit(PrintWriter out, String label, ModelFit fit) {
        out.printf(Locale.ROOT, "  %s  S = %.4f  T1 = %.3f s%s  %s%n", label, fit.serialFraction(),
                fit.workSeconds(), fit.model() == Model.AMDAHL ? "" : String.format(Locale.ROOT, "  c = %.3g s",
                        fit.overheadSecondsPerWorker()), fit.exact()
                        ? "exact fit: too few worker counts to test the model"
                        : String.format(Locale.ROOT, "rms error %.2f %% (%d degree%s of freedom)",
                        100 * fit.rmsRelativeError(), fit.degreesOfFreedom(), fit.degreesOfFreedom() == 1 ? "" : "s"));
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

    private void writeFiles(Target job, ScalingBenchmark.Result result) throws Exception {
        writeFiles(job, result.toMap(), () -> result.toHtml(job.description()), () -> SpeedupChart.of(result.report()));
    }

    /** The --json, --html and --plot files of a run, each made only when asked for. */
    private void writeFiles(Target job, Map<String, Object> resultMap, java.util.function.Supplier<String> page,
                            java.util.function.Supplier<SpeedupChart> chart) throws Exception {
        if (json != null) {
            Map<String, Object> document = new LinkedHashMap<>();
            document.put("job", job.name());
            document.put("description", job.description());
            document.put("pool", pool.name().toLowerCase(Locale.ROOT));
            document.put("repeat", repeat);
            document.putAll(resultMap);
            OutputFile.write(json, new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
                    .writeValueAsString(document) + "\n");
            out().println("wrote " + json);
        }
        if (html != null) {
            OutputFile.write(html, page.get());
            out().println("wrote " + html);
        }
        if (plot != null) {
            // a chart needs no display; without this AWT may look for one
            if (System.getProperty("java.awt.headless") == null) {
                System.setProperty("java.awt.headless", "true");
            }
            LawCommand.writeChart(chart.get(), plot);
            out().println("wrote " + plot);
        }
    }
}
