package dev.amdahl.cli;

import dev.amdahl.Amdahl;
import dev.amdahl.Pool;
import dev.amdahl.ScalingBenchmark;
import dev.amdahl.Worker;
import dev.amdahl.WorkerOptions;
import dev.amdahl.examples.DemoJob;
import dev.amdahl.examples.JobProgress;
import dev.amdahl.examples.JobRun;
import dev.amdahl.scaling.JobStats;
import dev.amdahl.spi.UrlMasking;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.TreeSet;
import java.util.function.Function;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;

/**
 * Runs a demo job at each worker count and prints a line for each: the median wall time of its runs, the
 * fastest and slowest, tasks per second and the speedup of the medians; then the serial fraction and Amdahl
 * ceiling that the last run measured from its own events. It measures as {@code amdahl scale} does:
 * {@code --repeat} rounds that each visit every count in increasing order (1, 2, 4, 1, 2, 4, ...), every
 * visit a fresh application (so no queue or cache carries over) with one in-process worker of that
 * concurrency, an untimed warm-up run on it, then the timed run. A warm-up at every count keeps the JIT
 * compiler and a cold pool out of the speedups; interleaving keeps a machine that gets busier from
 * looking like scaling. A speedup above n is flagged, not passed off as parallelism.
 *
 * <p>On a broker other than the embedded one and without {@code --workers}, no worker runs here: after one
 * warm-up the job runs {@code --repeat} times, served by the workers that {@code amdahl worker} started
 * elsewhere.
 */
final class DemoRunner {

    /** One timed run of the job on an application; the demo commands keep what else it produced. */
    @FunctionalInterface
    interface Body {
        JobRun run(Amdahl app, JobProgress progress);
    }

    /** One timed run; {@code workers} is 0 for workers elsewhere. */
    record Timing(int workers, JobRun run) {

        double seconds() {
            return run.wallTime().toNanos() / 1e9;
        }
    }

    private final CommandSpec spec;
    private final DemoOptions options;
    private final PrintWriter out;

    DemoRunner(CommandSpec spec, DemoOptions options) {
        this.spec = spec;
        this.options = options;
        this.out = spec.commandLine().getOut();
    }

    /** Every timed run in the order it ran; the last is the last round's largest count. */
    List<Timing> run(DemoJob job, Body body) {
        List<Integer> counts = workerCounts();
        int repeat = repeat(job);
        out.println(job.description());
        List<Timing> timings = new ArrayList<>();
        if (counts.isEmpty()) {
            try (Amdahl app = open(job)) {
                out.println("on " + UrlMasking.mask(options.broker) + Brokers.resultsNote(options.broker, options.backend)
                        + ", served by workers elsewhere (start them with 'amdahl worker --broker " + UrlMasking.mask(options.broker)
                        + (options.backend == null ? "" : " --backend " + UrlMasking.mask(options.backend)) + "'); waiting for "
                        + job.taskCount() + " tasks, " + runs(repeat) + " after a warm-up");
                job.warmUp(app);
                for (int i = 0; i < repeat; i++) {
                    timings.add(new Timing(0, timed(app, "elsewhere", body)));
                }
            }
            printHeader();
            printRow("elsewhere", timings, null, 0);
            printStats(timings.get(timings.size() - 1));
            return timings;
        }
        out.println("on " + (options.broker == null ? "the embedded broker" : UrlMasking.mask(options.broker))
                + Brokers.resultsNote(options.broker, options.backend) + "; " + repeat + " round" + (repeat == 1 ? "" : "s")
                + " over the worker counts, each visit one worker in this process with N " + poolName()
                + ", a warm-up run, then a timed run");
        out.flush();
        for (int round = 0; round < repeat; round++) {
            for (int n : counts) {
                try (Amdahl app = open(job);
                     Worker worker = app.startWorker(WorkerOptions.builder().concurrency(n).pool(options.pool).build())) {
                    // a process pool's children are new JVMs at every visit: each needs the first warm-up's
                    warmUp(app, job, timings.isEmpty() || options.pool == Pool.PROCESSES);
                    timings.add(new Timing(n, timed(app, n + (n == 1 ? " worker" : " workers"), body)));
                }
            }
        }
        printHeader();
        List<Timing> baseline = of(timings, counts.get(0));
        for (int n : counts) {
            printRow(Integer.toString(n), of(timings, n), baseline, n);
        }
        if (counts.size() > 1 && counts.get(0) != 1) {
            out.println("(speedup is against " + counts.get(0) + " workers, the fewest timed)");
        }
        printStats(timings.get(timings.size() - 1));
        return timings;
    }

