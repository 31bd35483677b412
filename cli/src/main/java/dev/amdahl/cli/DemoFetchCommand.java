package dev.amdahl.cli;

import dev.amdahl.Amdahl;
import dev.amdahl.Pool;
import dev.amdahl.Worker;
import dev.amdahl.WorkerOptions;
import dev.amdahl.examples.FetchJob;
import dev.amdahl.examples.Footprint;
import dev.amdahl.examples.JobRun;
import dev.amdahl.examples.LatencyServer;
import dev.amdahl.spi.UrlMasking;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code amdahl demo fetch}: I/O-bound downloads from a slow local server, on each pool with the same
 * concurrency, with the wall time, rate, memory and threads of each.
 */
@Command(name = "fetch",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        header = "Download from a slow local server on the thread, virtual-thread and process pools.",
        description = {"I/O-bound work: each task downloads an item from an HTTP server that this command starts on"
                + " loopback and that answers after --latency. The same tasks run on each pool with the same"
                + " concurrency, one worker in this process each time, and a line per pool gives the wall time,"
                + " tasks per second, and the peak memory and operating-system threads of this JVM and the pool's"
                + " child JVMs.",
                "The wall time is about tasks x latency / concurrency on any number of cores: waiting tasks need"
                + " threads, not cores, and a thread that waits is cheapest as a virtual thread (Java 21 and newer;"
                + " on an older runtime that pool is left out, saying so). Compare 'amdahl demo mandelbrot', whose"
                + " tasks compute and stop scaling at the core count."},
        footer = {
            "",
            "Examples:",
            "  amdahl demo fetch",
            "  amdahl demo fetch --tasks 5000 --concurrency 500 --pools threads,virtual",
            "  amdahl demo fetch --broker redis://127.0.0.1:6379",
            "      (served by 'amdahl worker --broker redis://127.0.0.1:6379 --concurrency 10' run elsewhere on this"
                    + " machine: the server is on loopback)",
        })
final class DemoFetchCommand extends CliCommand {

    /** How often the footprint is sampled during a timed run. */
    private static final Duration SAMPLE_EVERY = Duration.ofMillis(10);

    @Option(names = "--tasks", paramLabel = "N", defaultValue = "200",
            description = "How many downloads, one task each, per pool (default: ${DEFAULT-VALUE}).")
    int tasks;

    @Option(names = {"-c", "--concurrency"}, paramLabel = "N", defaultValue = "10",
            description = "How many tasks each pool runs at once: threads, virtual threads or child JVMs"
                    + " (default: ${DEFAULT-VALUE}).")
    int concurrency;

    @Option(names = "--latency", paramLabel = "DURATION", converter = Converters.DurationConverter.class, defaultValue = "50ms",
            description = "How long the server waits before each answer (default: ${DEFAULT-VALUE}).")
    Duration latency;

    @Option(names = "--bytes", paramLabel = "N", defaultValue = "4096",
            description = "The size of each answer (default: ${DEFAULT-VALUE}).")
    int bytes;

    @Option(names = "--pools", paramLabel = "POOL,POOL...", hideParamSyntax = true, split = ",",
            converter = Converters.PoolConverter.class, completionCandidates = Converters.PoolNames.class,
            description = "The pools to time, in order (default: threads, virtual where this JVM is Java 21 or"
                    + " newer, and processes). With --broker and without --pools, workers elsewhere do the work.")
    List<Pool> pools;

    @Option(names = "--broker", paramLabel = "URL",
            description = "The broker to submit to (default: memory://, the embedded one). With another broker and"
                    + " without --pools, workers started elsewhere on this machine with 'amdahl worker --broker URL'"
                    + " do the work.")
    String broker;

    @Option(names = "--backend", paramLabel = "URL", description = Brokers.BACKEND_DESCRIPTION
            + " With workers elsewhere, the one they report to.")
    String backend;

