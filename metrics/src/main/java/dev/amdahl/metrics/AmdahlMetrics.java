package dev.amdahl.metrics;

import dev.amdahl.observe.TaskEvent;
import dev.amdahl.observe.TaskObserver;
import dev.amdahl.observe.TaskOutcome;
import dev.amdahl.observe.WorkerView;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Amdahl's meters in a Micrometer {@link MeterRegistry}: register it as an observer of the application, and its
 * submissions and workers are counted and timed there. With Prometheus the meters read (names as the Prometheus
 * registry writes them):
 *
 * <table>
 *   <caption>Meters</caption>
 *   <tr><th>name</th><th>type</th><th>labels</th><th>what</th></tr>
 *   <tr><td>{@code amdahl_tasks_total}</td><td>counter</td><td>task, outcome</td><td>deliveries ended on this
 *       worker, by {@link TaskOutcome} (success, failure, retry, revoked, expired, requeued, rejected)</td></tr>
 *   <tr><td>{@code amdahl_task_duration_seconds}</td><td>histogram</td><td>task, outcome</td><td>how long the
 *       task's code ran, for the deliveries that ran</td></tr>
 *   <tr><td>{@code amdahl_task_queue_wait_seconds}</td><td>histogram</td><td>task, queue</td><td>from published
 *       (or due, with an ETA) to taken by a worker</td></tr>
 *   <tr><td>{@code amdahl_tasks_published_total}</td><td>counter</td><td>task, queue</td><td>messages this process
 *       published (submissions, maps, workflow heads)</td></tr>
 *   <tr><td>{@code amdahl_dead_letters_total}</td><td>counter</td><td>queue</td><td>messages this process's
 *       workers dead-lettered</td></tr>
 *   <tr><td>{@code amdahl_queue_depth}</td><td>gauge</td><td>queue</td><td>messages waiting at the broker in each
 *       queue a worker here consumes, sampled at each scrape</td></tr>
 *   <tr><td>{@code amdahl_worker_busy_ratio}</td><td>gauge</td><td>worker</td><td>running tasks over
 *       concurrency</td></tr>
 *   <tr><td>{@code amdahl_worker_prefetch_occupancy_ratio}</td><td>gauge</td><td>worker</td><td>held messages
 *       over prefetch</td></tr>
 *   <tr><td>{@code amdahl_worker_tasks_running}, {@code amdahl_worker_messages_held}</td><td>gauge</td>
 *       <td>worker</td><td>the counts behind the two ratios</td></tr>
 * </table>
 *
 * <pre>{@code
 * PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
 * Amdahl app = Amdahl.builder().broker("redis://127.0.0.1:6379").observer(AmdahlMetrics.bindTo(registry)).build();
 * app.startWorker();
 * try (MetricsServer server = MetricsServer.start(new InetSocketAddress("127.0.0.1", 9464), registry)) { ... }
 * }</pre>
 *
 * <p>The histograms have fixed buckets from 5 ms to 5 min ({@link #BUCKETS}), cheaper than Micrometer's
 * percentile histogram and enough to read quantiles from with {@code histogram_quantile}. The {@code task} label
 * takes at most {@link #MAX_TASK_LABELS} distinct names; messages naming others (an unknown task, a flood of made-up
 * names) are counted under {@code task="_other"}, so a hostile producer cannot grow the registry without bound.
 */
public final class AmdahlMetrics implements TaskObserver {

    private static final Logger log = LoggerFactory.getLogger(AmdahlMetrics.class);

    /** The distinct {@code task} label values kept before the rest are counted as {@code _other}. */
    public static final int MAX_TASK_LABELS = 500;
    /** The label value standing for task names past {@link #MAX_TASK_LABELS}. */
    public static final String OTHER_TASKS = "_other";
    /** The upper bounds of the duration and queue-wait histograms' buckets. */
    public static final List<Duration> BUCKETS = List.of(Duration.ofMillis(5), Duration.ofMillis(10), Duration.ofMillis(25),
            Duration.ofMillis(50), Duration.ofMillis(100), Duration.ofMillis(250), Duration.ofMillis(500), Duration.ofSeconds(1),
            Duration.ofMillis(2_500), Duration.ofSeconds(5), Duration.ofSeconds(10), Duration.ofSeconds(30), Duration.ofMinutes(1),
            Duration.ofMinutes(5));

    private final MeterRegistry registry;
    private final Set<String> taskLabels = ConcurrentHashMap.newKeySet();
    /** Per worker, the gauges registered for it, removed when it stops; guarded by this. */
    private final Map<WorkerView, List<Meter>> workerMeters = new HashMap<>();
    /** Per queue, the workers consuming it here (whose broker its depth gauge asks); guarded by this. */
    private final Map<String, Set<WorkerView>> queueWorkers = new HashMap<>();
    private final Map<String, Meter> queueGauges = new HashMap<>();

    private AmdahlMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    /** An observer counting and timing the application's tasks in {@code registry}. */
    public static AmdahlMetrics bindTo(MeterRegistry registry) {
        return new AmdahlMetrics(Objects.requireNonNull(registry, "registry"));
    }

    /** The registry the meters are in. */
    public MeterRegistry registry() {
        return registry;
    }

    @Override
    public Publication publishing(String queue, List<TaskEvent> tasks) {
        return new Publication() {
            @Override
            public void published() {
                for (TaskEvent t : tasks) {
                    Counter.builder("amdahl.tasks.published").description("Task messages published by this process")
                            .tags("task", taskLabel(t.taskName()), "queue", queue).register(registry).increment();
                }
            }
        };
    }

    @Override
    public void received(TaskEvent task) {
        task.queueWait().ifPresent(wait -> histogram("amdahl.task.queue.wait",
                "From published (or due, for a task with an ETA or retry delay) to taken by a worker",
                Tags.of("task", taskLabel(task.taskName()), "queue", task.queue())).record(wait));
    }

    @Override
    public void finished(TaskEvent task, TaskOutcome outcome, Duration runTime) {
        String name = taskLabel(task.taskName());
        Counter.builder("amdahl.tasks").description("Task deliveries ended on a worker, by outcome")
                .tags("task", name, "outcome", outcome.label()).register(registry).increment();
        if (ran(outcome)) {
            histogram("amdahl.task.duration", "How long the task's code ran",
                    Tags.of("task", name, "outcome", outcome.label())).record(runTime);
        }
    }

    /** Whether a delivery with this outcome ran the task's code (the others never started it, or may not have). */
    private static boolean ran(TaskOutcome outcome) {
        return outcome == TaskOutcome.SUCCESS || outcome == TaskOutcome.FAILURE || outcome == TaskOutcome.RETRY;
    }

    @Override
    public void deadLettered(String queue, String reason) {
        Counter.builder("amdahl.dead.letters").description("Messages dead-lettered by this process's workers")
                .tags("queue", queue).register(registry).increment();
    }

    @Override
    public synchronized void workerStarted(WorkerView worker) {
        Tags tags = Tags.of("worker", worker.name());
        List<Meter> meters = new ArrayList<>();
        meters.add(Gauge.builder("amdahl.worker.busy.ratio", worker, w -> (double) w.runningCount() / w.concurrency())
                .description("Running tasks over the worker's concurrency").tags(tags).strongReference(true).register(registry));
        meters.add(Gauge.builder("amdahl.worker.prefetch.occupancy.ratio", worker, w -> (double) w.heldCount() / w.prefetch())
                .description("Held messages over the worker's prefetch").tags(tags).strongReference(true).register(registry));
        meters.add(Gauge.builder("amdahl.worker.tasks.running", worker, WorkerView::runningCount)
                .description("Tasks running now").tags(tags).strongReference(true).register(registry));
        meters.add(Gauge.builder("amdahl.worker.messages.held", worker, WorkerView::heldCount)
                .description("Messages taken and not yet settled").tags(tags).strongReference(true).register(registry));
        workerMeters.put(worker, meters);
        for (String queue : worker.queues()) {
            queueWorkers.computeIfAbsent(queue, q -> new LinkedHashSet<>()).add(worker);
            queueGauges.computeIfAbsent(queue, q -> Gauge.builder("amdahl.queue.depth", q, this::depth)
                    .description("Messages waiting at the broker, sampled at each scrape").tags("queue", q)
                    .strongReference(true).register(registry));
        }
    }

    @Override
    public synchronized void workerStopped(WorkerView worker) {
        List<Meter> meters = workerMeters.remove(worker);
        if (meters != null) {
            meters.forEach(registry::remove);
        }
        for (String queue : worker.queues()) {
            Set<WorkerView> consumers = queueWorkers.get(queue);
            if (consumers != null && consumers.remove(worker) && consumers.isEmpty()) {
                queueWorkers.remove(queue);
                Meter gauge = queueGauges.remove(queue);
                if (gauge != null) {
                    registry.remove(gauge);
                }
            }
        }
    }

    /** The depth of {@code queue} asked of a worker consuming it; NaN (no sample) when the broker cannot say. */
    private double depth(String queue) {
        WorkerView any;
        synchronized (this) {
            Set<WorkerView> consumers = queueWorkers.get(queue);
            any = consumers == null || consumers.isEmpty() ? null : consumers.iterator().next();
        }
        if (any == null) {
            return Double.NaN;
        }
        try {
            return any.queueDepth(queue);
        } catch (RuntimeException e) {
            log.debug("sampling the depth of queue {} failed: {}", queue, e.toString());
            return Double.NaN;
        }
    }

    private Timer histogram(String name, String description, Tags tags) {
        return Timer.builder(name).description(description).tags(tags)
                .serviceLevelObjectives(BUCKETS.toArray(Duration[]::new))
                .minimumExpectedValue(BUCKETS.get(0)).maximumExpectedValue(BUCKETS.get(BUCKETS.size() - 1))
                .register(registry);
    }

    /** {@code name}, or {@link #OTHER_TASKS} once {@link #MAX_TASK_LABELS} other names are labelled. */
    private String taskLabel(String name) {
        if (taskLabels.contains(name)) {
            return name;
        }
        if (taskLabels.size() >= MAX_TASK_LABELS) {
            return OTHER_TASKS;
        }
        taskLabels.add(name);
        return name;
    }
}
