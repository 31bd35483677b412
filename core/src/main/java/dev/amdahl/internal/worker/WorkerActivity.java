package dev.amdahl.internal.worker;

import dev.amdahl.internal.task.Outcome;
import dev.amdahl.internal.wire.TaskMessage;
import dev.amdahl.spi.Delivery;
import dev.amdahl.spi.TaskRecord;
import dev.amdahl.spi.WorkerHeartbeat.ActiveTask;
import dev.amdahl.spi.WorkerHeartbeat.FinishedTask;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a worker runs now and has finished, for its heartbeat, and the one log line per finished task. The line goes
 * to the logger {@value #TASK_LOGGER} at INFO (failures with their reason), so an application can silence it, or
 * keep only it, by that name.
 *
 * <p>Invariant: a task is in {@code active} from when its code starts until its outcome is known here; the counts
 * only grow; {@code recent} holds at most {@link #RECENT} tasks, newest last.
 */
final class WorkerActivity {

    /** The logger of the per-task lines. */
    static final String TASK_LOGGER = "dev.amdahl.tasks";
    /** How many finished tasks a heartbeat carries. */
    static final int RECENT = 50;

    private static final Logger tasks = LoggerFactory.getLogger(TASK_LOGGER);

    private final java.util.concurrent.ConcurrentMap<String, java.util.concurrent.atomic.AtomicLong> processedByQueue =
            new java.util.concurrent.ConcurrentHashMap<>();
    private final Clock clock;
    private final Map<String, ActiveTask> active = new ConcurrentHashMap<>();
    private final AtomicLong processed = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    /** Guarded by itself. */
    private final ArrayDeque<Done> recent = new ArrayDeque<>();

    /**
     * A finished task as it is kept, made into a {@link FinishedTask} only when a heartbeat or a log line reads it: the
     * arguments' text and the workflow's steps cost a walk of their trees, and most tasks leave the ring unread.
     */
    private record Done(TaskMessage m, String queue, String result, Instant at, long runtimeNanos, String reason) {
        FinishedTask finished() {
            String args = m.args().toString();
            return new FinishedTask(m.id(), m.task(), queue, result, at, Duration.ofNanos(runtimeNanos), reason, m.groupId(), m.retries(),
                    args.length() <= FinishedTask.MAX_ARGS_CHARS ? args : null, WorkflowPlan.stepsAfter(m));
        }
    }

    WorkerActivity(Clock clock) {
        this.clock = clock;
    }

    /** The pool starts the task's code. */
    void started(Delivery d, TaskMessage m) {
        active.put(m.id(), new ActiveTask(m.id(), m.task(), d.queue(), clock.instant()));
    }

    /** The run ended with {@code outcome}; {@code revoked} is the REVOKED record that stands instead, or null. */
    void finished(Delivery d, TaskMessage m, Outcome outcome, TaskRecord revoked) {
        active.remove(m.id());
        String result;
        String reason = null;
        if (revoked != null) {
            result = "REVOKED";
            reason = revoked.error() != null ? revoked.error().message() : "revoked";
        } else {
            switch (outcome.kind()) {
                case SUCCESS -> result = "SUCCESS";
                case FAILURE -> result = "FAILURE";
                case RETRY -> result = "RETRY";
                default -> result = "REQUEUED";
            }
            if (outcome.error() != null) {
                // the runtime's own errors say what they are in words; their type would only repeat "Amdahl"
                boolean runtime = dev.amdahl.AmdahlException.class.getName().equals(outcome.error().type())
                        && outcome.error().message() != null;
                reason = runtime ? outcome.error().message()
                        : outcome.error().type() + (outcome.error().message() == null ? "" : ": " + outcome.error().message());
            }
        }
        if (!"REQUEUED".equals(result)) {
            processed.incrementAndGet();
            processedByQueue.computeIfAbsent(d.queue(), q -> new java.util.concurrent.atomic.AtomicLong()).incrementAndGet();
            if ("FAILURE".equals(result)) {
                failed.incrementAndGet();
            }
        }
        // the end the invoker read from the same clock, where it read one: one instant less per task
        Instant at = outcome.finishedAt() != null ? outcome.finishedAt() : clock.instant();
        Done done = new Done(m, d.queue(), result, at, outcome.runtimeNanos(), reason);
        synchronized (recent) {
            recent.addLast(done);
            while (recent.size() > RECENT) {
                recent.removeFirst();
            }
        }
        if (tasks.isInfoEnabled()) {
            log(done.finished());   // the line costs a format per task: a worker at warn does not pay it
        }
    }

    private static void log(FinishedTask f) {
        String millis = String.format(java.util.Locale.ROOT, "%.1f ms", f.runtime().toNanos() / 1e6);
        switch (f.outcome()) {
            case "SUCCESS" -> tasks.info("task {} [{}] from {} succeeded in {}", f.taskName(), f.taskId(), f.queue(), millis);
            case "FAILURE" -> tasks.info("task {} [{}] from {} failed in {}: {}", f.taskName(), f.taskId(), f.queue(), millis,
                    f.reason());
            case "RETRY" -> tasks.info("task {} [{}] from {} will be retried (ran {}): {}", f.taskName(), f.taskId(), f.queue(),
                    millis, f.reason());
            case "REVOKED" -> tasks.info("task {} [{}] from {} was revoked (ran {})", f.taskName(), f.taskId(), f.queue(), millis);
            default -> tasks.info("task {} [{}] from {} went back to the broker: {}", f.taskName(), f.taskId(), f.queue(),
                    f.reason());
        }
    }

    List<ActiveTask> active() {
        return List.copyOf(active.values());
    }

    List<FinishedTask> recent() {
        List<Done> done;
        synchronized (recent) {
            done = new ArrayList<>(recent);
        }
        List<FinishedTask> finished = new ArrayList<>(done.size());
        done.forEach(f -> finished.add(f.finished()));
        return finished;
    }

    long processed() {
        return processed.get();
    }

    /** {@link #processed()} by the queue the tasks came from. */
    java.util.Map<String, Long> processedByQueue() {
        java.util.Map<String, Long> counts = new java.util.TreeMap<>();
        processedByQueue.forEach((q, n) -> counts.put(q, n.get()));
        return counts;
    }

    long failed() {
        return failed.get();
    }

    Instant now() {
        return clock.instant();
    }
}
