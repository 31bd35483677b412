package dev.amdahl.cli;

import dev.amdahl.Amdahl;
import dev.amdahl.MessageLimits;
import dev.amdahl.Pool;
import dev.amdahl.Scheduler;
import dev.amdahl.SigningKeys;
import dev.amdahl.TaskCatalog;
import dev.amdahl.Worker;
import dev.amdahl.Resources;
import dev.amdahl.WorkerOptions;
import dev.amdahl.examples.FetchTasks;
import dev.amdahl.examples.MandelbrotTasks;
import dev.amdahl.examples.MonteCarloPiTasks;
import dev.amdahl.examples.PhotoImportTasks;
import dev.amdahl.examples.RenderTasks;
import dev.amdahl.examples.WordCountTasks;
import dev.amdahl.spi.UrlMasking;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code amdahl worker}: serves tasks from a shared broker until stopped. */
@Command(name = "worker",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        header = "Serve tasks from a shared broker (Redis, ...) until stopped.",
        description = "Serve tasks from a shared broker until stopped with Ctrl-C or SIGTERM; then it stops taking tasks, lets running ones finish (up to the grace period) and gives the rest back to the broker. It knows the demo tasks (mandelbrot.tile, montecarlo.pi, photos.*, fetch.get) and those of the --include catalogs.",
        footer = {
            "",
            "Examples:",
            "  amdahl worker --broker redis://127.0.0.1:6379",
            "  amdahl worker --broker redis://10.0.0.5:6379 --queues tiles,amdahl -c 8",
            "  amdahl worker --broker amqp://guest:guest@10.0.0.5:5672/ --backend redis://10.0.0.5:6379",
            "  amdahl worker --broker redis://10.0.0.5:6379 --beat     # and fire periodic tasks",
            "  amdahl worker --broker redis://10.0.0.5:6379 --metrics-port 9464 --metrics-bind 0.0.0.0",
            "  amdahl worker --broker redis://10.0.0.5:6379 --exit-when-idle 2m   # in a batch job: end when the work is done",
            "  AMDAHL_CLASSPATH=my-tasks.jar ./amdahl worker --broker redis://10.0.0.5:6379 \\",
            "      --include com.example.MyTasks",
        })
final class WorkerCommand extends CliCommand {

    /** The demo catalogs, so 'amdahl demo --broker URL' finds workers that know its tasks. */
    static final List<Class<? extends TaskCatalog>> EXAMPLE_CATALOGS = List.of(MandelbrotTasks.class, MonteCarloPiTasks.class,
            RenderTasks.class, WordCountTasks.class, PhotoImportTasks.class, FetchTasks.class);

    @Option(names = "--broker", paramLabel = "URL",
            description = "The shared broker to consume, e.g. redis://127.0.0.1:6379 (required; the embedded memory:// is refused).")
    String broker;

    @Option(names = "--backend", paramLabel = "URL", description = Brokers.BACKEND_DESCRIPTION)
    String backend;

    @Option(names = {"-Q", "--queues"}, paramLabel = "QUEUE,...", hideParamSyntax = true, split = ",", defaultValue = WorkerOptions.DEFAULT_QUEUE,
            description = "The queues to consume, comma-separated (default: ${DEFAULT-VALUE}).")
    List<String> queues;

    @Option(names = "--protocol", paramLabel = "NAME",
            description = "The messages' wire protocol: amdahl (the default) or celery, to serve Celery's queues (default"
                    + " queue celery) beside Python workers, results in Celery's result keys.")
    String protocol;

    @Option(names = {"-c", "--concurrency"}, paramLabel = "N",
            description = "How many tasks run at once (default: the number of cores).")
    Integer concurrency;

    @Option(names = "--prefetch", paramLabel = "N",
            description = "How many messages the worker holds at most, running or waiting (default: 4 x concurrency;"
                    + " 32 x on the embedded broker, memory://).")
    Integer prefetch;

    @Option(names = "--pool", paramLabel = "POOL", converter = Converters.PoolConverter.class,
            completionCandidates = Converters.PoolNames.class, defaultValue = "threads",
            description = "Where tasks run: threads, virtual (Java 21+) or processes (default: ${DEFAULT-VALUE}).")
    Pool pool;