    @Override
    int execute() {
        if (concurrency < 1 || concurrency > 10_000) {
            throw usageError("--concurrency " + concurrency + ": run 1 to 10000 tasks at once");
        }
        if (pools != null && pools.contains(Pool.VIRTUAL) && !virtualThreads()) {
            throw usageError("--pools virtual: virtual threads need Java 21 or newer, and this is Java "
                    + Runtime.version().feature() + " (" + System.getProperty("java.home") + "). Run it on a newer JDK"
                    + " (JAVA_HOME=/path/to/jdk-21 ./amdahl demo fetch), or leave virtual out of --pools");
        }
        PrintWriter out = out();
        try (LatencyServer server = startServer()) {
            FetchJob job;
            try {
                job = new FetchJob(server.uri(), tasks, latency);
            } catch (IllegalArgumentException e) {
                throw usageError(e.getMessage());
            }
            out.println(job.description());
            List<Pool> timed = pools != null ? List.copyOf(new LinkedHashSet<>(pools))
                    : Brokers.isEmbedded(broker) ? defaultPools() : List.of();
            if (timed.isEmpty()) {
                runElsewhere(job, out);
                out.println(String.format(Locale.ROOT, "waiting alone: %d x %d ms = %.3f s one at a time; divided by how many"
                        + " tasks the workers run at once, whatever their cores", tasks, latency.toMillis(), seconds(job.idealWallTime(1))));
            } else {
                runOnEachPool(job, timed, out);
                out.println(String.format(Locale.ROOT, "waiting alone: %d x %d ms at %d at once = %.3f s whatever the cores (one"
                                + " at a time: %.3f s; this machine has %d cores)", tasks, latency.toMillis(), concurrency,
                        seconds(job.idealWallTime(concurrency)), seconds(job.idealWallTime(1)), Runtime.getRuntime().availableProcessors()));
            }
        }
        return OK;
    }

    private LatencyServer startServer() {
        try {
            return LatencyServer.start(latency, bytes);
        } catch (IllegalArgumentException e) {
            throw usageError("--latency " + Durations.format(latency) + " --bytes " + bytes + ": " + e.getMessage());
        }
    }

    private static boolean virtualThreads() {
        return Runtime.version().feature() >= 21;
    }

    private List<Pool> defaultPools() {
        if (virtualThreads()) {
            return List.of(Pool.THREADS, Pool.VIRTUAL, Pool.PROCESSES);
        }
        out().println("no virtual-thread pool: this is Java " + Runtime.version().feature() + ", and virtual threads need"
                + " Java 21 or newer (run it on a newer JDK to compare them: JAVA_HOME=/path/to/jdk-21 ./amdahl demo fetch)");
        return List.of(Pool.THREADS, Pool.PROCESSES);
    }

    private void runOnEachPool(FetchJob job, List<Pool> timed, PrintWriter out) {
        out.println("on " + (broker == null ? "the embedded broker" : UrlMasking.mask(broker)) + Brokers.resultsNote(broker, backend)
                + "; each pool: one worker in this process running " + concurrency + " tasks at once");
        printHeader(out);
        for (Pool pool : timed) {
            try (Amdahl app = Brokers.open(spec, broker, backend, List.of(job.catalog()), null);
                 Worker worker = app.startWorker(WorkerOptions.builder().concurrency(concurrency).pool(pool).build())) {
                job.warmUp(app);
                Footprint.Peak sampling = Footprint.peakDuring(SAMPLE_EVERY);
                JobRun run;
                try {
                    run = timed(app, job, name(pool), out);
                } finally {
                    sampling.close();
                }
                printRow(out, name(pool), run, sampling.peak());
            }
        }
        out.println("(memory and threads: the peak of the timed run, this JVM and the pool's child JVMs together)");
    }

    private void runElsewhere(FetchJob job, PrintWriter out) {
        try (Amdahl app = Brokers.open(spec, broker, backend, List.of(job.catalog()), null)) {
            out.println("on " + UrlMasking.mask(broker) + Brokers.resultsNote(broker, backend) + ", served by workers elsewhere"
                    + " on this machine (start them with 'amdahl worker --broker " + UrlMasking.mask(broker)
                    + (backend == null ? "" : " --backend " + UrlMasking.mask(backend)) + " --concurrency " + concurrency
                    + "'); waiting for " + job.taskCount() + " tasks");
            printHeader(out);
            job.warmUp(app);
            printRow(out, "elsewhere", timed(app, job, "elsewhere", out), Optional.empty());
        }
    }

    private static JobRun timed(Amdahl app, FetchJob job, String label, PrintWriter out) {
        return DemoRunner.withProgress(out, String.format(Locale.ROOT, "%10s", label), progress -> job.run(app, progress));
    }

    private static String name(Pool pool) {
        return pool.name().toLowerCase(Locale.ROOT);
    }

    private static void printHeader(PrintWriter out) {
        out.println("  pool         wall time     tasks/s   peak memory   peak threads");
        out.flush();
    }

    private static void printRow(PrintWriter out, String pool, JobRun run, Optional<Footprint> peak) {
        String memory = peak.map(p -> String.format(Locale.ROOT, "%7.1f MiB", p.residentBytes() / (1024.0 * 1024))).orElse("-");
        String threads = peak.map(p -> Integer.toString(p.threads())).orElse("-");
        out.println(String.format(Locale.ROOT, "  %-10s  %8.3f s  %10.1f  %12s  %13s", pool, seconds(run.wallTime()),
                run.tasksPerSecond(), memory, threads));
        out.flush();
    }

    private static double seconds(Duration d) {
        return d.toNanos() / 1e9;
    }
}
