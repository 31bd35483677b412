package dev.amdahl.cli;

import dev.amdahl.Amdahl;
import dev.amdahl.MessageLimits;
import dev.amdahl.Pool;
import dev.amdahl.Scheduler;
import dev.amdahl.SigningKeys;
import dev.amdahl.TaskCatalog;
import dev.amdahl.Worker;
import dev.amdahl.WorkerOptions;
import dev.amdahl.examples.MandelbrotTasks;
import dev.amdahl.examples.MonteCarloPiTasks;
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
        description = "Serve tasks from a shared broker until stopped with Ctrl-C or SIGTERM; then it stops taking tasks, lets running ones finish (up to the grace period) and gives the rest back to the broker. It knows the demo tasks (mandelbrot.tile, montecarlo.pi) and those of the --include catalogs.",
        footer = {
            "",
            "Examples:",
            "  amdahl worker --broker redis://127.0.0.1:6379",
            "  amdahl worker --broker redis://10.0.0.5:6379 --queues tiles,amdahl -c 8",
            "  amdahl worker --broker amqp://guest:guest@10.0.0.5:5672/ --backend redis://10.0.0.5:6379",
            "  amdahl worker --broker redis://10.0.0.5:6379 --beat     # and fire periodic tasks",
            "  AMDAHL_CLASSPATH=my-tasks.jar ./amdahl worker --broker redis://10.0.0.5:6379 \\",
            "      --include com.example.MyTasks",
        })
final class WorkerCommand extends CliCommand {

    /** The demo catalogs, so 'amdahl demo --broker URL' finds workers that know its tasks. */
    static final List<Class<? extends TaskCatalog>> EXAMPLE_CATALOGS = List.of(MandelbrotTasks.class, MonteCarloPiTasks.class);

    @Option(names = "--broker", paramLabel = "URL",
            description = "The shared broker to consume, e.g. redis://127.0.0.1:6379 (required; the embedded memory:// is refused).")
    String broker;

    @Option(names = "--backend", paramLabel = "URL", description = Brokers.BACKEND_DESCRIPTION)
    String backend;

    @Option(names = {"-Q", "--queues"}, paramLabel = "QUEUE,...", hideParamSyntax = true, split = ",", defaultValue = WorkerOptions.DEFAULT_QUEUE,
            description = "The queues to consume, comma-separated (default: ${DEFAULT-VALUE}).")
    List<String> queues;

    @Option(names = {"-c", "--concurrency"}, paramLabel = "N",
            description = "How many tasks run at once (default: the number of cores).")
    Integer concurrency;

    @Option(names = "--prefetch", paramLabel = "N",
            description = "How many messages the worker holds at most, running or waiting (default: 4 x concurrency).")
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

    @Option(names = "--lease-renewal", paramLabel = "DURATION", converter = Converters.DurationConverter.class,
            description = "How often the worker tells the broker it still holds its messages (default: a third of the"
                    + " broker's visibility timeout, e.g. 10s for redis://...?visibility-timeout=30s). Keep it well under"
                    + " the visibility timeout, or long tasks run twice.")
    Duration leaseRenewal;

    @Mixin
    SigningKeysOption signing = new SigningKeysOption();

    /** Completes with the worker once it runs, so a program embedding this command (or a test) can stop it. */
    final CompletableFuture<Worker> started = new CompletableFuture<>();

    @Override
    int execute() throws InterruptedException {
        Brokers.requireShared(spec, broker, "serves tasks that other processes submit");
        List<Class<? extends TaskCatalog>> catalogs = new ArrayList<>(noExamples ? List.of() : EXAMPLE_CATALOGS);
        for (String name : include) {
            catalogs.add(catalog(name.trim()));
        }
        WorkerOptions options = workerOptions();
        SigningKeys keys = signing.load(spec);
        Amdahl app = Brokers.open(spec, broker, backend, catalogs, keys);
        try {
            Worker worker = app.startWorker(options);
            started.complete(worker);
            out().printf("worker %s consuming %s on %s%s, %d at once on %s%n", worker.name(), options.queues(), UrlMasking.mask(broker),
                    Brokers.resultsNote(broker, backend), options.concurrency(), options.pool().name().toLowerCase(Locale.ROOT));
            out().println("tasks: " + String.join(", ", app.taskNames()));
            out().printf("heap limit %d MiB (set with AMDAHL_OPTS=-Xmx...); message limit %d MiB%n",
                    Runtime.getRuntime().maxMemory() >> 20, MessageLimits.ofDefaults().maxMessageBytes() >> 20);
            if (keys != null) {
                out().println("messages are signed with key " + keys.currentKeyId() + "; verified with " + keys.keyIds());
            }
            if (beat) {
                Scheduler scheduler = app.startScheduler();
                out().println("scheduler " + scheduler.name() + " submits the periodic tasks of the catalogs when due");
            }
            out().println("stop with Ctrl-C or SIGTERM: running tasks finish, waiting ones go back to the broker");
            out().flush();
            // On SIGTERM the worker's own shutdown hook does the graceful stop. The JVM halts as soon as the
            // hooks are done, so this thread may never get past awaitTermination: the goodbye is said by a
            // hook of ours, which waits for the worker's.
            Thread goodbye = new Thread(() -> awaitAndSayGoodbye(worker), "amdahl-worker-goodbye");
            Runtime.getRuntime().addShutdownHook(goodbye);
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
            app.close();
        }
    }

    private void awaitAndSayGoodbye(Worker worker) {
        try {
            if (worker.awaitTermination(shutdownGrace.plusSeconds(5))) {
                sayGoodbye(worker);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
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
        try {
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
