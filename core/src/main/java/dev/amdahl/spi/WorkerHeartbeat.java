package dev.amdahl.spi;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectReader;
import dev.amdahl.internal.json.Json;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What a worker says of itself every heartbeat interval, through the result backend's {@link WorkerRegistry}:
 * where it runs, what it consumes and how, what it runs now and what it finished lately. Stored as JSON
 * ({@link #toBytes()}); read back defensively ({@link #fromBytes}), since other processes share the backend.
 *
 * @param name        the worker's name, as in task records
 * @param host        the host it runs on
 * @param pid         its process id
 * @param pool        threads, virtual or processes
 * @param concurrency how many tasks it runs at once
 * @param queues      the queues it consumes
 * @param tasks       the task names it knows (registered)
 * @param schedules   the periodic tasks its scheduler fires, empty when it runs none
 * @param active      the tasks running now
 * @param held        how many messages it holds: running, waiting for a slot or a rate limit
 * @param processed   how many tasks it has finished (any outcome) since it started
 * @param failed      how many of those ended in FAILURE
 * @param loadAverage the host's load average over the last minute, negative where the system does not say
 * @param startedAt   when the worker started
 * @param sentAt      when this heartbeat was sent
 * @param interval    how often the worker sends one
 * @param recent      the tasks it finished lately, newest last (a few dozen at most): what {@code amdahl events} tails
 * @param processedInWindow how many tasks it finished (any outcome) in the last {@code window}, by the queue they came
 *                    from: a rate ({@code amdahl status}) without a second reading; empty from a worker that does not say
 * @param window      the time {@code processedInWindow} covers: a minute, or less for a worker younger than that;
 *                    {@code null} from a worker that does not say
 * @param resources   what the worker offers to tasks that declare needs, by name ({@code gpu=2}, {@code zone=eu}), as
 *                    {@link dev.amdahl.Resources#asMap()} writes them; empty from a worker that does not say
 * @param unplaceable the derived queues holding tasks that no live worker can serve, as this worker saw them at its
 *                    last look; empty when there are none
 */
public record WorkerHeartbeat(String name, String host, long pid, String pool, int concurrency, List<String> queues,
                              List<String> tasks, List<String> schedules, List<ActiveTask> active, int held,
                              long processed, long failed, double loadAverage, Instant startedAt, Instant sentAt,
                              Duration interval, List<FinishedTask> recent, Map<String, Long> processedInWindow,
                              Duration window, Map<String, String> resources, List<Unplaceable> unplaceable) {

    /** The most bytes {@link #fromBytes} reads: a heartbeat is small, a bigger one is not one. */
    public static final int MAX_BYTES = 1 << 20;

    private static final ObjectReader READER = Json.mapper().readerFor(WorkerHeartbeat.class)
            .without(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    public WorkerHeartbeat {
        Objects.requireNonNull(name, "name");
        queues = queues == null ? List.of() : List.copyOf(queues);
        tasks = tasks == null ? List.of() : List.copyOf(tasks);
        schedules = schedules == null ? List.of() : List.copyOf(schedules);
        active = active == null ? List.of() : List.copyOf(active);
        recent = recent == null ? List.of() : List.copyOf(recent);
        processedInWindow = processedInWindow == null ? Map.of() : Map.copyOf(processedInWindow);
        resources = resources == null ? Map.of() : Map.copyOf(resources);
        unplaceable = unplaceable == null ? List.of() : List.copyOf(unplaceable);
    }

    /** A heartbeat that says nothing of resources. */
    public WorkerHeartbeat(String name, String host, long pid, String pool, int concurrency, List<String> queues,
                           List<String> tasks, List<String> schedules, List<ActiveTask> active, int held,
                           long processed, long failed, double loadAverage, Instant startedAt, Instant sentAt,
                           Duration interval, List<FinishedTask> recent, Map<String, Long> processedInWindow,
                           Duration window) {
        this(name, host, pid, pool, concurrency, queues, tasks, schedules, active, held, processed, failed, loadAverage,
                startedAt, sentAt, interval, recent, processedInWindow, window, Map.of(), List.of());
    }

    /**
     * A derived queue holding tasks that no live worker offers enough for.
     *
     * @param queue   the derived queue ({@code tiles@gpu=1})
     * @param ready   how many tasks wait in it
     * @param missing what no live worker offers, one entry per resource ({@code gpu=1 (offers gpu=0)}), as seen
     *                against the closest live worker
     * @param since   when this worker first saw it unplaceable
     * @param failsAt when its tasks fail if no worker that can serve it appears before
     */
    public record Unplaceable(String queue, long ready, List<String> missing, Instant since, Instant failsAt) {
        public Unplaceable {
            missing = missing == null ? List.of() : List.copyOf(missing);
        }
    }

    /**
     * The tasks per second this worker finished from {@code queue} over its {@link #window}; 0 when it says nothing
     * (an older worker, or one that just started).
     */
    public double rate(String queue) {
        if (window == null || window.isZero() || window.isNegative()) {
            return 0;
        }
        return processedInWindow.getOrDefault(queue, 0L) / (window.toNanos() / 1e9);
    }

    /**
     * A task a worker runs now.
     *
     * @param taskId    its id
     * @param taskName  its registered name
     * @param queue     the queue it came from
     * @param startedAt when this run started
     */
    public record ActiveTask(String taskId, String taskName, String queue, Instant startedAt) {
    }

    /**
     * A task a worker finished.
     *
     * @param taskId     its id
     * @param taskName   its registered name
     * @param queue      the queue it came from
     * @param outcome    SUCCESS, FAILURE, RETRY, REVOKED, or REQUEUED (given back to the broker)
     * @param finishedAt when
     * @param runtime    how long its code ran
     * @param reason     why, for anything but SUCCESS ({@code null} then)
     * @param groupId    the group it belongs to, or {@code null}
     * @param retries    how many times it was retried before this run
     * @param args       its argument as JSON when that is at most {@link #MAX_ARGS_CHARS} characters, else {@code null}
     * @param steps      the workflow steps its message says come after it (a chain's next steps, a chord's callback), at
     *                   most {@link #MAX_STEPS}; empty when it is not part of a workflow
     */
    public record FinishedTask(String taskId, String taskName, String queue, String outcome, Instant finishedAt,
                               Duration runtime, String reason, String groupId, int retries, String args,
                               List<WorkflowStep> steps) {

        /** The longest argument a heartbeat carries: enough to retry a small task, too little to bloat a heartbeat. */
        public static final int MAX_ARGS_CHARS = 2048;
        /** The most workflow steps one finished task lists. */
        public static final int MAX_STEPS = 100;

        public FinishedTask {
            steps = steps == null ? List.of() : List.copyOf(steps);
        }

        /** A task outside any group or workflow, its argument not carried. */
        public FinishedTask(String taskId, String taskName, String queue, String outcome, Instant finishedAt, Duration runtime,
                            String reason) {
            this(taskId, taskName, queue, outcome, finishedAt, runtime, reason, null, 0, null, List.of());
        }
    }

    /**
     * A step of a workflow, as the message of a step before it plans it.
     *
     * @param taskId   the id the step will run under
     * @param taskName its task name
     * @param after    the id of the task it follows: the step before it in a chain; for a chord's callback, the chord's id
     * @param kind     {@code link} (runs after {@code after} succeeds) or {@code chord} (runs once every member of the
     *                 chord {@code after} has succeeded)
     * @param members  for a {@code chord} step, the ids of the chord's members; empty otherwise
     */
    public record WorkflowStep(String taskId, String taskName, String after, String kind, List<String> members) {
        public WorkflowStep {
            members = members == null ? List.of() : List.copyOf(members);
        }
    }

    /** Encodes this heartbeat for {@link WorkerRegistry#putHeartbeat}. */
    public byte[] toBytes() {
        try {
            return Json.mapper().writeValueAsBytes(this);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot encode the heartbeat of worker " + name, e);
        }
    }

    /**
     * Decodes a heartbeat a registry returned.
     *
     * @throws IllegalArgumentException saying what is wrong when the bytes are not a heartbeat
     */
    public static WorkerHeartbeat fromBytes(byte[] bytes) {
        if (bytes == null || bytes.length == 0) {
            throw new IllegalArgumentException("not a worker heartbeat: empty");
        }
        if (bytes.length > MAX_BYTES) {
            throw new IllegalArgumentException("not a worker heartbeat: " + bytes.length + " bytes, more than " + MAX_BYTES);
        }
        try {
            WorkerHeartbeat h = READER.readValue(bytes);
            if (h == null) {
                throw new IllegalArgumentException("not a worker heartbeat: null");
            }
            return h;
        } catch (IOException | RuntimeException e) {
            if (e instanceof IllegalArgumentException iae && iae.getMessage() != null && iae.getMessage().startsWith("not a worker")) {
                throw iae;
            }
            throw new IllegalArgumentException("not a worker heartbeat: " + e.getMessage(), e);
        }
    }
}
