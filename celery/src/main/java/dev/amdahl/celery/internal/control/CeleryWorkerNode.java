package dev.amdahl.celery.internal.control;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.amdahl.Amdahl;
import dev.amdahl.observe.TaskEvent;
import dev.amdahl.observe.TaskOutcome;
import dev.amdahl.observe.WorkerView;
import dev.amdahl.spi.TaskEnvelope;
import dev.amdahl.spi.TaskError;
import dev.amdahl.spi.TaskRecord;
import java.lang.management.ManagementFactory;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One Java worker as Celery's tools know a worker, whatever carries the messages: a node named by the worker's name
 * ({@code amdahl-<pid>@<host>}, as Celery's {@code name@host}), its Lamport clock, the tasks it holds, its answers to
 * the remote control commands, and the event documents it sends.
 *
 * <p>Invariants: {@link #active} holds a task from {@link #received} until {@link #finished}, keyed by the observer's
 * event (identity: two deliveries of one message are two entries); the clock only moves forward, and past every clock
 * value a control message carried. Methods are called from the worker's threads and the mailbox's; all are
 * thread-safe and none blocks, except {@link #finishedEvent}, which reads the result backend and runs on the
 * transport's own thread.
 */
final class CeleryWorkerNode {

    /** Celery's {@code worker_heartbeat} interval (its {@code freq} field): two seconds. */
    static final Duration HEARTBEAT = Duration.ofSeconds(2);
    private static final int REPR_MAX = 1024;
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private static final ObjectMapper JSON = new ObjectMapper();

    private final WorkerView worker;
    private final Amdahl app;
    private final RecentEnvelopes envelopes;
    private final Clock clock;
    private final long pid = ProcessHandle.current().pid();
    private final AtomicLong lamport = new AtomicLong();
    private final AtomicLong processed = new AtomicLong();
    private final Map<TaskEvent, Active> active = new ConcurrentHashMap<>();

    /** A task between received and finished; {@code started} once its code runs. */
    private record Active(TaskEnvelope envelope, Instant received, Instant started) {
    }

    CeleryWorkerNode(WorkerView worker, Amdahl app, RecentEnvelopes envelopes, Clock clock) {
        this.worker = worker;
        this.app = app;
        this.envelopes = envelopes;
        this.clock = clock;
    }

    String hostname() {
        return worker.name();
    }

    /** kombu's {@code LamportClock.adjust}: past what another node said. */
    void adjustClock(long other) {
        lamport.accumulateAndGet(other, (mine, theirs) -> Math.max(mine, theirs) + 1);
    }

    long forwardClock() {
        return lamport.incrementAndGet();
    }

    // ---------------------------------------------------------------- remote control

    /**
     * The reply to control command {@code method}, as Celery's worker gives it: {@code ping} {@code {"ok": "pong"}},
     * {@code active} the tasks held, {@code registered} the task names, {@code revoke} revokes in Amdahl (the task's
     * record becomes REVOKED, so no Java worker starts it) and {@code {"ok": "tasks … flagged as revoked"}}. An unknown
     * command is answered {@code {"error": …}}, as kombu answers a handler it lacks.
     */
    JsonNode command(String method, JsonNode arguments) {
        return switch (method) {
            case "ping" -> ok("pong");
            case "active" -> activeTasks(arguments.path("safe").asBoolean(false));
            case "registered" -> registered();
            case "revoke" -> revoke(arguments, arguments.path("terminate").asBoolean(false));
            case "terminate" -> revoke(arguments, true);   // celery control terminate SIGNAL ID: Amdahl stops it its own way
            case "stats" -> stats();
            case "active_queues" -> activeQueues();
            case "hello" -> hello();
            default -> NODES.objectNode().put("error", "the Java worker " + hostname() + " has no remote control command '"
                    + method + "' (it answers ping, active, registered, revoke, terminate, stats, active_queues)");
        };
    }

    private static ObjectNode ok(String text) {
        return NODES.objectNode().put("ok", text);
    }

    private ArrayNode activeTasks(boolean safe) {
        ArrayNode out = NODES.arrayNode();
        for (Map.Entry<TaskEvent, Active> e : active.entrySet()) {
            TaskEvent task = e.getKey();
            TaskEnvelope env = e.getValue().envelope();
            ObjectNode info = out.addObject();
            info.put("id", task.taskId());
            info.put("name", task.taskName());
            JsonNode args = env == null ? NODES.arrayNode() : positional(env.args());
            JsonNode kwargs = env == null ? NODES.objectNode() : keywords(env.args());
            if (safe) {
                info.put("args", PythonRepr.tuple(args, REPR_MAX));
                info.put("kwargs", PythonRepr.of(kwargs, REPR_MAX));
            } else {
                info.set("args", args);
                info.set("kwargs", kwargs);
            }
            info.put("type", task.taskName());
            info.put("hostname", hostname());
            Instant started = e.getValue().started();
            if (started == null) {
                info.putNull("time_start");
            } else {
                info.put("time_start", seconds(started));
            }
            info.put("acknowledged", false);   // kombu's ack emulation: held in unacked until the outcome is stored
            ObjectNode delivery = info.putObject("delivery_info");
            delivery.put("exchange", "");
            delivery.put("routing_key", task.queue());
            delivery.putNull("priority");
            delivery.put("redelivered", task.deliveryCount() > 1);
            info.put("worker_pid", pid);
        }
        return out;
    }

    private ArrayNode registered() {
        ArrayNode out = NODES.arrayNode();
        app.taskNames().forEach(out::add);
        return out;
    }

    private ObjectNode revoke(JsonNode arguments, boolean terminate) {
        JsonNode ids = arguments.path("task_id");
        List<String> taskIds = new ArrayList<>();
        if (ids.isTextual()) {
            taskIds.add(ids.textValue());
        } else if (ids.isArray()) {
            for (JsonNode id : ids) {
                if (!id.isTextual()) {
                    return NODES.objectNode().put("error", "revoke: task_id must be a task id or a list of them");
                }
                taskIds.add(id.textValue());
            }
        } else {
            return NODES.objectNode().put("error", "revoke: task_id must be a task id or a list of them");
        }
        for (String id : taskIds) {
            if (terminate) {
                app.terminate(id);
            } else {
                app.revoke(id);
            }
        }
        if (terminate) {
            List<String> running = new ArrayList<>();
            for (TaskEvent t : active.keySet()) {
                if (taskIds.contains(t.taskId())) {
                    running.add(t.taskId());
                }
            }
            return ok(running.isEmpty() ? "terminate: tasks unknown" : "terminate: " + String.join(", ", running));
        }
        return ok("tasks " + String.join(", ", taskIds) + " flagged as revoked");
    }

    private ObjectNode stats() {
        ObjectNode s = NODES.objectNode();
        s.put("pid", pid);
        s.put("clock", Long.toString(lamport.get()));
        s.putObject("pool").put("max-concurrency", worker.concurrency()).put("implementation", "amdahl");
        s.put("prefetch_count", worker.prefetch());
        s.putObject("total");
        s.put("sw_ident", "amdahl");
        return s;
    }

    private ArrayNode activeQueues() {
        ArrayNode out = NODES.arrayNode();
        for (String q : worker.queues()) {
            ObjectNode queue = out.addObject();
            queue.put("name", q);
            queue.putObject("exchange").put("name", q).put("type", "direct");
            queue.put("routing_key", q);
            queue.put("durable", true);
        }
        return out;
    }

    /** mingle's greeting: what this node revoked and its clock; Amdahl keeps revocations in the backend instead. */
    private ObjectNode hello() {
        ObjectNode h = NODES.objectNode();
        h.putObject("revoked");
        h.put("clock", lamport.get());
        return h;
    }

    // ---------------------------------------------------------------- events

    /** {@code worker-online}, {@code worker-heartbeat} or {@code worker-offline}, with Celery's heartbeat fields. */
    ObjectNode workerEvent(String type) {
        ObjectNode e = event(type);
        e.put("freq", HEARTBEAT.toMillis() / 1000.0);
        e.put("active", active.size());
        e.put("processed", processed.get());
        ArrayNode load = e.putArray("loadavg");
        double avg = ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
        for (int i = 0; i < 3; i++) {
            load.add(avg < 0 ? 0.0 : Math.round(avg * 100) / 100.0);
        }
        e.put("sw_ident", "amdahl");
        e.put("sw_ver", Optional.ofNullable(Amdahl.class.getPackage().getImplementationVersion()).orElse("0"));
        e.put("sw_sys", System.getProperty("os.name"));
        return e;
    }

    /** {@code task-received}, with Celery's fields; {@code null} for a task already known (none is sent twice). */
    ObjectNode received(TaskEvent task) {
        TaskEnvelope env = envelopes.get(task.taskId());
        if (active.putIfAbsent(task, new Active(env, clock.instant(), null)) != null) {
            return null;
        }
        ObjectNode e = taskEvent("task-received", task);
        e.put("name", task.taskName());
        e.put("args", PythonRepr.tuple(env == null ? NODES.arrayNode() : positional(env.args()), REPR_MAX));
        e.put("kwargs", PythonRepr.of(env == null ? NODES.objectNode() : keywords(env.args()), REPR_MAX));
        e.putNull("root_id");
        e.putNull("parent_id");
        e.put("retries", task.retries());
        putTime(e, "eta", env == null ? null : env.eta());
        putTime(e, "expires", env == null ? null : env.expires());
        return e;
    }

    ObjectNode started(TaskEvent task) {
        active.computeIfPresent(task, (t, a) -> new Active(a.envelope(), a.received(), clock.instant()));
        return taskEvent("task-started", task);
    }

    /** Forgets the task; the event itself is made by {@link #finishedEvent}, off the worker's threads. */
    void finished(TaskEvent task) {
        active.remove(task);
        envelopes.forget(task.taskId());
        processed.incrementAndGet();
    }

    /**
     * The event that says how the task ended, {@code null} for an outcome Celery sends none for (a message given
     * back). Reads the task's record for its result or exception, so it runs on the transport's thread.
     */
    ObjectNode finishedEvent(TaskEvent task, TaskOutcome outcome, Duration runTime) {
        return finishedEvent(task, outcome, runTime, record(task));
    }

    /**
     * Calls {@code then} with the task's final record once it is stored: a worker tells its observers the outcome
     * before its settler has stored it, so a {@code task-succeeded} made at once could miss its result.
     */
    void whenStored(TaskEvent task, java.util.function.Consumer<TaskRecord> then) {
        app.resultBackend().whenReady(task.taskId(), then);
    }

    /** As {@link #finishedEvent(TaskEvent, TaskOutcome, Duration)}, with the record already read. */
    ObjectNode finishedEvent(TaskEvent task, TaskOutcome outcome, Duration runTime, Optional<TaskRecord> stored) {
        switch (outcome) {
            case SUCCESS -> {
                ObjectNode e = taskEvent("task-succeeded", task);
                e.put("result", stored.map(r -> resultRepr(r.result())).orElse("None"));
                e.put("runtime", runTime.toNanos() / 1e9);
                return e;
            }
            case FAILURE, RETRY -> {
                ObjectNode e = taskEvent(outcome == TaskOutcome.FAILURE ? "task-failed" : "task-retried", task);
                TaskError error = stored.map(TaskRecord::error).orElse(null);
                e.put("exception", error == null ? "Exception()" : exceptionRepr(error));
                e.put("traceback", error == null || error.stackTrace() == null ? "" : error.stackTrace());
                return e;
            }
            case REVOKED, EXPIRED -> {
                ObjectNode e = taskEvent("task-revoked", task);
                boolean terminated = stored.map(TaskRecord::error).map(TaskError::type)
                        .filter(t -> t.endsWith("TERMINATED") || t.contains("Terminated")).isPresent();
                e.put("terminated", terminated);
                e.putNull("signum");
                e.put("expired", outcome == TaskOutcome.EXPIRED);
                return e;
            }
            case REJECTED -> {
                ObjectNode e = taskEvent("task-rejected", task);
                e.put("requeue", false);
                return e;
            }
            default -> {
                return null;
            }
        }
    }

    private Optional<TaskRecord> record(TaskEvent task) {
        try {
            return app.resultBackend().get(task.taskId());
        } catch (RuntimeException e) {
            return Optional.empty();
        }
    }

    private static String resultRepr(String json) {
        if (json == null) {
            return "None";
        }
        try {
            return PythonRepr.of(JSON.readTree(json), REPR_MAX);
        } catch (java.io.IOException e) {
            return PythonRepr.of(NODES.textNode(json), REPR_MAX);
        }
    }

    /** Celery's {@code safe_repr(exc)}: {@code ValueError('boom')}, the type's simple name. */
    private static String exceptionRepr(TaskError error) {
        String type = error.type() == null ? "Exception" : error.type().substring(error.type().lastIndexOf('.') + 1);
        StringBuilder out = new StringBuilder(type).append('(');
        if (error.message() != null) {
            PythonRepr.string(error.message(), out);
        }
        return out.append(')').toString();
    }

    private ObjectNode taskEvent(String type, TaskEvent task) {
        ObjectNode e = event(type);
        e.put("uuid", task.taskId());
        return e;
    }

    /** The fields every Celery event has: Celery's {@code Dispatcher.publish}. */
    private ObjectNode event(String type) {
        ObjectNode e = NODES.objectNode();
        e.put("hostname", hostname());
        e.put("utcoffset", utcOffsetHoursWest(clock));
        e.put("pid", pid);
        e.put("clock", forwardClock());
        e.put("timestamp", seconds(clock.instant()));
        e.put("type", type);
        return e;
    }

    /** Celery's {@code utcoffset()}: whole hours west of UTC ({@code time.timezone // 3600}), so UTC+2 is -2. */
    static int utcOffsetHoursWest(Clock clock) {
        ZoneId zone = clock.getZone();
        int east = zone.getRules().getOffset(clock.instant()).getTotalSeconds();
        return Math.floorDiv(-east, 3600);
    }

    private static double seconds(Instant t) {
        return t.getEpochSecond() + t.getNano() / 1e9;
    }

    private static void putTime(ObjectNode e, String field, Instant t) {
        if (t == null) {
            e.putNull(field);
        } else {
            e.put(field, t.toString());
        }
    }

    /** An argument as Celery's args: an array is the positional ones; an object is keywords, so none positional. */
    private static JsonNode positional(JsonNode args) {
        if (args != null && args.isArray()) {
            return args;
        }
        ArrayNode one = NODES.arrayNode();
        if (args != null && !args.isObject() && !args.isMissingNode()) {
            one.add(args);
        }
        return one;
    }

    private static JsonNode keywords(JsonNode args) {
        return args != null && args.isObject() ? args : NODES.objectNode();
    }
}