    @Option(names = {"-I", "--include"}, paramLabel = "CLASS,...", hideParamSyntax = true, split = ",",
            description = "Task catalogs to serve: classes implementing dev.amdahl.TaskCatalog, on the class path"
                    + " (put their jar in AMDAHL_CLASSPATH for ./amdahl).")
    List<String> include = new ArrayList<>();

    @Option(names = "--no-examples", description = "Do not serve the demo tasks.")
    boolean noExamples;

    @Option(names = {"-B", "--beat"},
            description = "Also run a scheduler for the periodic tasks the catalogs register (app.schedule(...))."
                    + " Run it on as many hosts as you like: each tick fires once.")
    boolean beat;

    @Option(names = "--shutdown-grace", paramLabel = "DURATION", converter = Converters.DurationConverter.class,
            defaultValue = "30s",
            description = "On stop, how long running tasks may take to finish before they go back to the broker (default: ${DEFAULT-VALUE}).")
    Duration shutdownGrace;

    @Option(names = "--exit-when-idle", paramLabel = "DURATION", converter = Converters.DurationConverter.class,
            description = "Stop gracefully and exit 0 once the worker has had nothing to do for DURATION: no task running"
                    + " or held and its queues empty (for workers in a Slurm/PBS allocation). Tasks delayed by a countdown,"
                    + " ETA or retry backoff are not in the queues until due: give a DURATION above the longest of those,"
                    + " and above the time the client needs to submit its first tasks.")
    Duration exitWhenIdle;

    @Option(names = "--lease-renewal", paramLabel = "DURATION", converter = Converters.DurationConverter.class,
            description = "How often the worker tells the broker it still holds its messages (default: a third of the"
                    + " broker's visibility timeout, e.g. 10s for redis://...?visibility-timeout=30s). Keep it well under"
                    + " the visibility timeout, or long tasks run twice.")
    Duration leaseRenewal;

    @Option(names = "--resources", paramLabel = "NAME=VALUE,...",
            description = "What this worker offers to tasks that declare needs, over what it detects (cores, mem: the heap"
                    + " limit, gpu: what nvidia-smi lists, else 0), e.g. gpu=2,mem=16g,zone=eu. It also consumes the derived"
                    + " queues (tiles@gpu=1) whose needs it meets, and runs no more of their tasks at once than it offers.")
    String resources;

    @Option(names = "--unplaceable-after", paramLabel = "DURATION", converter = Converters.DurationConverter.class,
            description = "How long tasks may wait in a derived queue no live worker can serve before this worker fails"
                    + " them, naming the missing resource (default: 5m).")
    Duration unplaceableAfter;

    @Option(names = "--metrics-port", paramLabel = "PORT",
            description = "Serve Prometheus metrics at http://ADDR:PORT/metrics (tasks by name and outcome, run time and"
                    + " queue wait, queue depth, dead letters, busy ratio, prefetch occupancy, the JVM's); 0 for any free port.")
    Integer metricsPort;

    @Option(names = "--metrics-bind", paramLabel = "ADDR", defaultValue = "127.0.0.1",
            description = "The address /metrics listens on (default: ${DEFAULT-VALUE}, this host only; 0.0.0.0 lets a"
                    + " Prometheus elsewhere scrape it).")
    String metricsBind;

    @Mixin
    SigningKeysOption signing = new SigningKeysOption();

    /** Completes with the worker once it runs, so a program embedding this command (or a test) can stop it. */
    final CompletableFuture<Worker> started = new CompletableFuture<>();
    /** The port /metrics is served on, once it is (before {@link #started}); -1 without --metrics-port. */
    volatile int servedMetricsPort = -1;

    /**
     * Set by {@link Main} when this command owns the JVM: then a stop by SIGTERM ends with exit code 0 once the worker
     * has stopped cleanly, as Ctrl-C's does. The JVM's own code for a signal is 143 whatever the hooks do, and the
     * exit code of this command's {@code return} never reaches it, so the goodbye hook halts with 0 (after the
     * worker stopped and the application closed: nothing is left for the other hooks to do).
     */
    boolean ownsJvm;

