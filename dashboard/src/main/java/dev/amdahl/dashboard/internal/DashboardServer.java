package dev.amdahl.dashboard.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.amdahl.Amdahl;
import dev.amdahl.Task;
import dev.amdahl.TaskFuture;
import dev.amdahl.spi.DeadLetter;
import dev.amdahl.spi.TaskRecord;
import dev.amdahl.spi.WorkerHeartbeat;
import dev.amdahl.spi.WorkerHeartbeat.WorkflowStep;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The dashboard's HTTP server: the page and its assets (from the jar), the JSON API, the event stream and
 * {@code /metrics}, on the JDK's HTTP server.
 *
 * <p>Invariants: every request passes {@link Access} (host, then authentication) before its route; every route that
 * changes anything is a POST with the CSRF token; a GET changes nothing; at most {@link #MAX_STREAMS} event streams
 * are open at once, each with a bounded queue (a slow client misses ticks, it never holds up the poller).
 */
public final class DashboardServer implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(DashboardServer.class);
    static final int MAX_STREAMS = 32;
    private static final int MAX_BODY = 64 * 1024;
    private static final String STATIC = "/dev/amdahl/dashboard/static/";
    private static final Map<String, String> TYPES = Map.of("html", "text/html; charset=utf-8", "js",
            "text/javascript; charset=utf-8", "css", "text/css; charset=utf-8", "svg", "image/svg+xml");

    private final ObjectMapper json = new ObjectMapper().registerModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
            .enable(SerializationFeature.WRITE_DURATIONS_AS_TIMESTAMPS)
            .disable(SerializationFeature.WRITE_DATE_TIMESTAMPS_AS_NANOSECONDS);
    private final Amdahl app;
    private final Access access;
    private final Monitor monitor;
    private final HttpServer server;
    private final ExecutorService handlers;
    private final ScheduledExecutorService poller;
    private final List<BlockingQueue<String>> streams = new CopyOnWriteArrayList<>();
    private final AtomicInteger openStreams = new AtomicInteger();
    private final PrometheusMeterRegistry metrics = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private volatile boolean closed;

    public DashboardServer(Amdahl app, InetSocketAddress bind, Access access, List<String> queues, Duration pollInterval) {
        this.app = app;
        this.access = access;
        this.monitor = new Monitor(app.broker(), app.resultBackend(), Clock.systemUTC(), queues, this::publishEvent);
        try {
            server = HttpServer.create(bind, 64);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot serve the dashboard at " + bind.getHostString() + ":" + bind.getPort()
                    + " (" + e.getMessage() + "); is the port taken? Choose another with --bind HOST:PORT", e);
        }
        AtomicInteger n = new AtomicInteger();
        // event streams hold a thread each: the pool is bounded above MAX_STREAMS so that requests still get served
        handlers = new ThreadPoolExecutor(2, MAX_STREAMS + 16, 30, TimeUnit.SECONDS, new SynchronousQueue<>(), r -> {
            Thread t = new Thread(r, "amdahl-dashboard-http-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        }, new ThreadPoolExecutor.CallerRunsPolicy());
        server.setExecutor(handlers);
        server.createContext("/", this::handle);
        registerMeters();
        poller = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "amdahl-dashboard-poll");
            t.setDaemon(true);
            return t;
        });
        monitor.poll();
        poller.scheduleWithFixedDelay(this::tick, pollInterval.toMillis(), pollInterval.toMillis(), TimeUnit.MILLISECONDS);
        server.start();
    }

    public int port() {
        return server.getAddress().getPort();
    }

    public InetSocketAddress address() {
        return server.getAddress();
    }

    @Override
    public void close() {
        closed = true;
        poller.shutdownNow();
        streams.forEach(q -> q.offer(""));
        server.stop(0);
        handlers.shutdownNow();
        metrics.close();
    }

    private void tick() {
        try {
            monitor.poll();
            broadcast("tick", json.writeValueAsString(overview()));
        } catch (RuntimeException | IOException e) {
            log.warn("dashboard tick failed: {}", e.toString());
        }
    }

    private void publishEvent(Map<String, Object> event) {
        try {
            broadcast("task", json.writeValueAsString(event));
        } catch (IOException e) {
            log.debug("event not encoded: {}", e.toString());
        }
    }

    private void broadcast(String type, String data) {
        String frame = "event: " + type + "\ndata: " + data + "\n\n";
        for (BlockingQueue<String> q : streams) {
            q.offer(frame);
        }
    }

    private void registerMeters() {
        Gauge.builder("amdahl_dashboard_workers", monitor, m -> m.workers().size())
                .description("live workers, from their heartbeats").register(metrics);
        Gauge.builder("amdahl_dashboard_tasks_running", monitor, m -> m.workers().stream().mapToInt(w -> w.active().size()).sum())
                .description("tasks the live workers run now").register(metrics);
        MultiGauge depth = MultiGauge.builder("amdahl_queue_depth").description("messages waiting at the broker")
                .register(metrics);
        MultiGauge dead = MultiGauge.builder("amdahl_queue_dead_letters")
                .description("dead letters a queue holds (counted up to " + Monitor.DEAD_LETTER_SCAN + ")").register(metrics);
        MultiGauge processed = MultiGauge.builder("amdahl_worker_processed")
                .description("tasks a live worker finished since it started (any outcome)").register(metrics);
        MultiGauge failed = MultiGauge.builder("amdahl_worker_failed")
                .description("tasks a live worker finished in FAILURE since it started").register(metrics);
        // refreshed at each scrape from the last poll: the scrape itself never waits on the broker
        metricsRefresh = () -> {
            depth.register(monitor.queues().stream().map(q -> MultiGauge.Row.of(Tags.of("queue", q.name()), q.ready()))
                    .toList(), true);
            dead.register(monitor.queues().stream().map(q -> MultiGauge.Row.of(Tags.of("queue", q.name()), q.deadLetters()))
                    .toList(), true);
            List<WorkerHeartbeat> ws = monitor.workers();
            processed.register(ws.stream().map(w -> MultiGauge.Row.of(Tags.of("worker", w.name()), w.processed())).toList(), true);
            failed.register(ws.stream().map(w -> MultiGauge.Row.of(Tags.of("worker", w.name()), w.failed())).toList(), true);
        };
    }

    private Runnable metricsRefresh = () -> { };

    // ---- routing

    private void handle(HttpExchange ex) throws IOException {
        try (ex) {
            route(ex);
        }
    }

    private void route(HttpExchange ex) {
        try {
            securityHeaders(ex);
            if (!access.hostAllowed(ex)) {
                send(ex, 421, "text/plain; charset=utf-8", "this dashboard answers for 127.0.0.1 and localhost only\n");
                return;
            }
            String path = ex.getRequestURI().getRawPath();
            String method = ex.getRequestMethod();
            if (path.equals("/login") && method.equals("GET") && access.usesToken()) {
                login(ex);
                return;
            }
            if (!access.authenticated(ex)) {
                if (access.usesToken()) {
                    if (path.equals("/") && method.equals("GET")) {
                        send(ex, 401, "text/html; charset=utf-8", loginPage());
                    } else {
                        send(ex, 401, "text/plain; charset=utf-8", "authentication required: send Authorization: Bearer TOKEN\n");
                    }
                } else {
                    ex.getResponseHeaders().set("WWW-Authenticate", "Basic realm=\"Amdahl dashboard\", charset=\"UTF-8\"");
                    send(ex, 401, "text/plain; charset=utf-8", "authentication required\n");
                }
                return;
            }
            if (method.equals("POST")) {
                String refusal = access.csrfRefusal(ex);
                if (refusal != null) {
                    sendJson(ex, 403, Map.of("error", refusal));
                    return;
                }
                post(ex, path);
            } else if (method.equals("GET") || method.equals("HEAD")) {
                get(ex, path);
            } else {
                ex.getResponseHeaders().set("Allow", "GET, HEAD, POST");
                send(ex, 405, "text/plain; charset=utf-8", "method not allowed\n");
            }
        } catch (IOException gone) {
            log.debug("dashboard request {} {}: the client went away ({})", ex.getRequestMethod(),
                    ex.getRequestURI().getRawPath(), gone.toString());
        } catch (RuntimeException e) {
            log.warn("dashboard request {} {} failed", ex.getRequestMethod(), ex.getRequestURI().getRawPath(), e);
            try {
                sendJson(ex, 500, Map.of("error", e.getClass().getSimpleName() + ": " + e.getMessage()));
            } catch (IOException | RuntimeException ignored) {
                // the response was under way already
            }
        }
    }

    private void securityHeaders(HttpExchange ex) {
        var h = ex.getResponseHeaders();
        h.set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self';"
                + " connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'");
        h.set("X-Content-Type-Options", "nosniff");
        h.set("X-Frame-Options", "DENY");
        h.set("Referrer-Policy", "no-referrer");
        h.set("Cache-Control", "no-store");
    }

    private void login(HttpExchange ex) throws IOException {
        String given = query(ex).get("token");
        if (!access.tokenMatches(given)) {
            send(ex, 401, "text/html; charset=utf-8", loginPage());
            return;
        }
        ex.getResponseHeaders().add("Set-Cookie", Access.SESSION_COOKIE + "=" + given
                + "; Path=/; HttpOnly; SameSite=Strict");
        ex.getResponseHeaders().set("Location", "/");
        send(ex, 303, "text/plain; charset=utf-8", "");
    }

    private static String loginPage() {
        return "<!doctype html><html><head><meta charset=\"utf-8\"><title>Amdahl dashboard</title>"
                // no stylesheet: like every path, the assets need the token, and the page asking for it has none yet
                + "</head><body><main class=\"login\">"
                + "<h1>Amdahl dashboard</h1><p>This dashboard needs its token.</p>"
                + "<form method=\"get\" action=\"/login\"><input type=\"password\" name=\"token\" id=\"token\" placeholder=\"token\" autofocus>"
                + "<button type=\"submit\">Open</button></form></main></body></html>";
    }

    private void get(HttpExchange ex, String path) throws IOException {
        if (path.equals("/") || path.equals("/index.html")) {
            String page = resource("index.html");
            ex.getResponseHeaders().add("Set-Cookie", Access.CSRF_COOKIE + "=" + access.csrfToken() + "; Path=/; SameSite=Strict");
            send(ex, 200, TYPES.get("html"), page.replace("{{csrf}}", access.csrfToken()));
        } else if (path.startsWith("/static/")) {
            String name = path.substring("/static/".length());
            if (!name.matches("[a-z0-9-]+\\.(js|css|svg)")) {
                send(ex, 404, "text/plain; charset=utf-8", "not found\n");
                return;
            }
            String body = resource(name);
            if (body == null) {
                send(ex, 404, "text/plain; charset=utf-8", "not found\n");
                return;
            }
            send(ex, 200, TYPES.get(name.substring(name.lastIndexOf('.') + 1)), body);
        } else if (path.equals("/metrics")) {
            metricsRefresh.run();
            send(ex, 200, "text/plain; version=0.0.4; charset=utf-8", metrics.scrape());
        } else if (path.equals("/api/events")) {
            stream(ex);
        } else if (path.equals("/api/overview")) {
            sendJson(ex, 200, overview());
        } else if (path.equals("/api/workers")) {
            sendJson(ex, 200, Map.of("workers", monitor.workers(), "registryMissing", monitor.registryMissing()));
        } else if (path.equals("/api/queues")) {
            sendJson(ex, 200, Map.of("queues", monitor.queues()));
        } else if (path.startsWith("/api/queues/") && path.endsWith("/dead-letters")) {
            String queue = decode(path.substring("/api/queues/".length(), path.length() - "/dead-letters".length()));
            sendJson(ex, 200, Map.of("queue", queue, "deadLetters", deadLetters(queue, 200)));
        } else if (path.equals("/api/tasks")) {
            Map<String, String> q = query(ex);
            List<Object> found = new ArrayList<>();
            monitor.search(q.get("q"), q.get("state"), 200).forEach(t -> found.add(t.view()));
            sendJson(ex, 200, Map.of("tasks", found));
        } else if (path.startsWith("/api/tasks/") && path.indexOf('/', "/api/tasks/".length()) >= 0) {
            ex.getResponseHeaders().set("Allow", "POST");
            send(ex, 405, "text/plain; charset=utf-8", "actions are POSTs\n");
        } else if (path.startsWith("/api/tasks/")) {
            sendJson(ex, 200, task(decode(path.substring("/api/tasks/".length()))));
        } else if (path.equals("/api/workflows")) {
            List<Object> roots = new ArrayList<>();
            monitor.workflowRoots(50).forEach(t -> roots.add(t.view()));
            sendJson(ex, 200, Map.of("workflows", roots));
        } else if (path.startsWith("/api/workflows/")) {
            sendJson(ex, 200, workflow(decode(path.substring("/api/workflows/".length()))));
        } else if (path.equals("/api/scaling")) {
            Map<String, Integer> concurrency = monitor.concurrencyByWorker();
            List<Object> groups = new ArrayList<>();
            monitor.groups().stream().filter(g -> g.getValue().size() > 1).limit(50)
                    .forEach(g -> groups.add(Scaling.of(g.getKey(), g.getValue(), concurrency)));
            sendJson(ex, 200, Map.of("groups", groups));
        } else {
            send(ex, 404, "text/plain; charset=utf-8", "not found\n");
        }
    }

    private void post(HttpExchange ex, String path) throws IOException {
        JsonNode body = readBody(ex);
        if (body == null) {
            sendJson(ex, 400, Map.of("error", "the body is not a JSON object"));
            return;
        }
        if (path.equals("/api/dead-letters/requeue") || path.equals("/api/dead-letters/drop")) {
            String queue = body.path("queue").asText("");
            String id = body.path("id").asText("");
            if (queue.isEmpty() || id.isEmpty()) {
                sendJson(ex, 400, Map.of("error", "give the dead letter's queue and id"));
                return;
            }
            boolean requeue = path.endsWith("requeue");
            int moved = requeue ? app.requeueDeadLetter(queue, id) : app.broker().dropDeadLetter(queue, id);
            log.info("dashboard: {} dead letter {} of queue {}: {}", requeue ? "requeued" : "dropped", id, queue, moved);
            sendJson(ex, moved > 0 ? 200 : 404, Map.of(requeue ? "requeued" : "dropped", moved));
        } else if (path.startsWith("/api/tasks/") && path.endsWith("/revoke")) {
            String id = decode(path.substring("/api/tasks/".length(), path.length() - "/revoke".length()));
            app.revoke(id);
            log.info("dashboard: revoked {}", id);
            sendJson(ex, 200, Map.of("revoked", id));
        } else if (path.startsWith("/api/tasks/") && path.endsWith("/terminate")) {
            String id = decode(path.substring("/api/tasks/".length(), path.length() - "/terminate".length()));
            app.terminate(id);
            log.info("dashboard: terminated {}", id);
            sendJson(ex, 200, Map.of("terminated", id));
        } else if (path.startsWith("/api/tasks/") && path.endsWith("/retry")) {
            retry(ex, decode(path.substring("/api/tasks/".length(), path.length() - "/retry".length())));
        } else if (path.startsWith("/api/queues/") && path.endsWith("/purge")) {
            String queue = decode(path.substring("/api/queues/".length(), path.length() - "/purge".length()));
            if (!queue.equals(body.path("confirm").asText(null))) {
                sendJson(ex, 400, Map.of("error", "purging removes every message ready in queue '" + queue
                        + "': confirm by sending {\"confirm\": \"" + queue + "\"}"));
                return;
            }
            long removed = app.broker().purge(queue);
            log.info("dashboard: purged {} message(s) from queue {}", removed, queue);
            sendJson(ex, 200, Map.of("purged", removed));
        } else {
            send(ex, 404, "text/plain; charset=utf-8", "not found\n");
        }
    }

    /**
     * A worker that dead-letters a task it can decode stores a FAILURE for whoever waits on it (not registered here,
     * delivered too often); a requeued copy would find that final record and be acknowledged unrun. The operator
     * requeues to run it again, so that record goes first. A dead letter's message id is its task's id, a retry's with
     * {@code /retry-N} after it.
     */
    private void retry(HttpExchange ex, String id) throws IOException {
        var trail = monitor.trailOf(id).map(Monitor.Trail::view).orElse(null);
        if (trail == null || trail.get("args") == null || trail.get("taskName") == null) {
            sendJson(ex, 409, Map.of("error", "this dashboard has not seen the arguments of task " + id
                    + " (it keeps those of tasks finished since it started, up to "
                    + WorkerHeartbeat.FinishedTask.MAX_ARGS_CHARS + " characters); submit it again with amdahl submit"));
            return;
        }
        JsonNode args = json.readTree((String) trail.get("args"));
        Task<JsonNode, JsonNode> task;
        try {
            task = app.task((String) trail.get("taskName"), JsonNode.class, JsonNode.class);
        } catch (IllegalArgumentException registeredWithOtherTypes) {
            sendJson(ex, 409, Map.of("error", "cannot retry " + id + " from this dashboard: its application registers '"
                    + trail.get("taskName") + "' itself (" + registeredWithOtherTypes.getMessage() + "); retry it from your"
                    + " code, or run the dashboard with amdahl dashboard"));
            return;
        }
        String queue = (String) trail.get("queue");
        TaskFuture<JsonNode> future = (queue == null ? task : task.onQueue(queue)).submit(args);
        log.info("dashboard: retried {} as {}", id, future.id());
        sendJson(ex, 200, Map.of("retriedAs", future.id()));
    }

    // ---- views

    private Map<String, Object> overview() {
        Map<String, Object> m = new LinkedHashMap<>();
        List<WorkerHeartbeat> workers = monitor.workers();
        m.put("now", Instant.now());
        m.put("workers", workers.size());
        m.put("running", workers.stream().mapToInt(w -> w.active().size()).sum());
        m.put("processed", workers.stream().mapToLong(WorkerHeartbeat::processed).sum());
        m.put("failed", workers.stream().mapToLong(WorkerHeartbeat::failed).sum());
        m.put("ready", monitor.queues().stream().mapToLong(Monitor.QueueView::ready).sum());
        m.put("deadLetters", monitor.queues().stream().mapToLong(Monitor.QueueView::deadLetters).sum());
        m.put("samples", monitor.samples());
        m.put("events", lastEvents(30));
        m.put("pollError", monitor.pollError());
        m.put("registryMissing", monitor.registryMissing());
        return m;
    }

    private List<Map<String, Object>> lastEvents(int n) {
        List<Map<String, Object>> all = monitor.recentEvents();
        return new ArrayList<>(all.subList(Math.max(0, all.size() - n), all.size()));
    }

    private List<Map<String, Object>> deadLetters(String queue, int max) {
        List<Map<String, Object>> out = new ArrayList<>();
        for (DeadLetter d : app.broker().deadLetters(queue, max)) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("queue", d.queue());
            m.put("id", d.messageId());
            m.put("reason", d.reason());
            m.put("rejectedAt", d.rejectedAt());
            m.put("bytes", d.body() == null ? 0 : d.body().length);
            m.put("body", preview(d.body()));
            out.add(m);
        }
        return out;
    }

    /** The start of a message body as text: untrusted, shown as text by the page, never interpreted. */
    private static String preview(byte[] body) {
        if (body == null) {
            return "";
        }
        String text = new String(body, 0, Math.min(body.length, 4096), StandardCharsets.UTF_8);
        return body.length > 4096 ? text + " ..." : text;
    }

    private Map<String, Object> task(String id) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("taskId", id);
        TaskRecord record = app.resultBackend().get(id).orElse(null);
        m.put("record", record == null ? null : recordView(record));
        Map<String, Object> trail = monitor.trailOf(id).map(Monitor.Trail::view).orElse(null);
        m.put("seen", trail);
        List<Map<String, Object>> timeline = new ArrayList<>();
        if (trail != null) {
            @SuppressWarnings("unchecked")
            List<Monitor.TrailEvent> events = (List<Monitor.TrailEvent>) trail.get("events");
            events.forEach(e -> timeline.add(timelineEntry(e.state(), e.at(), e.worker(), e.reason(), "heartbeat")));
        }
        if (record != null) {
            if (record.startedAt() != null && timeline.stream().noneMatch(e -> "STARTED".equals(e.get("state"))
                    && record.startedAt().equals(e.get("at")))) {
                timeline.add(timelineEntry("STARTED", record.startedAt(), record.worker(), null, "record"));
            }
            if (record.finishedAt() != null && record.state().isReady()) {
                timeline.add(timelineEntry(record.state().name(), record.finishedAt(), record.worker(),
                        record.error() == null ? null : record.error().summary(), "record"));
            }
        }
        timeline.sort(java.util.Comparator.comparing(e -> (Instant) e.get("at")));
        m.put("timeline", timeline);
        List<Map<String, Object>> dead = new ArrayList<>();
        for (Monitor.QueueView q : monitor.queues()) {
            if (q.deadLetters() > 0) {
                deadLetters(q.name(), Monitor.DEAD_LETTER_SCAN).stream()
                        .filter(d -> id.equals(d.get("id")) || String.valueOf(d.get("body")).contains(id)).forEach(dead::add);
            }
        }
        m.put("deadLetters", dead);
        m.put("inWorkflow", monitor.plannedSteps().containsKey(id) || (trail != null && !((List<?>) trail.get("steps")).isEmpty()));
        return m;
    }

    private static Map<String, Object> timelineEntry(String state, Instant at, String worker, String reason, String source) {
        Map<String, Object> e = new LinkedHashMap<>();
        e.put("state", state);
        e.put("at", at);
        e.put("worker", worker);
        e.put("reason", reason);
        e.put("source", source);
        return e;
    }

    private static Map<String, Object> recordView(TaskRecord r) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("taskName", r.taskName());
        m.put("state", r.state().name());
        m.put("result", r.result());
        m.put("errorType", r.error() == null ? null : r.error().type());
        m.put("errorMessage", r.error() == null ? null : r.error().message());
        m.put("traceback", r.error() == null ? null : r.error().stackTrace());
        m.put("retries", r.retries());
        m.put("worker", r.worker());
        m.put("startedAt", r.startedAt());
        m.put("finishedAt", r.finishedAt());
        m.put("runtimeMillis", r.runtimeNanos() / 1e6);
        m.put("progress", r.progress());
        return m;
    }

    /**
     * The workflow {@code id} belongs to: every step planned by the tasks this dashboard saw, connected to it, with the
     * states their records hold now.
     */
    private Map<String, Object> workflow(String id) {
        Map<String, WorkflowStep> planned = monitor.plannedSteps();
        Map<String, List<String>> neighbours = new HashMap<>();
        for (WorkflowStep s : planned.values()) {
            neighbours.computeIfAbsent(s.after(), k -> new ArrayList<>()).add(s.taskId());
            neighbours.computeIfAbsent(s.taskId(), k -> new ArrayList<>()).add(s.after());
            for (String member : s.members()) {
                neighbours.computeIfAbsent(member, k -> new ArrayList<>()).add(s.after());
                neighbours.computeIfAbsent(s.after(), k -> new ArrayList<>()).add(member);
            }
        }
        Set<String> seen = new java.util.LinkedHashSet<>();
        ArrayDeque<String> todo = new ArrayDeque<>(List.of(id));
        while (!todo.isEmpty() && seen.size() < 1000) {
            String next = todo.removeFirst();
            if (seen.add(next)) {
                todo.addAll(neighbours.getOrDefault(next, List.of()));
            }
        }
        Set<String> chords = new java.util.HashSet<>();
        planned.values().stream().filter(s -> s.kind().equals("chord")).forEach(s -> chords.add(s.after()));
        List<String> tasks = seen.stream().filter(s -> !chords.contains(s)).toList();
        Map<String, TaskRecord> records = app.resultBackend().getAll(tasks);
        List<Map<String, Object>> nodes = new ArrayList<>();
        for (String t : tasks) {
            WorkflowStep s = planned.get(t);
            TaskRecord r = records.get(t);
            Map<String, Object> node = new LinkedHashMap<>();
            node.put("taskId", t);
            String name = s != null ? s.taskName() : r != null ? r.taskName()
                    : monitor.trailOf(t).map(x -> (String) x.view().get("taskName")).orElse(null);
            node.put("taskName", name);
            node.put("state", r == null ? "PENDING" : r.state().name());
            List<String> after = new ArrayList<>();
            if (s != null) {
                if (s.kind().equals("chord")) {
                    after.addAll(s.members());
                } else {
                    after.add(s.after());
                }
            }
            node.put("after", after);
            node.put("kind", s == null ? "first" : s.kind());
            nodes.add(node);
        }
        return Map.of("taskId", id, "steps", nodes);
    }

    // ---- plumbing

    private void stream(HttpExchange ex) throws IOException {
        if (openStreams.incrementAndGet() > MAX_STREAMS) {
            openStreams.decrementAndGet();
            send(ex, 503, "text/plain; charset=utf-8", "too many open event streams\n");
            return;
        }
        BlockingQueue<String> queue = new ArrayBlockingQueue<>(256);
        streams.add(queue);
        try {
            ex.getResponseHeaders().set("Content-Type", "text/event-stream; charset=utf-8");
            ex.sendResponseHeaders(200, 0);
            OutputStream out = ex.getResponseBody();
            out.write(("retry: 2000\nevent: tick\ndata: " + json.writeValueAsString(overview()) + "\n\n")
                    .getBytes(StandardCharsets.UTF_8));
            out.flush();
            while (!closed) {
                String frame = queue.poll(15, TimeUnit.SECONDS);
                if (frame == null) {
                    frame = ": keep-alive\n\n";
                } else if (frame.isEmpty()) {
                    break;
                }
                out.write(frame.getBytes(StandardCharsets.UTF_8));
                out.flush();
            }
        } catch (IOException gone) {
            log.debug("event stream closed: {}", gone.toString());
        } catch (InterruptedException stop) {
            Thread.currentThread().interrupt();
        } finally {
            streams.remove(queue);
            openStreams.decrementAndGet();
        }
    }

    private JsonNode readBody(HttpExchange ex) throws IOException {
        try (InputStream in = ex.getRequestBody()) {
            byte[] bytes = in.readNBytes(MAX_BODY + 1);
            if (bytes.length > MAX_BODY) {
                return null;
            }
            if (bytes.length == 0) {
                return json.createObjectNode();
            }
            try {
                JsonNode node = json.readTree(bytes);
                return node != null && node.isObject() ? node : null;
            } catch (IOException notJson) {
                return null;
            }
        }
    }

    private static Map<String, String> query(HttpExchange ex) {
        Map<String, String> m = new HashMap<>();
        String raw = ex.getRequestURI().getRawQuery();
        if (raw == null) {
            return m;
        }
        for (String pair : raw.split("&")) {
            int eq = pair.indexOf('=');
            if (eq > 0) {
                m.put(decode(pair.substring(0, eq)), decode(pair.substring(eq + 1)));
            }
        }
        return m;
    }

    private static String decode(String s) {
        try {
            return URLDecoder.decode(s, StandardCharsets.UTF_8);
        } catch (IllegalArgumentException bad) {
            return s;
        }
    }

    private static String resource(String name) throws IOException {
        try (InputStream in = DashboardServer.class.getResourceAsStream(STATIC + name)) {
            return in == null ? null : new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    private void sendJson(HttpExchange ex, int status, Object body) throws IOException {
        send(ex, status, "application/json; charset=utf-8", json.writeValueAsString(body));
    }

    private static void send(HttpExchange ex, int status, String type, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", type);
        boolean head = ex.getRequestMethod().equals("HEAD");
        ex.sendResponseHeaders(status, head || bytes.length == 0 ? -1 : bytes.length);
        if (!head && bytes.length > 0) {
            ex.getResponseBody().write(bytes);
        }
    }
}
