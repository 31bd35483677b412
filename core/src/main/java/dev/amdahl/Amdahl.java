package dev.amdahl;

import com.fasterxml.jackson.databind.JavaType;
import dev.amdahl.internal.beat.Beat;
import dev.amdahl.internal.client.Dispatcher;
import dev.amdahl.internal.json.Json;
import dev.amdahl.internal.observe.Observers;
import dev.amdahl.internal.process.ProcessExecutionPool;
import dev.amdahl.internal.provider.Providers;
import dev.amdahl.internal.task.ApplicationAccess;
import dev.amdahl.internal.task.QueueNames;
import dev.amdahl.internal.task.RegisteredTask;
import dev.amdahl.internal.task.Router;
import dev.amdahl.internal.task.TaskInvoker;
import dev.amdahl.internal.task.TaskRegistry;
import dev.amdahl.internal.wire.ByReference;
import dev.amdahl.internal.wire.MessageSigner;
import dev.amdahl.internal.worker.ExecutionPool;
import dev.amdahl.internal.worker.ThreadExecutionPool;
import dev.amdahl.internal.worker.WorkerRuntime;
import dev.amdahl.internal.wire.MessageCodec;
import dev.amdahl.internal.wire.Wire;
import dev.amdahl.internal.workflow.Canvas;
import dev.amdahl.observe.TaskObserver;
import dev.amdahl.spi.Broker;
import dev.amdahl.spi.Claims;
import dev.amdahl.spi.ProviderContext;
import dev.amdahl.spi.ResultBackend;
import dev.amdahl.spi.UrlMasking;
import dev.amdahl.spi.WireProtocol;
import java.lang.reflect.Constructor;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * An Amdahl application: the tasks it knows, the broker that carries them and the backend that keeps
 * their results. Made by {@link #builder()}; close it when done.
 *
 * <pre>{@code
 * try (Amdahl app = Amdahl.builder().build()) {                       // embedded broker: nothing to install
 *     Task<Tile, int[]> render = app.task("mandelbrot.tile", Tile.class, int[].class, Mandelbrot::render);
 *     try (Worker worker = app.startWorker(WorkerOptions.builder().concurrency(4).build())) {
 *         List<int[]> tiles = render.map(tilesOf(picture)).get();
 *     }
 * }
 * }</pre>
 *
 * With a real broker the same code spans machines: {@code Amdahl.builder().broker("redis://10.0.0.5:6379")},
 * and workers started elsewhere with {@code amdahl worker --broker redis://10.0.0.5:6379 --include com.example.MyTasks}.
 */
public final class Amdahl implements AutoCloseable {

    static {
        ApplicationAccess.install(new ApplicationAccess() {
            @Override
            public TaskInvoker invoker(Amdahl app) {
                return app.invoker();
            }

            @Override
            public TaskRegistry registry(Amdahl app) {
                return app.registry;
            }

            @Override
            public List<Class<? extends TaskCatalog>> catalogs(Amdahl app) {
                return app.catalogs();
            }

            @Override
            public int maxResultBytes(Amdahl app) {
                return app.maxResultBytes;
            }
        });
    }

    private final Broker broker;
    private final ResultBackend backend;
    private final Clock clock;
    private final String defaultQueue;
    private final Router router;
    private final int maxResultBytes;
    private final MessageSigner signer;
    private final Wire wire;
    private final Observers observers;
    private final TaskRegistry registry = new TaskRegistry();
    private final Dispatcher dispatcher;
    /** Large arguments, stored once in the backend; {@code null} for a wire protocol that cannot carry handles. */
    private final ByReference references;
    private final Set<Class<? extends TaskCatalog>> catalogs = new LinkedHashSet<>();
    private final List<Worker> workers = new CopyOnWriteArrayList<>();
    /** Periodic tasks by name, in the order they were added; guarded by itself. */
    private final Map<String, Beat.PeriodicTask> schedules = new LinkedHashMap<>();
    private final List<Scheduler> schedulers = new CopyOnWriteArrayList<>();
    /** The catalog whose {@code register} is running, so its tasks remember where they came from. */
    private Class<? extends TaskCatalog> registering;

    /** The encoded size over which a message's arguments travel by reference, unless set: 256 KiB. */
    public static final long DEFAULT_BY_REFERENCE_ABOVE = 256 * 1024;

    private Amdahl(Builder b, Broker broker, ResultBackend backend) {
        this.broker = broker;
        this.backend = backend;
        this.clock = b.clock;
        this.defaultQueue = b.defaultQueue;
        this.router = b.router;
        this.maxResultBytes = b.maxResultBytes;
        this.signer = b.signingKeys == null ? MessageSigner.NONE : b.signingKeys.signer();
        this.wire = b.protocol == null ? Wire.amdahl(MessageCodec.of(b.messageLimits), signer)
                : Wire.of(b.protocol, b.messageLimits, name -> {
                    RegisteredTask<?, ?> t = registry.find(name);
                    return t == null ? null : t.argumentType();
                });
        List<TaskObserver> observing = new ArrayList<>(b.observers);
        if (b.protocol != null && b.brokerInstance == null) {
            observing.addAll(b.protocol.workerObservers(Builder.uri(b.brokerUrl, "broker"), this));
        }
        this.observers = Observers.of(observing);
        // a handle is Amdahl's own: a message in another protocol's format (Celery's) carries its arguments by value
        this.references = b.protocol == null ? new ByReference(backend, clock, b.byReferenceAbove, b.messageLimits) : null;
        this.dispatcher = new Dispatcher(broker, backend, clock, b.eager ? invoker() : null, wire, observers, references);
        for (Class<? extends TaskCatalog> catalog : b.catalogs) {
            include(catalog);
        }
    }

    /** A builder for an application on the embedded broker, to be pointed elsewhere with {@link Builder#broker(String)}. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Registers a task: its name, argument and result types, and code. Returns the handle to submit it.
     *
     * @throws IllegalArgumentException when another task already has this name
     */
    public <A, R> Task<A, R> task(String name, Class<A> argumentType, Class<R> resultType, TaskFunction<A, R> code) {
        return task(name, argumentType, resultType, TaskOptions.ofDefaults(), code);
    }

    /**
     * Registers a task with its options: how it is retried, its rate limits, and the defaults of its
     * submissions (queue, priority, expiry, retries, time limits), which a submission may change with
     * {@link Task#withOptions} and {@link SubmitOptions}.
     *
     * <pre>{@code
     * Task<Url, Page> fetch = app.task("web.fetch", Url.class, Page.class,
     *         TaskOptions.builder().retryOn(IOException.class).maxRetries(5).rateLimit("10/s").build(),
     *         Crawler::fetch);
     * }</pre>
     *
     * @throws IllegalArgumentException when another task already has this name
     */
    public <A, R> Task<A, R> task(String name, Class<A> argumentType, Class<R> resultType, TaskOptions defaults,
                                  TaskFunction<A, R> code) {
        return task(name, typeRef(argumentType, "argumentType"), typeRef(resultType, "resultType"), defaults, code);
    }

    /**
     * A handle on a task implemented elsewhere (by workers in other processes), to submit it by name,
     * as Celery's {@code send_task}. If this application registers the code later, the handle runs it.
     */
    public <A, R> Task<A, R> task(String name, Class<A> argumentType, Class<R> resultType) {
        return task(name, typeRef(argumentType, "argumentType"), typeRef(resultType, "resultType"));
    }

    /**
     * Registers a task whose argument or result type is generic, as {@link #task(String, Class, Class, TaskFunction)}
     * does for plain classes; {@link TypeRef} says the type:
     *
     * <pre>{@code
     * Task<Album, List<Image>> thumbnails = app.task("album.thumbnails",
     *         TypeRef.of(Album.class), new TypeRef<List<Image>>() { }, Albums::thumbnails);
     * }</pre>
     *
     * @throws IllegalArgumentException when another task already has this name
     */
    public <A, R> Task<A, R> task(String name, TypeRef<A> argumentType, TypeRef<R> resultType, TaskFunction<A, R> code) {
        return task(name, argumentType, resultType, TaskOptions.ofDefaults(), code);
    }

    /** {@link #task(String, TypeRef, TypeRef, TaskFunction)} with options, as {@link #task(String, Class, Class, TaskOptions, TaskFunction)}. */
    public <A, R> Task<A, R> task(String name, TypeRef<A> argumentType, TypeRef<R> resultType, TaskOptions defaults,
                                  TaskFunction<A, R> code) {
        Objects.requireNonNull(code, "code");
        Objects.requireNonNull(defaults, "defaults");
        return register(name, javaType(argumentType, "argumentType"), javaType(resultType, "resultType"), defaults, code);
    }

    /** A handle on a task implemented elsewhere whose types are generic, as {@link #task(String, Class, Class)}. */
    public <A, R> Task<A, R> task(String name, TypeRef<A> argumentType, TypeRef<R> resultType) {
        return register(name, javaType(argumentType, "argumentType"), javaType(resultType, "resultType"),
                TaskOptions.ofDefaults(), null);
    }

    private static JavaType javaType(TypeRef<?> ref, String what) {
        return Json.mapper().constructType(Objects.requireNonNull(ref, what).type());
    }

    private static <T> TypeRef<T> typeRef(Class<T> type, String what) {
        return TypeRef.of(Objects.requireNonNull(type, what));
    }

    private <A, R> Task<A, R> register(String name, JavaType a, JavaType r, TaskOptions defaults, TaskFunction<A, R> code) {
        checkTaskName(name);
        RegisteredTask<A, R> task = registry.register(new RegisteredTask<>(name, a, r, code, code == null ? null : registering, defaults));
        return new Task<>(task, dispatcher, queueOf(task), task.defaults().submitDefaults());
    }

    /** Where a task goes unless a submission says otherwise: its registration, else the routes, else the default queue. */
    private String queueOf(RegisteredTask<?, ?> task) {
        String routed = router.route(task.name());
        return task.defaults().queue().orElse(routed != null ? routed : defaultQueue);
    }

    /**
     * A group of signatures to run in parallel; submit it, or follow it with a callback to make a chord.
     *
     * <pre>{@code
     * TaskFuture<Long> total = app.group(parts.stream().map(count::sig).toList()).then(sum.sig()).submit();
     * }</pre>
     */
    public <R> GroupSignature<R> group(List<Signature<R>> members) {
        return new GroupSignature<>(new Canvas.GroupNode(members.stream().map(Signature::node).toList()), dispatcher);
    }

    /** Registers the tasks of a catalog, which worker processes can then replay. */
    public synchronized Amdahl include(Class<? extends TaskCatalog> catalog) {
        if (!catalogs.add(catalog)) {
            return this;
        }
        TaskCatalog instance = instantiate(catalog);
        registering = catalog;
        try {
            instance.register(this);
        } finally {
            registering = null;
        }
        return this;
    }

    private static TaskCatalog instantiate(Class<? extends TaskCatalog> catalog) {
        try {
            Constructor<? extends TaskCatalog> c = catalog.getDeclaredConstructor();
            c.setAccessible(true);
            return c.newInstance();
        } catch (ReflectiveOperationException | RuntimeException e) {
            throw new IllegalArgumentException("task catalog " + catalog.getName() + " cannot be created: it needs a"
                    + " public no-argument constructor (" + e + ")", e);
        }
    }

    /**
     * Starts a worker in this process that consumes this application's broker.
     *
     * @throws AmdahlException when the pool cannot run here (virtual threads on Java 17, processes for
     *                         tasks registered outside a catalog), saying what to change
     */
    public Worker startWorker(WorkerOptions options) {
        ExecutionPool pool = switch (options.pool()) {
            case THREADS -> ThreadExecutionPool.platform(invoker(), options.concurrency());
            case VIRTUAL -> ThreadExecutionPool.virtual(invoker(), options.concurrency());
            case PROCESSES -> ProcessExecutionPool.start(registry, catalogs(), maxResultBytes, options);
        };
        WorkerRuntime[] self = new WorkerRuntime[1];
        WorkerRuntime worker;
        try {
            worker = new WorkerRuntime(options, broker, backend, clock, pool, () -> workers.remove(self[0]),
                    registry, System::nanoTime, wire, observers, references);
        } catch (RuntimeException e) {
            // options this broker cannot honour: the pool (child processes, perhaps) goes with the worker that was not made
            pool.stopAccepting();
            pool.awaitRunning(Duration.ZERO);
            throw e;
        }
        self[0] = worker;
        worker.describeSchedules(() -> {
            if (schedulers.isEmpty()) {
                return List.of();
            }
            synchronized (schedules) {
                return schedules.values().stream().map(t -> t.name() + " (" + t.schedule() + ")").toList();
            }
        });
        workers.add(worker);
        worker.start();
        return worker;
    }

    /** Starts a worker with {@link WorkerOptions#ofDefaults()}. */
    public Worker startWorker() {
        return startWorker(WorkerOptions.ofDefaults());
    }

    /**
     * Adds a periodic task: {@code signature} is submitted at each tick of {@code schedule} by the
     * application's schedulers ({@link #startScheduler}). Register the same periodic tasks in every process
     * that runs a scheduler (a {@link TaskCatalog} is a good place); each tick fires once however many run.
     *
     * <pre>{@code
     * app.schedule("report.nightly", Schedule.cron("0 3 * * *", ZoneId.of("Europe/Berlin")), report.sig("daily"));
     * }</pre>
     *
     * @param name names the periodic task in the result backend's claims and records, so it must stay the
     *             same across restarts and hosts: 1 to 200 letters, digits, '_', '-', '.' or ':'
     * @throws IllegalArgumentException when the name is taken or not allowed, the signature belongs to
     *                                  another application, or it cannot be submitted (its first task has no argument)
     */
    public void schedule(String name, Schedule schedule, Signature<?> signature) {
        if (!QueueNames.allowed(name)) {
            throw new IllegalArgumentException("periodic task name '" + name + "' is not allowed: use 1 to 200 letters, digits, '_', '-', '.' or ':'");
        }
        Objects.requireNonNull(schedule, "schedule");
        Objects.requireNonNull(signature, "signature");
        if (signature.dispatcher() != dispatcher) {
            throw new IllegalArgumentException("periodic task '" + name + "': the signature was made by another Amdahl"
                    + " application; make it with a task handle of this one");
        }
        Canvas.compile(signature.node()); // fails now, not at 3 a.m., when the workflow cannot be submitted
        synchronized (schedules) {
            if (schedules.containsKey(name)) {
                throw new IllegalArgumentException("a periodic task named '" + name + "' is scheduled already");
            }
            schedules.put(name, new Beat.PeriodicTask(name, schedule, signature));
        }
    }

    /**
     * Starts a scheduler ("beat") that submits this application's periodic tasks when they come due. Run
     * one per host next to the workers: each tick still fires once (see {@link Scheduler}).
     *
     * @throws AmdahlException when the result backend has no expiring claims ({@link Claims}), which make each
     *                         tick fire once however many schedulers run
     */
    public Scheduler startScheduler(SchedulerOptions options) {
        Objects.requireNonNull(options, "options");
        Claims claims = backend.capability(Claims.class).orElseThrow(() -> new AmdahlException("cannot start a"
                + " scheduler: the result backend " + backend.getClass().getName() + " does not support expiring claims"
                + " (it has no " + Claims.class.getName() + " capability), by which each tick fires once however many"
                + " schedulers run; start it with a result backend that supports them, such as redis:// or the embedded one"));
        Scheduler[] self = new Scheduler[1];
        Beat beat = new Beat(options, () -> {
            synchronized (schedules) {
                return List.copyOf(schedules.values());
            }
        }, backend, claims, clock, () -> schedulers.remove(self[0]));
        self[0] = beat;
        schedulers.add(beat);
        beat.start();
        return beat;
    }

    /** Starts a scheduler with {@link SchedulerOptions#ofDefaults()}. */
    public Scheduler startScheduler() {
        return startScheduler(SchedulerOptions.ofDefaults());
    }

    /**
     * Puts the dead letters of {@code queue} with message id {@code messageId} back on that queue, to run again as new
     * messages ({@link Broker#requeueDeadLetter}). A message dead-lettered by a worker (out of deliveries, a task no
     * worker knows) left its task a FAILURE record, and a message whose task is final is acknowledged without running:
     * so that FAILURE is forgotten first (a record of any other state is kept: a task that ended otherwise does not run
     * again).
     *
     * <pre>{@code
     * app.broker().deadLetters("emails", 10).forEach(d -> app.requeueDeadLetter("emails", d.messageId()));
     * }</pre>
     *
     * @return how many dead letters were moved (0 when there is none with that id)
     * @throws UnsupportedOperationException when the broker cannot requeue dead letters
     */
    public int requeueDeadLetter(String queue, String messageId) {
        // a retry's message is "<task id>/retry-<n>" (see Retries); the record is the task's
        String taskId = messageId.replaceFirst("/retry-\\d+$", "");
        backend.get(taskId).filter(r -> r.state() == TaskState.FAILURE).ifPresent(r -> backend.forget(taskId));
        return broker.requeueDeadLetter(queue, messageId);
    }

    /**
     * Revokes a task by id, as Celery's {@code revoke}: its record becomes REVOKED at once, its futures
     * complete as cancelled, and no worker starts it, now or after a restart (for as long as the backend keeps
     * the record). A worker already running it lets it finish and discards its result; the record stays
     * REVOKED. To stop a running task as well, {@link #terminate} it. A task that has ended already is left
     * as it is, and revoking twice is harmless.
     *
     * <pre>{@code
     * app.revoke(report.id());     // it will not start; if it runs already, it finishes unrecorded
     * }</pre>
     */
    public void revoke(String taskId) {
        Objects.requireNonNull(taskId, "taskId");
        dispatcher.revoke(taskId, false);
    }

    /**
     * Revokes a task by id as {@link #revoke} does, and stops it if a worker is running it (Celery's
     * {@code revoke(terminate=True)}): thread pools interrupt the task's thread (and run on with a
     * replacement thread if the task ignores the interrupt), the process pool kills its child JVM and
     * starts another. The record's error is {@link ErrorType#TERMINATED}. A task that has ended already is
     * left as it is.
     *
     * <pre>{@code
     * app.terminate(render.id());  // stops the frame now, wherever it runs
     * }</pre>
     */
    public void terminate(String taskId) {
        Objects.requireNonNull(taskId, "taskId");
        dispatcher.revoke(taskId, true);
    }

    /** The queue of task {@code taskName} by the application's routes, or the default queue when none matches. */
    public String route(String taskName) {
        String routed = router.route(taskName);
        return routed != null ? routed : defaultQueue;
    }

    /** The queue tasks are submitted to unless a handle or a route says otherwise. */
    public String defaultQueue() {
        return defaultQueue;
    }

    /** The broker, for tools (inspecting queues, purging); tasks need only {@link Task}. */
    public Broker broker() {
        return broker;
    }

    /** The result backend, for tools; tasks need only {@link TaskFuture}. */
    public ResultBackend resultBackend() {
        return backend;
    }

    /** The names of the registered tasks, sorted. */
    public List<String> taskNames() {
        return registry.names();
    }

    private TaskInvoker invoker() {
        return new TaskInvoker(registry, clock, maxResultBytes);
    }

    private synchronized List<Class<? extends TaskCatalog>> catalogs() {
        return new ArrayList<>(catalogs);
    }

    /** Stops this application's schedulers, then its workers gracefully, then closes the broker and backend. */
    @Override
    public void close() {
        for (Scheduler s : List.copyOf(schedulers)) {
            s.close();
        }
        for (Worker w : List.copyOf(workers)) {
            w.close();
        }
        dispatcher.close();
        try {
            broker.close();
        } finally {
            backend.close();
        }
    }

    private static void checkTaskName(String name) {
        if (name == null || name.isBlank() || name.length() > 200) {
            throw new IllegalArgumentException("a task name must be 1 to 200 characters, not blank: was '" + name + "'");
        }
    }

    /**
     * Builds an {@link Amdahl} application. Fails fast: {@link #build()} names the option that is wrong.
     *
     * <pre>{@code
     * Amdahl app = Amdahl.builder()
     *         .broker("redis://127.0.0.1:6379")        // results go to the same Redis unless resultBackend(...) says otherwise
     *         .include(MandelbrotTasks.class)
     *         .build();
     * }</pre>
     */
    public static final class Builder {
        private String brokerUrl = "memory://";
        private String backendUrl;
        private Broker brokerInstance;
        private ResultBackend backendInstance;
        private Clock clock = Clock.systemUTC();
        private boolean eager;
        private String defaultQueue = WorkerOptions.DEFAULT_QUEUE;
        private Router router = Router.none();
        private int maxResultBytes = 16 * 1024 * 1024;
        private long byReferenceAbove = DEFAULT_BY_REFERENCE_ABOVE;
        private SigningKeys signingKeys;
        private MessageLimits messageLimits = MessageLimits.ofDefaults();
        private WireProtocol protocol;
        private boolean defaultQueueSet;
        private final List<Class<? extends TaskCatalog>> catalogs = new ArrayList<>();
        private final List<TaskObserver> observers = new ArrayList<>();

        private Builder() {
        }

        /**
         * Adds an observer of this application's tasks: told of each submission, and of each task its workers take,
         * run and finish (see {@link TaskObserver}). Metrics and tracing bind here:
         *
         * <pre>{@code
         * Amdahl app = Amdahl.builder()
         *         .observer(AmdahlMetrics.bindTo(registry))      // amdahl-metrics: Micrometer
         *         .observer(OpenTelemetryTracing.global())       // amdahl-tracing: OpenTelemetry spans
         *         .build();
         * }</pre>
         *
         * Observers are called in the order they were added.
         */
        public Builder observer(TaskObserver observer) {
            this.observers.add(Objects.requireNonNull(observer, "observer"));
            return this;
        }

        /** The broker URL: {@code memory://} (the default, this process only), {@code redis://host:port}, ... */
        public Builder broker(String url) {
            this.brokerUrl = Objects.requireNonNull(url, "url");
            this.brokerInstance = null;
            return this;
        }

        /** A broker made elsewhere (a custom one, or one shared by several applications in a test). */
        public Builder broker(Broker broker) {
            this.brokerInstance = Objects.requireNonNull(broker, "broker");
            return this;
        }

        /** The result backend URL; defaults to the broker's URL when that scheme has a backend. */
        public Builder resultBackend(String url) {
            this.backendUrl = Objects.requireNonNull(url, "url");
            this.backendInstance = null;
            return this;
        }

        /** A result backend made elsewhere. */
        public Builder resultBackend(ResultBackend backend) {
            this.backendInstance = Objects.requireNonNull(backend, "backend");
            return this;
        }

        /** The clock for ETAs, expiry and timestamps; tests inject their own. */
        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /**
         * Eager mode, for users' unit tests: {@code submit} runs the task at once in the caller's thread,
         * through the same JSON encode/decode round trip as on a broker, so an argument that would not
         * survive the wire fails the test.
         */
        public Builder eager(boolean eager) {
            this.eager = eager;
            return this;
        }

        /** The queue tasks go to unless a handle says otherwise ({@code amdahl} by default). */
        public Builder defaultQueue(String queue) {
            QueueNames.check(queue);
            this.defaultQueue = queue;
            this.defaultQueueSet = true;
            return this;
        }

        /**
         * Routes the tasks whose name matches {@code pattern} to {@code queue} (Celery's {@code task_routes}).
         * {@code *} in the pattern stands for any characters, {@code ?} for one; routes are tried in the
         * order they were added and the first match wins. A queue given at registration or per submission
         * ({@link TaskOptions.Builder#queue}) beats the routes.
         *
         * <pre>{@code
         * Amdahl app = Amdahl.builder()
         *         .route("photo.thumbnail", "cpu")     // one task by name
         *         .route("photo.*", "io")              // the rest of the photo tasks
         *         .build();
         * }</pre>
         *
         * @throws IllegalArgumentException when the pattern is blank or the queue name is not allowed
         */
        public Builder route(String pattern, String queue) {
            this.router = router.with(pattern, queue);
            return this;
        }

        /**
         * A task message whose encoding is over this many bytes (256 KiB by default) travels by reference: its arguments
         * are stored once in the result backend (kept as long as results are) and the message carries a handle, so the
         * queue does not carry them, nor again for every retry; a workflow step's arguments (a chord's results) too.
         * {@link Long#MAX_VALUE} sends everything by value. Give the clients and the workers of one broker the same.
         */
        public Builder byReferenceAbove(long bytes) {
            if (bytes < 0) {
                throw new IllegalArgumentException("byReferenceAbove must not be negative, was " + bytes);
            }
            this.byReferenceAbove = bytes;
            return this;
        }

        /** Results larger than this many characters of JSON fail the task instead (16 MiB by default). */
        public Builder maxResultBytes(int max) {
            if (max < 1) {
                throw new IllegalArgumentException("maxResultBytes must be positive, was " + max);
            }
            this.maxResultBytes = max;
            return this;
        }

        /**
         * Signs every task message this application publishes and makes its workers run only messages that
         * verify (see {@link SigningKeys}). Give the clients and the workers of one broker the same keys.
         */
        public Builder signingKeys(SigningKeys keys) {
            this.signingKeys = Objects.requireNonNull(keys, "keys");
            return this;
        }

        /**
         * What one task message may hold ({@link MessageLimits#ofDefaults()} unless set): a submission over a limit is
         * refused at once, naming it, and a worker rejects a message over it before it costs much. Give clients
         * and workers the same limits.
         */
        public Builder messageLimits(MessageLimits limits) {
            this.messageLimits = Objects.requireNonNull(limits, "limits");
            return this;
        }

        /**
         * The protocol of the messages on the broker ({@link WireProtocol}): Amdahl's own unless set. With another one,
         * such as Celery's from {@code amdahl-celery}, this application's clients and workers share queues with that
         * system's; the protocol may bring its own layout of the broker and the result backend, and its default queue.
         *
         * <pre>{@code
         * Amdahl app = Amdahl.builder().wireProtocol("celery").broker("redis://127.0.0.1:6379/0").build();
         * }</pre>
         */
        public Builder wireProtocol(WireProtocol protocol) {
            this.protocol = Objects.requireNonNull(protocol, "protocol");
            return this;
        }

        /**
         * The protocol named {@code name}, found among the {@link WireProtocol} providers on the class path;
         * {@code amdahl} is Amdahl's own.
         *
         * @throws IllegalArgumentException naming the protocols there are and the module to add
         */
        public Builder wireProtocol(String name) {
            Objects.requireNonNull(name, "name");
            if (name.equals("amdahl")) {
                this.protocol = null;
                return this;
            }
            List<String> known = new ArrayList<>(List.of("amdahl"));
            for (WireProtocol p : ServiceLoader.load(WireProtocol.class, Amdahl.class.getClassLoader())) {
                if (p.name().equals(name)) {
                    return wireProtocol(p);
                }
                known.add(p.name());
            }
            throw new IllegalArgumentException("no wire protocol '" + name + "' on the class path (known: " + known + ")"
                    + (name.equals("celery") ? "; add the module that provides it, dev.amdahl:amdahl-celery" : ""));
        }

        /** Registers the tasks of catalogs (see {@link TaskCatalog}); needed for the process pool. */
        @SafeVarargs
        public final Builder include(Class<? extends TaskCatalog>... catalogs) {
            this.catalogs.addAll(List.of(catalogs));
            return this;
        }

        /**
         * Opens the broker and backend and registers the included tasks.
         *
         * @throws IllegalArgumentException when a URL is malformed, no module provides its scheme, or the
         *                                  broker and backend cannot work together
         */
        public Amdahl build() {
            if (protocol != null && signingKeys != null) {
                throw new IllegalArgumentException("signingKeys(...) signs Amdahl's own messages; the " + protocol.name()
                        + " wire protocol carries no signature. Remove one of them");
            }
            if (protocol != null && !defaultQueueSet) {
                protocol.defaultQueue().ifPresent(q -> defaultQueue = q);
            }
            ProviderContext context = new ProviderContext(clock);
            Broker broker = brokerInstance != null ? brokerInstance : openBroker(context);
            ResultBackend backend;
            try {
                backend = backendInstance != null ? backendInstance
                        : openBackend(brokerInstance == null ? context.withBroker(uri(brokerUrl, "broker")) : context);
                if (broker.isShared() && backend instanceof dev.amdahl.internal.memory.MemoryResultBackend) {
                    backend.close();
                    throw new IllegalArgumentException("the broker reaches other processes but the result backend is "
                            + "memory://, which only this process can see: workers elsewhere could not report results. "
                            + "Set resultBackend(...) to a shared backend such as redis://");
                }
            } catch (RuntimeException e) {
                if (brokerInstance == null) {
                    broker.close();
                }
                throw e;
            }
            return new Amdahl(this, broker, backend);
        }

        private Broker openBroker(ProviderContext context) {
            URI uri = uri(brokerUrl, "broker");
            if (protocol != null) {
                java.util.Optional<Broker> own = protocol.openBroker(uri, context);
                if (own.isPresent()) {
                    return own.get();
                }
            }
            return Providers.openBroker(uri, context);
        }

        private ResultBackend openBackend(URI uri, ProviderContext context) {
            if (protocol != null) {
                java.util.Optional<ResultBackend> own = protocol.openResultBackend(uri, context);
                if (own.isPresent()) {
                    return own.get();
                }
            }
            return Providers.openBackend(uri, context);
        }

        private ResultBackend openBackend(ProviderContext context) {
            if (backendUrl != null) {
                return openBackend(uri(backendUrl, "result backend"), context);
            }
            if (brokerInstance != null) {
                return Providers.openBackend(uri("memory://", "result backend"), context);
            }
            try {
                return openBackend(uri(brokerUrl, "broker"), context);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("the broker " + UrlMasking.mask(brokerUrl) + " keeps no results; set resultBackend(...)"
                        + " (e.g. redis://127.0.0.1:6379): " + e.getMessage(), e);
            }
        }

        private static URI uri(String url, String what) {
            try {
                // "memory://" has an empty authority, which java.net.URI refuses; "memory:///" means the same
                return new URI(url.endsWith("://") ? url + "/" : url);
            } catch (URISyntaxException e) {
                // no cause, and the reason without the input: URISyntaxException's message repeats the URL, password and all
                throw new IllegalArgumentException("the " + what + " URL '" + UrlMasking.mask(url) + "' is malformed: "
                        + e.getReason() + (e.getIndex() >= 0 ? " at index " + e.getIndex() : ""));
            }
        }
    }
}