    /** Counted down when {@link #execute} is done, the application closed. */
    private final java.util.concurrent.CountDownLatch closed = new java.util.concurrent.CountDownLatch(1);

    /** A worker says what it does: one line per task at info. */
    @Override
    String defaultLogLevel() {
        return "info";
    }

    @Override
    int execute() throws InterruptedException {
        Brokers.requireShared(spec, broker, "serves tasks that other processes submit");
        List<Class<? extends TaskCatalog>> catalogs = new ArrayList<>(noExamples ? List.of() : EXAMPLE_CATALOGS);
        for (String name : include) {
            catalogs.add(catalog(name.trim()));
        }
        SigningKeys keys = signing.load(spec);
        checkCounts();
        if (metricsPort != null && (metricsPort < 0 || metricsPort > 65_535)) {
            throw usageError("--metrics-port " + metricsPort + ": a port is 0 to 65535 (0 for any free one)");
        }
        WorkerTelemetry telemetry;
        try {
            telemetry = WorkerTelemetry.start(metricsPort, metricsBind);
        } catch (java.io.UncheckedIOException e) {
            throw usageError("--metrics-port " + metricsPort + " --metrics-bind " + metricsBind + ": " + e.getMessage());
        }
        servedMetricsPort = telemetry.metricsPort();
        if (exitWhenIdle != null && (exitWhenIdle.isNegative() || exitWhenIdle.isZero())) {
            telemetry.close();
            throw usageError("--exit-when-idle " + typed("--exit-when-idle") + ": give a positive duration, such as 30s or 2m");
        }
        IdleWatch idle = exitWhenIdle == null ? null : new IdleWatch(exitWhenIdle, System::nanoTime, this::stopWhenIdle);
        List<dev.amdahl.observe.TaskObserver> observers = new ArrayList<>(telemetry.observers());
        if (idle != null) {
            observers.add(idle);
        }
        Amdahl app;
        WorkerOptions options;
        try {
            app = Brokers.open(spec, broker, backend, catalogs, keys, protocol, observers);
        } catch (RuntimeException e) {
            telemetry.close();
            throw e;
        }
        try {
            if (protocol != null && !spec.commandLine().getParseResult().hasMatchedOption("--queues")) {
                queues = List.of(app.defaultQueue());   // the protocol's (Celery's "celery")
            }
            options = workerOptions();
        } catch (RuntimeException e) {
            app.close();
            telemetry.close();
            throw e;
        }
        try (telemetry) {
            Worker worker;
            try {
                worker = app.startWorker(options);
            } catch (IllegalArgumentException e) {
                throw usageError((leaseRenewal != null ? "--lease-renewal " + typed("--lease-renewal") + ": " : "")
                        + Brokers.inFlags(e.getMessage()));
            }
            // On SIGTERM the worker's own shutdown hook does the graceful stop. The JVM halts as soon as the
            // hooks are done, so this thread may never get past awaitTermination: the goodbye is said by a
            // hook of ours, which waits for the worker's. Added before the banner, so that a signal sent on
            // seeing the banner finds it.
            Thread goodbye = new Thread(() -> awaitAndSayGoodbye(worker), "amdahl-worker-goodbye");
            Runtime.getRuntime().addShutdownHook(goodbye);
            started.complete(worker);
            out().printf("worker %s consuming %s on %s%s, %d at once on %s%n", worker.name(), options.queues(), UrlMasking.mask(broker),
                    Brokers.resultsNote(broker, backend), options.concurrency(), options.pool().name().toLowerCase(Locale.ROOT));
            out().println("tasks: " + String.join(", ", app.taskNames()));
            out().println("offers " + options.resources() + " to tasks that declare needs");
            out().printf("heap limit %d MiB (set with AMDAHL_OPTS=-Xmx...); message limit %d MiB%n",
                    Runtime.getRuntime().maxMemory() >> 20, MessageLimits.ofDefaults().maxMessageBytes() >> 20);
            if (telemetry.metricsUrl() != null) {
                out().println("metrics at " + telemetry.metricsUrl());
            }
            if (keys != null) {
                out().println("messages are signed with key " + keys.currentKeyId() + "; verified with " + keys.keyIds());
            }
            if (beat) {
                Scheduler scheduler = app.startScheduler();
                out().println("scheduler " + scheduler.name() + " submits the periodic tasks of the catalogs when due");
            }
            out().println("stop with Ctrl-C or SIGTERM: running tasks finish, waiting ones go back to the broker");
            if (idle != null) {
                out().println("exits when idle for " + typed("--exit-when-idle") + ": no task running or held, queues empty");
                idle.start();
            }
            out().flush();
            while (!worker.awaitTermination(Duration.ofMinutes(1))) {
                continue;
            }
            try {
                Runtime.getRuntime().removeShutdownHook(goodbye);
                sayGoodbye(worker);
            } catch (IllegalStateException shuttingDown) {
                // the hook says it
            }
            return OK;
        } finally {
            if (idle != null) {
                idle.close();
            }
            app.close();
            closed.countDown();
        }
    }

