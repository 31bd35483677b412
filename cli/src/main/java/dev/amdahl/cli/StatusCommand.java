package dev.amdahl.cli;

import dev.amdahl.Amdahl;
import dev.amdahl.Resources;
import dev.amdahl.spi.WorkerHeartbeat;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code amdahl status}: workers, queues with their depth and dead letters, periodic tasks, at a glance. */
@Command(name = "status",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        header = "Show the live workers, the queues (depth, rates, dead letters) and the periodic tasks.",
        description = "Show what a shared broker holds: the workers alive (from their heartbeats in the result backend),"
                + " each queue's ready messages, how the depth moved while it watched (--sample), the tasks per second the workers"
                + " finished from it over the last minute, its dead letters, and the periodic tasks the workers' schedulers fire.",
        footer = {"", "Examples:", "  amdahl status --broker redis://127.0.0.1:6379",
                "  amdahl status --queues amdahl,tiles"})
final class StatusCommand extends OpsCommand {

    @Option(names = {"-Q", "--queues"}, paramLabel = "QUEUE,...", split = ",", hideParamSyntax = true,
            description = "The queues to show (default: amdahl and those the live workers consume).")
    List<String> queues;

    @Option(names = "--sample", paramLabel = "DURATION", converter = Converters.DurationConverter.class, defaultValue = "2s",
            description = "How long to watch the queues' depth, to show how it moves (default: ${DEFAULT-VALUE}; 0 for a"
                    + " single reading). The processed rates come from the workers' heartbeats: a minute's worth.")
    Duration sample;

    @Override
    String purpose() {
        return "shows what other processes do";
    }

    @Override
    int execute() throws InterruptedException {
        try (Amdahl app = open()) {
            List<WorkerHeartbeat> workers = workersOrNone(app);
            Instant now = Instant.now();
            out().println("workers: " + (workers == null ? "(not listed: the backend keeps no heartbeats)" : workers.size()));
            if (workers != null) {
                for (WorkerHeartbeat w : workers) {
                    out().printf("  %-28s %s pid %d, %s x%d, queues %s, running %d, processed %d (failed %d), load %.2f, up %s%s%n",
                            w.name(), w.host(), w.pid(), w.pool(), w.concurrency(), String.join(",", w.queues()), w.active().size(),
                            w.processed(), w.failed(), w.loadAverage(), Durations.format(Duration.between(w.startedAt(), now)),
                            w.resources().isEmpty() ? "" : ", offers " + Resources.of(w.resources()));
                }
                unplaceable(workers, now).forEach(out()::println);
            }
            List<String> shown = queuesOf(queues, workers == null ? List.of() : workers);
            Map<String, Long> first = new LinkedHashMap<>();
            long firstAt = System.nanoTime();
            for (String q : shown) {
                first.put(q, app.broker().depth(q));
            }
            Duration left = sample.minus(Duration.ofNanos(System.nanoTime() - firstAt));
            if (!sample.isZero() && !left.isNegative()) {
                Thread.sleep(left.toMillis()); // the second reading of the depths: how they move is the point
            }
            double sampled = (System.nanoTime() - firstAt) / 1e9;
            out().println("queues:");
            for (String q : shown) {
                long depth = app.broker().depth(q);
                int dead = app.broker().deadLetters(q, 1000).size();
                out().printf("  %-28s %d ready, %s dead letter(s)%s%s%n", q, depth, dead >= 1000 ? "1000+" : Integer.toString(dead),
                        sample.isZero() ? "" : depthChange(depth - first.get(q), sampled),
                        workers == null ? "" : processedRate(q, workers));
            }
            Set<String> schedules = new LinkedHashSet<>();
            if (workers != null) {
                workers.forEach(w -> schedules.addAll(w.schedules()));
            }
            out().println("periodic tasks: " + (schedules.isEmpty() ? "none (no live worker runs --beat)" : schedules.size()));
            new ArrayList<>(schedules).forEach(s -> out().println("  " + s));
            return OK;
        }
    }

    /**
     * The derived queues some live worker sees nobody can serve, each once, with what is missing and when its tasks
     * fail: {@code unplaceable: tiles@gpu=1, 3 ready, no live worker offers gpu=1 (offers gpu=0); fails in 4m 10s}.
     */
    static List<String> unplaceable(List<WorkerHeartbeat> workers, Instant now) {
        Map<String, WorkerHeartbeat.Unplaceable> byQueue = new LinkedHashMap<>();
        for (WorkerHeartbeat w : workers) {
            for (WorkerHeartbeat.Unplaceable u : w.unplaceable()) {
                byQueue.merge(u.queue(), u, (a, b) -> a.since().isBefore(b.since()) ? a : b);
            }
        }
        List<String> lines = new ArrayList<>();
        for (WorkerHeartbeat.Unplaceable u : byQueue.values()) {
            Duration left = Duration.between(now, u.failsAt());
            lines.add(String.format(Locale.ROOT, "unplaceable: %s, %d ready, no live worker offers %s; %s", u.queue(), u.ready(),
                    String.join(", ", u.missing()), left.isNegative() || left.isZero() ? "failing now"
                            : "fails in " + Durations.format(left)));
        }
        return lines;
    }

    /** {@code , depth +12 in 2s (+6.0/s)}: the queue grows when tasks arrive faster than they are taken. */
    private String depthChange(long change, double seconds) {
        return String.format(Locale.ROOT, ", depth %s%d in %s (%s%.1f/s)", change > 0 ? "+" : "", change, typed("--sample"),
                change > 0 ? "+" : "", change / seconds);
    }

    /**
     * {@code , processed 41.5/s over the last 1m by 2 worker(s)}: the sum of what the workers consuming {@code queue}
     * say they finished from it within their heartbeats' window, a minute (less for a worker younger than that).
     */
    static String processedRate(String queue, List<WorkerHeartbeat> workers) {
        double rate = 0;
        int consuming = 0;
        Duration longest = Duration.ZERO;
        for (WorkerHeartbeat w : workers) {
            if (w.queues().contains(queue) || w.processedInWindow().containsKey(queue)) {
                consuming++;
                rate += w.rate(queue);
                if (w.window() != null && w.window().compareTo(longest) > 0) {
                    longest = w.window();
                }
            }
        }
        if (consuming == 0) {
            return ", no worker consumes it";
        }
        if (longest.isZero()) {
            return ", processed rate not known yet";
        }
        return String.format(Locale.ROOT, ", processed %.1f/s over the last %s by %d worker(s)", rate,
                window(Math.round(longest.toNanos() / 1e9)), consuming);
    }

    /** {@code 1m}, {@code 42s}, {@code 1m 30s}. */
    private static String window(long seconds) {
        return seconds < 60 ? seconds + "s" : seconds % 60 == 0 ? seconds / 60 + "m" : seconds / 60 + "m " + seconds % 60 + "s";
    }

    private List<WorkerHeartbeat> workersOrNone(Amdahl app) {
        try {
            return workers(app);
        } catch (IllegalStateException noRegistry) {
            err().println(noRegistry.getMessage());
            return null;
        }
    }
}