    /**
     * One warm-up before a timed run; before the first timed run of a JVM that runs the tasks, until the warm-up's
     * time settles (one warm-up leaves a fresh child JVM of the process pool compiling while the timed run runs).
     */
    private static void warmUp(Amdahl app, DemoJob job, boolean first) {
        if (first) {
            ScalingBenchmark.warmUpUntilSteady(() -> job.warmUp(app));
        } else {
            job.warmUp(app);
        }
    }

    private static List<Timing> of(List<Timing> timings, int workers) {
        return timings.stream().filter(t -> t.workers() == workers).toList();
    }

    private int repeat(DemoJob job) {
        if (options.repeat == null) {
            return job.defaultRepeats();
        }
        if (options.repeat < 1) {
            throw new ParameterException(spec.commandLine(), "--repeat " + options.repeat + ": at least 1 timed run per worker count");
        }
        return options.repeat;
    }

    private static String runs(int n) {
        return n + (n == 1 ? " timed run" : " timed runs");
    }

    private Amdahl open(DemoJob job) {
        return Brokers.open(spec, options.broker, options.backend, List.of(job.catalog()), null);
    }

    private JobRun timed(Amdahl app, String label, Body body) {
        return withProgress(out, String.format(Locale.ROOT, "%12s", label), progress -> body.run(app, progress));
    }

    /**
     * Runs {@code run} with a progress bar labelled {@code label} when the output is a terminal, and without one
     * (plain lines only) when it is redirected.
     */
    static JobRun withProgress(PrintWriter out, String label, Function<JobProgress, JobRun> run) {
        // System.console() is null when stdout or stdin is redirected
        if (System.console() == null) {
            return run.apply(JobProgress.NONE);
        }
        ProgressBar bar = new ProgressBar(out, label);
        try {
            return run.apply(bar);
        } finally {
            bar.clear();
        }
    }

    private List<Integer> workerCounts() {
        if (options.workers == null) {
            if (!Brokers.isEmbedded(options.broker)) {
                return List.of();
            }
            int cores = Runtime.getRuntime().availableProcessors();
            return cores > 1 ? List.of(1, cores) : List.of(1);
        }
        for (int n : options.workers) {
            if (n < 1) {
                throw new ParameterException(spec.commandLine(), "--workers " + n + ": a worker count must be at least 1");
            }
        }
        // ascending, so the first run is the baseline of the speedups
        return List.copyOf(new TreeSet<>(options.workers));
    }

    private String poolName() {
        return switch (options.pool) {
            case THREADS -> "platform threads";
            case VIRTUAL -> "virtual threads";
            case PROCESSES -> "child processes";
        };
    }

    /** The run's own measurement: what Amdahl's law allows this job, without a scaling run. */
    private void printStats(Timing last) {
        JobStats stats = last.run().stats();
        String where = last.workers() == 0 ? "workers elsewhere" : last.workers() + (last.workers() == 1 ? " worker" : " workers");
        out.println(String.format(Locale.ROOT, "serial fraction S = %.4f, Amdahl ceiling %s (measured by the last run, %s:"
                        + " %.3f s serial in this process, %.3f s in tasks)",
                stats.serialFraction(), ceiling(stats.ceiling()), where, stats.serialSeconds(), stats.parallelSeconds()));
        out.flush();
    }

    /** {@code 267.5x}, or {@code none} when nothing was serial. */
    static String ceiling(double limit) {
        return Double.isInfinite(limit) ? "none" : String.format(Locale.ROOT, "%.1fx", limit);
    }

    private void printHeader() {
        out.println("  workers   median T   fastest - slowest     tasks/s   speedup");
        out.flush();
    }

    /**
     * The median of {@code runs} with their range; the speedup of the medians against {@code baseline}, flagged
     * when above {@code n}: more than n times faster than the baseline is caches or warm-up, not parallelism.
     */
    private void printRow(String workers, List<Timing> runs, List<Timing> baseline, int n) {
        double[] seconds = runs.stream().mapToDouble(Timing::seconds).sorted().toArray();
        double median = median(seconds);
        double tasksPerSecond = runs.get(0).run().tasks() / median;
        String speedup = "-";
        String flag = "";
        if (baseline != null) {
            double ratio = median(baseline.stream().mapToDouble(Timing::seconds).sorted().toArray()) / median;
            int fewest = baseline.get(0).workers();
            speedup = String.format(Locale.ROOT, "%.2fx", ratio);
            if (n > fewest && ratio > 1.02 * n / fewest) {
                flag = "  superlinear: more than " + (n / fewest) + "x is caches or warm-up, not parallelism";
            }
        }
        out.println(String.format(Locale.ROOT, "%9s  %7.3f s  %7.3f - %7.3f s  %10.1f  %8s%s", workers, median, seconds[0],
                seconds[seconds.length - 1], tasksPerSecond, speedup, flag));
        out.flush();
    }

    private static double median(double[] sorted) {
        int mid = sorted.length / 2;
        return sorted.length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2.0;
    }
}