    private void stopWhenIdle() {
        Worker worker = started.getNow(null);
        if (worker != null) {
            out().println("worker " + worker.name() + " idle for " + typed("--exit-when-idle") + ": stopping");
            out().flush();
            worker.close();
        }
    }

    private void awaitAndSayGoodbye(Worker worker) {
        try {
            if (worker.awaitTermination(shutdownGrace.plusSeconds(5))) {
                sayGoodbye(worker);
                if (ownsJvm && closed.await(10, java.util.concurrent.TimeUnit.SECONDS)) {
                    out().flush();
                    err().flush();
                    System.out.flush();
                    System.err.flush();
                    Runtime.getRuntime().halt(OK);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The counts in the flags' words: the options builder's say "concurrency" and "prefetch (8)". */
    private void checkCounts() {
        if (concurrency != null && concurrency < 1) {
            throw usageError("--concurrency " + concurrency + ": at least 1 task must run at once");
        }
        if (prefetch != null) {
            int running = concurrency != null ? concurrency : Runtime.getRuntime().availableProcessors();
            if (prefetch < running) {
                throw usageError("--prefetch " + prefetch + " is less than the " + running + " tasks that run at once ("
                        + (concurrency != null ? "--concurrency" : "the default concurrency, one per core") + "): the"
                        + " worker must be allowed to hold the messages it runs. Raise --prefetch or lower --concurrency");
            }
        }
        if (leaseRenewal != null && (leaseRenewal.isZero() || leaseRenewal.isNegative())) {
            throw usageError("--lease-renewal " + typed("--lease-renewal") + ": must be longer than 0, e.g. 10s");
        }
    }

    private void sayGoodbye(Worker worker) {
        out().println("worker " + worker.name() + " stopped after " + worker.completedCount() + " task(s)");
        out().flush();
    }

    private WorkerOptions workerOptions() {
        WorkerOptions.Builder b = WorkerOptions.builder().queues(queues).pool(pool).shutdownGrace(shutdownGrace);
        if (concurrency != null) {
            b.concurrency(concurrency);
        }
        if (prefetch != null) {
            b.prefetch(prefetch);
        }
        if (leaseRenewal != null) {
            b.leaseRenewal(leaseRenewal);
        }
        if (unplaceableAfter != null) {
            b.unplaceableAfter(unplaceableAfter);
        }
        try {
            b.resources(Resources.detected().plus(Resources.parse(resources == null ? "" : resources)));
            return b.build();
        } catch (IllegalArgumentException e) {
            throw usageError(e.getMessage());
        }
    }

    private Class<? extends TaskCatalog> catalog(String name) {
        Class<?> type;
        try {
            type = Class.forName(name, false, Thread.currentThread().getContextClassLoader());
        } catch (ClassNotFoundException | LinkageError e) {
            throw usageError("--include " + name + ": no such class on the class path. Check the name, and put the jar"
                    + " that holds it on the class path (AMDAHL_CLASSPATH=my-tasks.jar ./amdahl worker ...)");
        }
        if (!TaskCatalog.class.isAssignableFrom(type)) {
            throw usageError("--include " + name + ": the class does not implement dev.amdahl.TaskCatalog, so it"
                    + " registers no tasks");
        }
        return type.asSubclass(TaskCatalog.class);
    }
}
