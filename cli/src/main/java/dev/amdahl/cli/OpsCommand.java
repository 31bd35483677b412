package dev.amdahl.cli;

import dev.amdahl.Amdahl;
import dev.amdahl.spi.ResultBackend;
import dev.amdahl.spi.UrlMasking;
import dev.amdahl.spi.WorkerHeartbeat;
import dev.amdahl.spi.WorkerRegistry;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import picocli.CommandLine.Option;

/**
 * The base of the operator commands (status, inspect, result, revoke, purge, dead-letters, events): they reach a
 * shared broker and its result backend, and read the workers' heartbeats from the backend's {@link WorkerRegistry}.
 */
abstract class OpsCommand extends CliCommand {

    @Option(names = "--broker", paramLabel = "URL",
            description = "The shared broker, e.g. redis://127.0.0.1:6379 (or AMDAHL_BROKER, or broker= in amdahl.properties).")
    String broker;

    @Option(names = "--backend", paramLabel = "URL", description = Brokers.BACKEND_DESCRIPTION)
    String backend;

    /** What this command does with the broker, for the message refusing the embedded one. */
    abstract String purpose();

    Amdahl open() {
        Brokers.requireShared(spec, broker, purpose());
        return Brokers.open(spec, broker, backend, List.of(), null);
    }

    /**
     * The live workers' heartbeats, by name; heartbeats that do not decode are reported on stderr and skipped.
     *
     * @throws IllegalStateException when the backend keeps no worker registry, saying which backend would
     */
    List<WorkerHeartbeat> workers(Amdahl app) {
        WorkerRegistry registry = registry(app.resultBackend());
        List<WorkerHeartbeat> out = new ArrayList<>();
        for (Map.Entry<String, byte[]> e : registry.heartbeats().entrySet()) {
            try {
                out.add(WorkerHeartbeat.fromBytes(e.getValue()));
            } catch (IllegalArgumentException bad) {
                err().println("worker " + e.getKey() + ": its heartbeat is unreadable (" + bad.getMessage() + "); skipped");
            }
        }
        out.sort(Comparator.comparing(WorkerHeartbeat::name));
        return out;
    }

    WorkerRegistry registry(ResultBackend results) {
        return results.capability(WorkerRegistry.class).orElseThrow(() -> new IllegalStateException("the result backend "
                + UrlMasking.mask(String.valueOf(Brokers.backendUrl(broker, backend) == null ? broker
                        : Brokers.backendUrl(broker, backend)))
                + " keeps no worker heartbeats, so no worker can be listed; give workers and this command a backend"
                + " that does, e.g. --backend redis://127.0.0.1:6379"));
    }

    /** The queues to look at: those given, else those the live workers consume and the default queue. */
    static List<String> queuesOf(List<String> given, List<WorkerHeartbeat> workers) {
        if (given != null && !given.isEmpty()) {
            return given;
        }
        Set<String> queues = new LinkedHashSet<>();
        queues.add(dev.amdahl.WorkerOptions.DEFAULT_QUEUE);
        workers.forEach(w -> queues.addAll(w.queues()));
        return new ArrayList<>(queues);
    }
}
