package dev.amdahl.cli;

import dev.amdahl.Amdahl;
import dev.amdahl.spi.WorkerHeartbeat;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.TreeSet;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code amdahl inspect WHAT}: what the live workers report in their heartbeats, as Celery's {@code inspect}. */
@Command(name = "inspect",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        header = "Ask the live workers: workers, active, scheduled, registered or stats.",
        description = {"Show what the live workers report in their heartbeats (sent every 2 s, through the result backend):",
            "  workers     name, host, pid, pool, concurrency, queues",
            "  active      the tasks running now, with how long they have run",
            "  scheduled   the periodic tasks their schedulers fire (workers started with --beat)",
            "  registered  the task names each worker knows",
            "  stats       processed and failed counts, messages held, load, uptime"},
        footer = {"", "Examples:", "  amdahl inspect active --broker redis://127.0.0.1:6379"})
final class InspectCommand extends OpsCommand {

    enum What { workers, active, scheduled, registered, stats }

    @Parameters(index = "0", paramLabel = "WHAT", description = "workers, active, scheduled, registered or stats.")
    What what;

    @Override
    String purpose() {
        return "asks the workers of other processes";
    }

    @Override
    int execute() {
        try (Amdahl app = open()) {
            List<WorkerHeartbeat> workers = workers(app);
            if (workers.isEmpty()) {
                out().println("no live worker (none has sent a heartbeat in the last few seconds)");
                return OK;
            }
            Instant now = Instant.now();
            for (WorkerHeartbeat w : workers) {
                switch (what) {
                    case workers -> out().printf("%s: %s pid %d, %s x%d, queues %s, started %s%n", w.name(), w.host(), w.pid(),
                            w.pool(), w.concurrency(), String.join(",", w.queues()), w.startedAt());
                    case active -> {
                        out().println(w.name() + ": " + w.active().size() + " running");
                        w.active().forEach(a -> out().printf("  %s [%s] from %s, running for %s%n", a.taskName(), a.taskId(),
                                a.queue(), Durations.format(Duration.between(a.startedAt(), now))));
                    }
                    case scheduled -> {
                        out().println(w.name() + ": " + (w.schedules().isEmpty() ? "no scheduler" : w.schedules().size() + " periodic task(s)"));
                        w.schedules().forEach(s -> out().println("  " + s));
                    }
                    case registered -> {
                        out().println(w.name() + ": " + w.tasks().size() + " task(s)");
                        new TreeSet<>(w.tasks()).forEach(t -> out().println("  " + t));
                    }
                    case stats -> out().printf("%s: processed %d, failed %d, running %d, held %d, load %.2f, up %s, last heartbeat %s ago%n",
                            w.name(), w.processed(), w.failed(), w.active().size(), w.held(), w.loadAverage(),
                            Durations.format(Duration.between(w.startedAt(), now)), Durations.format(Duration.between(w.sentAt(), now).abs()));
                    default -> throw new AssertionError(what);
                }
            }
            return OK;
        }
    }
}
