package dev.amdahl.cli;

import dev.amdahl.Amdahl;
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
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;

/**
 * Runs a demo job once per worker count and prints a line for each: wall time, tasks per second and
 * speedup; then the serial fraction and Amdahl ceiling that the last run measured from its own events.
 * Each count gets a fresh application (so no queue or cache carries over) with one
 * in-process worker of that concurrency.
 *
 * <p>On a broker other than the embedded one and without {@code --workers}, no worker runs here: the
 * job runs once, served by the workers that {@code amdahl worker} started elsewhere.
 */
final class DemoRunner {

    /** One timed run of the job on an application; the demo commands keep what else it produced. */
    @FunctionalInterface
    interface Body {
        JobRun run(Amdahl app, JobProgress progress);
    }

    /** The outcome of one worker count; {@code workers} is 0 for workers elsewhere. */
    record Timing(int workers, JobRun run) {
    }

    private final CommandSpec spec;
    private final DemoOptions options;
    private final PrintWriter out;
    private final boolean terminal;

    DemoRunner(CommandSpec spec, DemoOptions options) {
        this.spec = spec;
        this.options = options;
        this.out = spec.commandLine().getOut();
        // System.console() is null when stdout or stdin is redirected: then print plain lines
        this.terminal = System.console() != null;
    }

    List<Timing> run(DemoJob job, Body body) {
        List<Integer> counts = workerCounts();
        out.println(job.description());
        List<Timing> timings = new ArrayList<>();
        if (counts.isEmpty()) {
            try (Amdahl app = open(job)) {
                out.println("on " + UrlMasking.mask(options.broker) + Brokers.resultsNote(options.broker, options.backend)
                        + ", served by workers elsewhere (start them with 'amdahl worker --broker " + UrlMasking.mask(options.broker)
                        + (options.backend == null ? "" : " --backend " + UrlMasking.mask(options.backend)) + "'); waiting for "
                        + job.taskCount() + " tasks");
                printHeader();
                job.warmUp(app);
                timings.add(new Timing(0, timed(app, "elsewhere", body)));
                printRow("elsewhere", timings.get(0).run(), null);
            }
            printStats(timings.get(0));
            return timings;
        }
        for (int n : counts) {
            try (Amdahl app = open(job);
                 Worker worker = app.startWorker(WorkerOptions.builder().concurrency(n).pool(options.pool).build())) {
                if (timings.isEmpty()) {
                    out.println("on " + (options.broker == null ? "the embedded broker" : UrlMasking.mask(options.broker))
                            + Brokers.resultsNote(options.broker, options.backend) + "; each run: one worker in this process with N " + poolName());
                    printHeader();
                    job.warmUp(app);
                }
                JobRun run = timed(app, n + (n == 1 ? " worker" : " workers"), body);
                timings.add(new Timing(n, run));
                printRow(Integer.toString(n), run, timings.get(0));
            }
        }
        if (timings.get(0).workers() != 1) {
            out.println("(speedup is against " + timings.get(0).workers() + " workers, the fewest timed)");
        }
        printStats(timings.get(timings.size() - 1));
        return timings;
    }

    private Amdahl open(DemoJob job) {
        return Brokers.open(spec, options.broker, options.backend, List.of(job.catalog()), null);
    }

    private JobRun timed(Amdahl app, String label, Body body) {
        if (!terminal) {
            return body.run(app, JobProgress.NONE);
        }
        ProgressBar bar = new ProgressBar(out, String.format(Locale.ROOT, "%12s", label));
        try {
            return body.run(app, bar);
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
        out.println("  workers   wall time     tasks/s   speedup");
        out.flush();
    }

    private void printRow(String workers, JobRun run, Timing baseline) {
        double seconds = run.wallTime().toNanos() / 1e9;
        String speedup = baseline == null ? "-"
                : String.format(Locale.ROOT, "%.2fx", baseline.run().wallTime().toNanos() / (double) run.wallTime().toNanos());
        out.println(String.format(Locale.ROOT, "%9s  %8.3f s  %10.1f  %8s", workers, seconds, run.tasksPerSecond(), speedup));
        out.flush();
    }
}
