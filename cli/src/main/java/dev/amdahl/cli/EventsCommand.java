package dev.amdahl.cli;

import dev.amdahl.Amdahl;
import dev.amdahl.spi.WorkerHeartbeat;
import dev.amdahl.spi.WorkerRegistry;
import java.time.Duration;
import java.time.LocalTime;
import java.time.format.DateTimeFormatter;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code amdahl events}: a live tail of worker and task events, told apart from the workers' heartbeats: a worker
 * coming or going, a task starting (seen running) and finishing (its outcome). A task shorter than the heartbeat
 * interval shows only its outcome; one a worker finished while the tail looked away for longer than a heartbeat
 * carries (its 50 latest) is missed.
 */
@Command(name = "events",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        header = "Tail the workers' and tasks' events live (Ctrl-C to stop).",
        description = "Print worker and task events as they happen, read from the workers' heartbeats (every 2 s): worker"
                + " online and offline, task started and its outcome (succeeded, failed with the reason, retried, revoked,"
                + " given back).",
        footer = {"", "Examples:", "  amdahl events --broker redis://127.0.0.1:6379"})
final class EventsCommand extends OpsCommand {

    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm:ss");

    @Option(names = "--for", paramLabel = "DURATION", converter = Converters.DurationConverter.class,
            description = "Stop after this long (default: run until Ctrl-C).")
    Duration duration;

    @Override
    String purpose() {
        return "follows what workers in other processes do";
    }

    @Override
    int execute() throws InterruptedException {
        try (Amdahl app = open()) {
            WorkerRegistry registry = registry(app.resultBackend());
            long end = duration == null ? Long.MAX_VALUE : System.nanoTime() + duration.toNanos();
            Map<String, WorkerHeartbeat> known = new HashMap<>();
            Set<String> running = new HashSet<>();
            Set<String> finished = new LinkedHashSet<>();
            boolean first = true;
            out().println("following the workers of " + dev.amdahl.spi.UrlMasking.mask(broker) + (duration == null ? " (Ctrl-C to stop)" : ""));
            out().flush();
            while (System.nanoTime() < end) {
                Map<String, WorkerHeartbeat> now = new HashMap<>();
                for (WorkerHeartbeat w : workers(app)) {
                    now.put(w.name(), w);
                }
                for (WorkerHeartbeat w : now.values()) {
                    if (!known.containsKey(w.name())) {
                        print("worker-online", w.name() + " " + w.host() + " pid " + w.pid() + ", queues " + String.join(",", w.queues()));
                    }
                    for (WorkerHeartbeat.ActiveTask a : w.active()) {
                        if (running.add(a.taskId())) {
                            print("task-started", a.taskName() + " [" + a.taskId() + "] from " + a.queue() + " on " + w.name());
                        }
                    }
                    for (WorkerHeartbeat.FinishedTask f : w.recent()) {
                        if (finished.add(f.taskId() + "/" + f.outcome() + "/" + f.finishedAt())) {
                            running.remove(f.taskId());
                            if (!first) {
                                print(eventOf(f.outcome()), f.taskName() + " [" + f.taskId() + "] from " + f.queue() + " on " + w.name()
                                        + " in " + Durations.format(f.runtime()) + (f.reason() == null ? "" : ": " + f.reason()));
                            }
                        }
                    }
                }
                for (String gone : known.keySet()) {
                    if (!now.containsKey(gone)) {
                        print("worker-offline", gone);
                    }
                }
                known = now;
                first = false;
                while (finished.size() > 10_000) {
                    finished.remove(finished.iterator().next());
                }
                out().flush();
                Thread.sleep(Math.max(1, Math.min(1_000, (end - System.nanoTime()) / 1_000_000)));
            }
            return OK;
        }
    }

    private static String eventOf(String outcome) {
        return switch (outcome) {
            case "SUCCESS" -> "task-succeeded";
            case "FAILURE" -> "task-failed";
            case "RETRY" -> "task-retried";
            case "REVOKED" -> "task-revoked";
            default -> "task-requeued";
        };
    }

    private void print(String event, String what) {
        out().printf("%s %-15s %s%n", LocalTime.now().format(TIME), event, what);
    }
}
