package dev.amdahl.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.amdahl.Amdahl;
import dev.amdahl.GroupFuture;
import dev.amdahl.Task;
import dev.amdahl.TaskContext;
import dev.amdahl.TaskFuture;
import dev.amdahl.TaskState;
import dev.amdahl.WorkerOptions;
import dev.amdahl.spi.Broker;
import dev.amdahl.spi.DeadLetter;
import dev.amdahl.spi.ForwardingBroker;
import dev.amdahl.spi.ResultBackend;
import dev.amdahl.spi.TaskRecord;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Chaos, as part of the definition of "a broker works": several workers run thousands of tasks, submitted in
 * groups, while the suite kills and pauses workers, restarts the broker and cuts, stalls and slows the
 * workers' connections; then it checks that nothing was lost and that every task that ran twice ran twice
 * for a reason it can name. A broker module runs it with a near-empty subclass:
 *
 * <pre>{@code
 * class RedisChaosContractIT extends ChaosContractTest {
 *     static PrivateRedis redis; // started in @BeforeAll: a server of the test's own, so the test may restart it
 *
 *     protected Broker openBroker(Settings s) { return new RedisBrokerProvider().open(url(redis.hostPort(), s), context); }
 *     protected ResultBackend openResultBackend(Settings s) { return new RedisResultBackendProvider().open(url(redis.hostPort(), s), context); }
 *     protected boolean workersInOtherJvms() { return true; }
 *     protected String workerBrokerUrl(String hostPort, Settings s) { return url(hostPort, s).toString(); }
 *     protected Optional<InetSocketAddress> brokerAddress() { return Optional.of(new InetSocketAddress("127.0.0.1", redis.port())); }
 *     protected boolean restartsBroker() { return true; }
 *     protected void restartBroker() throws Exception { redis.kill(); redis.start(); }
 * }</pre>
 *
 * <h2>What counts as an execution</h2>
 * The task writes each run to an {@link ExecutionLedger} of its worker before it does its work, a file the
 * framework does not know about; a run cut short by a fault counts too. So the suite counts executions
 * independently of the framework's own bookkeeping, which is what is under test.
 *
 * <h2>The faults</h2>
 * Each fault is an {@link Event} with a time window, the workers it hit and a bound on how many tasks it
 * may cause to run twice: what the workers it hit may have held, prefetch each.
 * <ul>
 *   <li>{@code KILL}: a worker in another JVM gets SIGKILL; an in-process one is abandoned: its broker and
 *       backend stop answering and it never settles what it held. A replacement starts.</li>
 *   <li>{@code PAUSE}: SIGSTOP past the visibility timeout, then SIGCONT; in process, every call of the
 *       worker to the broker and the backend, and every task start, blocks for as long.</li>
 *   <li>{@code RESTART}: the broker is restarted (a private server the subclass started); submitting waits
 *       meanwhile, since a client whose publish fails is not what this suite tests.</li>
 *   <li>{@code CUT}, {@code STALL}, {@code SLOW}: the workers' connections pass through a
 *       {@link LoopbackProxy}, which closes them, stops moving bytes, or delays every chunk.</li>
 * </ul>
 * A fault a broker cannot take (no network address for a proxy, no restart) is skipped with its reason in
 * the test output; the rest still run.
 *
 * <h2>What it asserts</h2>
 * Every task ends SUCCESS with its value; none is lost (each ran at least once and its record is stored);
 * every extra run of a task overlaps a fault on a worker that ran a copy of it, and no fault explains more
 * extra runs than its bound; the queue is empty and has no dead letters.
 *
 * <h2>Size</h2>
 * CI size by default; system properties make it bigger: {@code amdahl.chaos.tasks} (3,000),
 * {@code amdahl.chaos.rounds} (how often the list of faults is run, 1), {@code amdahl.chaos.workers} (3),
 * {@code amdahl.chaos.seed} (which worker each fault hits; printed, so a run can be repeated).
 */
@Timeout(value = 20, unit = TimeUnit.MINUTES)
public abstract class ChaosContractTest {

    /** The name of the suite's task: squares an {@code Integer} into a {@code Long}. */
    public static final String TASK = "chaos.square";

    /** The kinds of fault, in the order one round runs them. */
    public enum Fault { KILL, SLOW, PAUSE, CUT, RESTART, STALL }

    /**
     * What the suite asks of the broker it opens.
     *
     * @param visibilityTimeout how long a delivery may go unsettled and unextended before it is delivered again
     * @param maxDeliveries     how often a message may be delivered before it is dead-lettered; high, since
     *                          one message may be hit by several faults
     */
    public record Settings(Duration visibilityTimeout, int maxDeliveries) {
    }

    /**
     * One fault, as it happened.
     *
     * @param number        its place in the run, from 1
     * @param kind          what was done
     * @param worker        the worker it hit, {@code null} for all of them
     * @param startMillis   when it began (epoch ms)
     * @param endMillis     when it ended (the same for an instant fault)
     * @param inFlightBound how many tasks the workers it hit may have held, so may run twice
     * @param detail        what else is worth printing
     */
    public record Event(int number, Fault kind, String worker, long startMillis, long endMillis, int inFlightBound,
                        String detail) {

        boolean hit(String workerName) {
            return worker == null || worker.equals(workerName);
        }

        @Override
        public String toString() {
            return "#" + number + " " + kind + " " + (worker == null ? "all workers" : worker) + " " + time(startMillis)
                    + (endMillis == startMillis ? "" : " .. " + time(endMillis)) + ", in flight <= " + inFlightBound
                    + (detail.isEmpty() ? "" : ", " + detail);
        }
    }

    private static final Duration VISIBILITY_TIMEOUT = Duration.ofSeconds(3);
    private static final int MAX_DELIVERIES = 20;
    private static final int CONCURRENCY = 2;
    private static final int PREFETCH = 4;
    private static final int GROUP = 50;
    /** Groups in flight at once: enough work for every worker, little enough that faults hit a busy run. */
    private static final int WINDOW = 6;
    /** A group that takes this long, on a run where groups take a second or two, is stuck: the run stops there. */
    private static final Duration STUCK = Duration.ofSeconds(60);
    private static final Duration TASK_TIME = Duration.ofMillis(2);
    private static final Duration STALL_TIME = Duration.ofSeconds(2);
    private static final Duration SLOW_TIME = Duration.ofSeconds(3);
    private static final Duration SLOW_DELAY = Duration.ofMillis(20);
    /**
     * How far before a fault a task may have started and still be unsettled, and after it a copy may still run:
     * a visibility timeout each way is far more than a 2 ms task takes to be stored and acknowledged.
     */
    private static final long SLACK_MILLIS = VISIBILITY_TIMEOUT.toMillis() + 1_000;
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm:ss.SSS").withZone(ZoneOffset.UTC);

    private final int tasks = Integer.getInteger("amdahl.chaos.tasks", ciTasks());
    private final int rounds = Integer.getInteger("amdahl.chaos.rounds", 1);
    private final int workerCount = Integer.getInteger("amdahl.chaos.workers", 3);
    private final long seed = Long.getLong("amdahl.chaos.seed", System.nanoTime() & 0xffff_ffffL);
    /** 0: the worker's own choice, which is what users get; set, to tell the lease defects from others. */
    private final long leaseRenewalMillis = Long.getLong("amdahl.chaos.lease-renewal-ms", 0);

    // ---- what a broker module provides ----

    /**
     * How many tasks a run has when {@code amdahl.chaos.tasks} does not say: 3,000. A module that runs the suite
     * twice (on another topology of the same broker) may run the second smaller, to keep CI short.
     */
    protected int ciTasks() {
        return 3_000;
    }

    /** Opens the broker the client submits with; workers in this JVM share it. */
    protected abstract Broker openBroker(Settings settings);

    /** Opens the result backend the client waits on; workers in this JVM share it. */
    protected abstract ResultBackend openResultBackend(Settings settings);

    /**
     * Whether workers run in JVMs of their own ({@link ChaosWorkerMain}), reaching the broker by
     * {@link #workerBrokerUrl}: for a shared broker. The default, false, runs them in this JVM on views of the
     * client's broker and backend, the only way to reach an embedded broker.
     */
    protected boolean workersInOtherJvms() {
        return false;
    }

    /**
     * The broker URL a worker in another JVM opens, with {@code settings}, reaching the broker at
     * {@code hostPort} (the proxy's address when there is one).
     */
    protected String workerBrokerUrl(String hostPort, Settings settings) {
        throw new UnsupportedOperationException("workersInOtherJvms() is true, so override workerBrokerUrl");
    }

    /** The result backend URL such a worker opens; by default the broker's URL. */
    protected String workerResultBackendUrl(String hostPort, Settings settings) {
        return workerBrokerUrl(hostPort, settings);
    }

    /** Where the broker listens, for a proxy in front of it; empty when workers reach it without a network. */
    protected Optional<InetSocketAddress> brokerAddress() {
        return Optional.empty();
    }

    /** Whether {@link #restartBroker()} works: only for a server the test started itself, never a shared one. */
    protected boolean restartsBroker() {
        return false;
    }

    /** Stops the broker abruptly and starts it again at the same address; returns once it answers. */
    protected void restartBroker() throws Exception {
        throw new UnsupportedOperationException("restartsBroker() is true, so override restartBroker");
    }

    /** Why this broker cannot take {@code fault}, or empty when it can. */
    protected Optional<String> unsupported(Fault fault) {
        return switch (fault) {
            case KILL, PAUSE -> Optional.empty();
            case RESTART -> restartsBroker() ? Optional.empty() : Optional.of("restartsBroker() is false: the test did not start"
                    + " this broker itself (an embedded broker lives in the test's JVM and would lose its queues by design;"
                    + " a shared server is never restarted)");
            case CUT, STALL, SLOW -> brokerAddress().isPresent() && workersInOtherJvms() ? Optional.empty()
                    : Optional.of("the workers reach the broker without a network connection (brokerAddress() is empty or"
                    + " they run in this JVM), so there is none to cut, stall or slow");
        };
    }

    /**
     * Registers the suite's task on {@code app}: runs {@code beforeRun}, writes the execution to {@code ledger},
     * works for {@code work}, returns the square of its argument.
     */
    public static Task<Integer, Long> registerTask(Amdahl app, ExecutionLedger ledger, Duration work, Runnable beforeRun) {
        long millis = work.toMillis();
        return app.task(TASK, Integer.class, Long.class, n -> {
            beforeRun.run();
            ledger.record(TaskContext.current().taskId(), n);
            if (millis > 0) {
                Thread.sleep(millis);
            }
            return (long) n * n;
        });
    }

    // ---- the run ----

    private Settings settings;
    private Path dir;
    private String queue;
    private Broker broker;
    private ResultBackend backend;
    private LoopbackProxy proxy;
    private Random random;
    private final List<ChaosWorker> workers = Collections.synchronizedList(new ArrayList<>());
    private final List<Event> events = Collections.synchronizedList(new ArrayList<>());
    private final Map<Fault, String> skipped = new EnumMap<>(Fault.class);
    private int nextWorker = 1;

    @Test
    void everyTaskSucceedsAndEveryDuplicateHasACauseWhileWorkersDieAndConnectionsFail() throws Exception {
        settings = new Settings(VISIBILITY_TIMEOUT, MAX_DELIVERIES);
        random = new Random(seed);
        dir = Files.createTempDirectory("amdahl-chaos");
        queue = "chaos-" + Long.toHexString(seed);
        List<Fault> plan = plan();
        int groups = (tasks + GROUP - 1) / GROUP;
        assertThat(groups).as("groups of %d tasks for %d faults (amdahl.chaos.tasks too small)", GROUP, plan.size())
                .isGreaterThanOrEqualTo(2 * Math.max(1, plan.size()));
        Duration deadline = Duration.ofSeconds(120 + tasks / 100 + plan.size() * 15L);
        System.out.printf("chaos: %s, seed %d, %d tasks in %d groups, %d workers x concurrency %d, prefetch %d,"
                        + " visibility timeout %s, lease renewal %s, plan %s, deadline %s, ledgers in %s%n",
                getClass().getSimpleName(), seed, tasks, groups, workerCount, CONCURRENCY, PREFETCH, VISIBILITY_TIMEOUT,
                leaseRenewalMillis > 0 ? leaseRenewalMillis + " ms" : "the worker's default", plan, deadline, dir);
        skipped.forEach((f, why) -> System.out.println("chaos: fault " + f + " skipped: " + why));

        broker = openBroker(settings);
        backend = openResultBackend(settings);
        boolean passed = false;
        try (Amdahl client = Amdahl.builder().broker(broker).resultBackend(backend).defaultQueue(queue).build()) {
            if (workersInOtherJvms() && brokerAddress().isPresent()) {
                proxy = LoopbackProxy.start(brokerAddress().get());
            }
            try {
                for (int i = 0; i < workerCount; i++) {
                    startWorker();
                }
                Task<Integer, Long> task = client.task(TASK, Integer.class, Long.class);
                long started = System.nanoTime();
                List<GroupFuture<Long>> futures = run(task, plan, groups, deadline);
                double elapsed = (System.nanoTime() - started) / 1e9;
                passed = verify(client, futures, groups, elapsed);
            } finally {
                stopAll(); // before the client closes the broker and backend that workers in this JVM share
            }
        } finally {
            if (proxy != null) {
                proxy.close();
            }
            if (passed) {
                deleteDir();
            } else {
                System.out.println("chaos: kept the ledgers and worker logs in " + dir);
            }
        }
    }

    private List<Fault> plan() {
        List<Fault> plan = new ArrayList<>();
        for (Fault f : Fault.values()) {
            unsupported(f).ifPresent(why -> skipped.put(f, why));
        }
        for (int r = 0; r < rounds; r++) {
            for (Fault f : Fault.values()) {
                if (!skipped.containsKey(f)) {
                    plan.add(f);
                }
            }
        }
        return plan;
    }

    /**
     * Submits the groups and runs the faults alongside. The load is cut into one segment per fault: fault
     * {@code i} starts once its segment's first groups are submitted, and segment {@code i + 1} waits until
     * fault {@code i} is over; so every fault meets a busy run however fast the workers are, and the load
     * lasts as long as the faults do.
     */
    private List<GroupFuture<Long>> run(Task<Integer, Long> task, List<Fault> plan, int groups, Duration deadline)
            throws Exception {
        long end = System.nanoTime() + deadline.toNanos();
        int faults = plan.size();
        CountDownLatch[] segmentStarted = latches(faults);
        CountDownLatch[] faultDone = latches(faults);
        ReentrantReadWriteLock publishing = new ReentrantReadWriteLock();
        AtomicReference<Throwable> faultFailure = new AtomicReference<>();
        AtomicBoolean abandoned = new AtomicBoolean();
        Thread faulter = new Thread(() -> {
            try {
                for (int i = 0; i < faults; i++) {
                    await(segmentStarted[i], end, "segment " + i + " to start");
                    if (abandoned.get()) {
                        return;
                    }
                    Event e = inject(i + 1, plan.get(i), publishing);
                    events.add(e);
                    System.out.println("chaos: event " + e);
                    faultDone[i].countDown();
                }
            } catch (Throwable t) {
                faultFailure.set(t);
            } finally {
                for (CountDownLatch l : faultDone) {
                    l.countDown();
                }
            }
        }, "chaos-faults");
        faulter.setDaemon(true);
        faulter.start();

        List<GroupFuture<Long>> futures = new ArrayList<>(groups);
        int segment = -1;
        int inSegment = 0;
        for (int g = 0; g < groups; g++) {
            int s = faults == 0 ? 0 : (int) ((long) g * faults / groups);
            if (s != segment) {
                if (s > 0) {
                    await(faultDone[s - 1], end, "fault " + s + " to end");
                }
                segment = s;
                inSegment = 0;
            }
            if (g >= WINDOW && !awaitDone(futures.get(g - WINDOW), Math.min(end, System.nanoTime() + STUCK.toNanos()))) {
                System.out.println("chaos: group " + (g - WINDOW) + " did not complete in " + STUCK + "; stopped submitting"
                        + " after " + g + " of " + groups + " groups");
                abandoned.set(true);
                break;
            }
            List<Integer> args = IntStream.range(g * GROUP, Math.min(tasks, (g + 1) * GROUP)).boxed().toList();
            publishing.readLock().lock();
            try {
                futures.add(task.map(args));
            } finally {
                publishing.readLock().unlock();
            }
            if (++inSegment == 2 && faults > 0) {
                segmentStarted[segment].countDown();
            }
        }
        for (CountDownLatch l : segmentStarted) {
            l.countDown();
        }
        faulter.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(end - System.nanoTime())));
        if (faultFailure.get() != null) {
            throw new AssertionError("a fault could not be injected: " + faultFailure.get(), faultFailure.get());
        }
        assertThat(faulter.isAlive()).as("the faults still running at the deadline").isFalse();
        return futures;
    }

    private Event inject(int number, Fault fault, ReentrantReadWriteLock publishing) throws Exception {
        long start = System.currentTimeMillis();
        int all = PREFETCH * workers.size();
        switch (fault) {
            case KILL -> {
                ChaosWorker victim = workers.remove(random.nextInt(workers.size()));
                victim.kill();
                long end = System.currentTimeMillis();
                ChaosWorker replacement = startWorker();
                return new Event(number, fault, victim.name(), start, end, PREFETCH, victim.describe() + ", replaced by "
                        + replacement.name());
            }
            case PAUSE -> {
                ChaosWorker victim = workers.get(random.nextInt(workers.size()));
                victim.pause();
                try {
                    Thread.sleep(VISIBILITY_TIMEOUT.toMillis() + 1_000); // the fault itself: past the visibility timeout
                } finally {
                    victim.resume();
                }
                return new Event(number, fault, victim.name(), start, System.currentTimeMillis(), PREFETCH, victim.describe());
            }
            case RESTART -> {
                publishing.writeLock().lock();
                try {
                    restartBroker();
                } finally {
                    publishing.writeLock().unlock();
                }
                return new Event(number, fault, null, start, System.currentTimeMillis(), all, "");
            }
            case CUT -> {
                int cut = proxy.cutAll();
                return new Event(number, fault, null, start, System.currentTimeMillis(), all, cut + " connections closed");
            }
            case STALL -> {
                proxy.stall();
                try {
                    Thread.sleep(STALL_TIME.toMillis()); // the fault itself
                } finally {
                    proxy.pass();
                }
                return new Event(number, fault, null, start, System.currentTimeMillis(), all, "for " + STALL_TIME);
            }
            case SLOW -> {
                proxy.slow(SLOW_DELAY);
                try {
                    Thread.sleep(SLOW_TIME.toMillis()); // the fault itself
                } finally {
                    proxy.pass();
                }
                return new Event(number, fault, null, start, System.currentTimeMillis(), all,
                        SLOW_DELAY.toMillis() + " ms per chunk for " + SLOW_TIME);
            }
        }
        throw new AssertionError(fault);
    }

    // ---- the verdict ----

    private boolean verify(Amdahl client, List<GroupFuture<Long>> futures, int groups, double elapsed) throws Exception {
        long end = System.nanoTime() + Duration.ofSeconds(60 + tasks / 200).toNanos();
        Map<String, Integer> argumentOf = new LinkedHashMap<>();
        List<String> failed = new ArrayList<>();
        List<String> unheard = new ArrayList<>();
        int g = 0;
        for (GroupFuture<Long> group : futures) {
            List<TaskFuture<Long>> members = group.members();
            for (int i = 0; i < members.size(); i++) {
                int n = g * GROUP + i;
                TaskFuture<Long> f = members.get(i);
                argumentOf.put(f.id(), n);
                try {
                    Long value = f.get(Math.max(1, end - System.nanoTime()), TimeUnit.NANOSECONDS);
                    if (value == null || value != (long) n * n) {
                        failed.add(f.id() + " (argument " + n + "): wrong value " + value);
                    }
                } catch (ExecutionException e) {
                    failed.add(f.id() + " (argument " + n + "): " + f.state() + " " + e.getCause());
                } catch (TimeoutException e) {
                    unheard.add(f.id());
                    failed.add(f.id() + " (argument " + n + "): still " + f.state() + " at the deadline");
                }
            }
            g++;
        }

        Map<String, TaskRecord> stored = new HashMap<>();
        List<String> ids = new ArrayList<>(argumentOf.keySet());
        for (int i = 0; i < ids.size(); i += 500) {
            stored.putAll(backend.getAll(ids.subList(i, Math.min(ids.size(), i + 500))));
        }
        List<String> notStored = ids.stream()
                .filter(id -> stored.get(id) == null || stored.get(id).state() != TaskState.SUCCESS).toList();
        // a caller that waits on a record the backend holds: the result was stored, its notice never reached the client
        List<String> storedUnheard = unheard.stream().filter(id -> !notStored.contains(id)).toList();

        List<ExecutionLedger.Execution> executions = ExecutionLedger.readAll(dir);
        Map<String, List<ExecutionLedger.Execution>> byTask = executions.stream()
                .collect(Collectors.groupingBy(ExecutionLedger.Execution::taskId));
        List<String> lost = ids.stream().filter(id -> !byTask.containsKey(id)).toList();
        List<String> strangers = byTask.keySet().stream().filter(id -> !argumentOf.containsKey(id)).toList();
        List<String> wrongArgument = executions.stream()
                .filter(x -> argumentOf.containsKey(x.taskId()) && argumentOf.get(x.taskId()) != x.argument())
                .map(Object::toString).toList();

        Map<Event, Integer> explained = new LinkedHashMap<>();
        events.forEach(e -> explained.put(e, 0));
        List<String> unexplained = new ArrayList<>();
        int duplicates = 0;
        for (Map.Entry<String, List<ExecutionLedger.Execution>> entry : new TreeMap<>(byTask).entrySet()) {
            List<ExecutionLedger.Execution> runs = entry.getValue();
            int extra = runs.size() - 1;
            if (extra == 0) {
                continue;
            }
            duplicates += extra;
            // a fault explains the extra runs when a worker it hit ran a copy while it was on, or shortly before or after
            List<Event> causes = events.stream()
                    .filter(e -> runs.stream().anyMatch(x -> e.hit(x.worker())
                            && x.atMillis() >= e.startMillis() - SLACK_MILLIS && x.atMillis() <= e.endMillis() + SLACK_MILLIS))
                    .toList();
            if (causes.isEmpty()) {
                unexplained.add(entry.getKey() + " ran " + runs.size() + " times: " + describe(runs));
                continue;
            }
            // the fault that hit one worker names the cause better than one that hit all; then the one with room left
            Event cause = causes.stream()
                    .max(Comparator.comparing((Event e) -> e.worker() != null && explained.get(e) + extra <= e.inFlightBound())
                            .thenComparingInt(e -> e.inFlightBound() - explained.get(e))).orElseThrow();
            explained.merge(cause, extra, Integer::sum);
        }
        List<String> overBound = explained.entrySet().stream()
                .filter(e -> e.getValue() > e.getKey().inFlightBound())
                .map(e -> e.getKey() + ": " + e.getValue() + " extra runs").toList();

        // not a failure (a worker can start a task in the moment after it resumes, before it hears that its lease is
        // gone) but worth a figure: a paused worker that resumes should not run what another worker ran meanwhile
        long staleRuns = events.stream().filter(e -> e.kind() == Fault.PAUSE).mapToLong(e -> executions.stream()
                .filter(x -> x.worker().equals(e.worker()) && x.atMillis() > e.endMillis())
                .filter(x -> byTask.get(x.taskId()).stream()
                        .anyMatch(o -> !o.worker().equals(x.worker()) && o.atMillis() <= x.atMillis()))
                .count()).sum();

        long depth = awaitEmpty(client.broker());
        List<DeadLetter> dead = client.broker().deadLetters(queue, 10);

        Map<Fault, Long> byKind = events.stream().collect(Collectors.groupingBy(Event::kind, () -> new EnumMap<>(Fault.class),
                Collectors.counting()));
        String perEvent = explained.entrySet().stream().filter(e -> e.getValue() > 0)
                .map(e -> "#" + e.getKey().number() + " " + e.getKey().kind() + " " + e.getValue() + "/" + e.getKey().inFlightBound())
                .collect(Collectors.joining(", "));
        System.out.printf("chaos summary (%s, seed %d): %d tasks, %d executions, faults %s (skipped %s);"
                        + " duplicates %d (%s), unexplained %d, over bound %d; lost %d, not stored %d, failed %d"
                        + " (of which stored but never heard by the caller %d); queue depth %d, dead letters %d;"
                        + " runs by paused workers after they resumed of tasks another worker had run %d;"
                        + " elapsed %.1f s, %.0f tasks/s%n",
                getClass().getSimpleName(), seed, ids.size(), executions.size(), byKind, skipped.keySet(), duplicates,
                perEvent.isEmpty() ? "none" : perEvent, unexplained.size(), overBound.size(), lost.size(), notStored.size(),
                failed.size(), storedUnheard.size(), depth, dead.size(), staleRuns, elapsed, ids.size() / elapsed);
        System.out.printf("chaos headline: %d tasks through %d faults (%s) in %.1f s: lost %d, failed %d, duplicates %d,"
                        + " all explained: %s%n", ids.size(), events.size(), byKind, elapsed, lost.size(), failed.size(), duplicates,
                unexplained.isEmpty() && overBound.isEmpty() ? "yes" : "NO");
        if (!unexplained.isEmpty() || !overBound.isEmpty()) {
            events.forEach(e -> System.out.println("chaos: event " + e));
        }

        assertNone(lost, "tasks submitted and never run");
        assertNone(notStored, "tasks whose SUCCESS record is not stored");
        assertNone(storedUnheard, "tasks whose SUCCESS is stored but whose caller still waits");
        assertNone(failed, "tasks that did not end SUCCESS with their value");
        assertThat(futures).as("groups submitted (the run stopped early: a group never completed)").hasSize(groups);
        assertNone(strangers, "executions of task ids never submitted");
        assertNone(wrongArgument, "executions with another argument than submitted");
        assertNone(unexplained, "duplicate executions no fault explains");
        assertNone(overBound, "faults that explain more duplicates than they had in flight");
        assertThat(depth).as("messages left in the queue").isZero();
        assertThat(dead).as("dead letters").isEmpty();
        return true;
    }

    /** Fails when {@code found} holds anything, showing the first few (a broken run may list thousands). */
    private static void assertNone(List<?> found, String what) {
        assertThat(found.size()).as("%s: %s", what, found.stream().limit(20).map(Object::toString)
                .collect(Collectors.joining("; ", "", found.size() > 20 ? "; ..." : ""))).isZero();
    }

    private long awaitEmpty(Broker b) {
        try {
            Await.until(Duration.ofSeconds(30), "the queue to be empty", () -> b.depth(queue) == 0);
        } catch (AssertionError e) {
            // reported by the caller's assertion, with the depth
        }
        return b.depth(queue);
    }

    private static String describe(List<ExecutionLedger.Execution> runs) {
        return runs.stream().sorted(Comparator.comparingLong(ExecutionLedger.Execution::atMillis))
                .map(x -> x.worker() + "@" + time(x.atMillis())).collect(Collectors.joining(", "));
    }

    private static String time(long epochMillis) {
        return TIME.format(Instant.ofEpochMilli(epochMillis));
    }

    // ---- workers ----

    /** A worker the suite can fault. */
    private interface ChaosWorker {
        String name();

        void kill() throws Exception;

        void pause() throws Exception;

        void resume() throws Exception;

        /** Ends it at the end of the run, however it is. */
        void stop();

        String describe();
    }

    private ChaosWorker startWorker() throws Exception {
        String name = "w" + nextWorker++;
        ChaosWorker w = workersInOtherJvms() ? new ChildWorker(name) : new InProcessWorker(name);
        workers.add(w);
        return w;
    }

    private void stopAll() {
        List<ChaosWorker> all;
        synchronized (workers) {
            all = new ArrayList<>(workers);
        }
        for (ChaosWorker w : all) {
            w.stop();
        }
    }

    private WorkerOptions workerOptions(String name) {
        WorkerOptions.Builder b = WorkerOptions.builder().queues(queue).concurrency(CONCURRENCY).prefetch(PREFETCH)
                .maxDeliveries(MAX_DELIVERIES).shutdownGrace(Duration.ofSeconds(1)).name(name);
        if (leaseRenewalMillis > 0) {
            b.leaseRenewal(Duration.ofMillis(leaseRenewalMillis));
        }
        return b.build();
    }

    /**
     * A worker in this JVM, on views of the client's broker and backend that the suite can turn off. Killed,
     * the views black-hole what it sends (settling, extending, storing) and it polls nothing more, as nothing a
     * dead process says reaches anyone; paused, every call through them and every task start blocks.
     */
    private final class InProcessWorker implements ChaosWorker {
        private final String name;
        private final Amdahl app;
        private final Object gate = new Object();
        // guarded by gate
        private boolean paused;
        private volatile boolean dead;

        InProcessWorker(String name) {
            this.name = name;
            ExecutionLedger ledger = ExecutionLedger.open(dir, name);
            this.app = Amdahl.builder().broker(view(Broker.class, broker)).resultBackend(view(ResultBackend.class, backend))
                    .defaultQueue(queue).build();
            registerTask(app, ledger, TASK_TIME, () -> {
                passGate();
                if (dead) {
                    throw new IllegalStateException("worker " + name + " was killed by the chaos suite");
                }
            });
            app.startWorker(workerOptions(name));
        }

        /** Blocks while paused; an interrupt does not end a pause (a stopped process hears no interrupts either). */
        private void passGate() {
            boolean interrupted = false;
            synchronized (gate) {
                while (paused) {
                    try {
                        gate.wait(100);
                    } catch (InterruptedException e) {
                        interrupted = true;
                    }
                }
            }
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }

        @Override
        public String name() {
            return name;
        }

        @Override
        public void kill() {
            dead = true;
            Thread closer = new Thread(app::close, "chaos-close-" + name);
            closer.setDaemon(true);
            closer.start();
        }

        @Override
        public void pause() {
            synchronized (gate) {
                paused = true;
            }
        }

        @Override
        public void resume() {
            synchronized (gate) {
                paused = false;
                gate.notifyAll();
            }
        }

        @Override
        public void stop() {
            resume();
            app.close();
        }

        @Override
        public String describe() {
            return "in-process worker " + name;
        }

        /**
         * The worker's broker or backend: {@code target} behind the gate. A dynamic proxy rather than a
         * {@link ForwardingBroker} subclass, so that every method of the SPI, today's and tomorrow's, passes the
         * gate without this class naming its signature. Dead, a settle or a lease extension vanishes (answers
         * the default of its type: nothing, false, empty), a poll finds nothing, a write fails.
         */
        private <T> T view(Class<T> type, T target) {
            return type.cast(Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[]{type}, (self, method, args) -> {
                String m = method.getName();
                if (method.getDeclaringClass() == Object.class) {
                    return switch (m) {
                        case "equals" -> self == args[0];
                        case "hashCode" -> System.identityHashCode(self);
                        default -> type.getSimpleName() + " of " + describe();
                    };
                }
                if (m.equals("close")) {
                    return null; // the client's broker and backend outlive every worker
                }
                passGate();
                if (dead) {
                    if (m.equals("poll")) {
                        TimeUnit.NANOSECONDS.sleep(((Duration) args[2]).toNanos());
                        return List.of();
                    }
                    if (SETTLING.contains(m)) {
                        return nothing(method.getReturnType());
                    }
                    if (WRITING.stream().anyMatch(m::startsWith)) {
                        throw new IllegalStateException("worker " + name + " was killed by the chaos suite: its " + m
                                + " goes nowhere");
                    }
                }
                try {
                    return method.invoke(target, args);
                } catch (InvocationTargetException e) {
                    throw e.getCause();
                }
            }));
        }
    }

    /** What a dead worker's settling calls answer: nothing, for every return type. */
    private static Object nothing(Class<?> type) {
        if (type == boolean.class) {
            return false;
        }
        if (type == Optional.class) {
            return Optional.empty();
        }
        if (type == List.class) {
            return List.of();
        }
        return type.isPrimitive() && type != void.class ? 0 : null;
    }

    /** Broker calls by which a worker settles or keeps what it holds: a dead worker's are lost. */
    private static final Set<String> SETTLING = Set.of("ack", "ackAll", "requeue", "reject", "extendLease");
    /** Calls, by name prefix, that change the broker or the backend: a dead worker's fail. */
    private static final List<String> WRITING = List.of("publish", "store", "increment", "forget", "claim", "release");

    /** A worker in a JVM of its own ({@link ChaosWorkerMain}), reaching the broker through the proxy when there is one. */
    private final class ChildWorker implements ChaosWorker {
        private final String name;
        private final Process process;

        ChildWorker(String name) throws IOException {
            this.name = name;
            String hostPort = proxy != null ? proxy.hostPort()
                    : brokerAddress().map(a -> a.getHostString() + ":" + a.getPort()).orElse(null);
            this.process = ChildJvm.start(dir.resolve(name + ".log"), ChaosWorkerMain.class,
                    workerBrokerUrl(hostPort, settings), workerResultBackendUrl(hostPort, settings), queue, name, dir.toString(),
                    Integer.toString(CONCURRENCY), Integer.toString(PREFETCH), Long.toString(leaseRenewalMillis),
                    Long.toString(TASK_TIME.toMillis()), Integer.toString(MAX_DELIVERIES));
            Path ready = dir.resolve(name + ".ready");
            try {
                Await.until(Duration.ofSeconds(60), "worker " + name + " to start consuming", () -> {
                    if (!process.isAlive()) {
                        throw new AssertionError("worker " + name + " exited with " + process.exitValue() + ":\n" + log());
                    }
                    return Files.exists(ready);
                });
            } catch (RuntimeException | Error e) {
                process.destroyForcibly();   // not among the workers yet, so nothing else would stop it
                throw e;
            }
        }

        private String log() {
            try {
                return Files.readString(dir.resolve(name + ".log"), StandardCharsets.UTF_8);
            } catch (IOException e) {
                return "(no log: " + e + ")";
            }
        }

        @Override
        public String name() {
            return name;
        }

        @Override
        public void kill() throws InterruptedException {
            process.destroyForcibly(); // SIGKILL
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                throw new IllegalStateException("worker " + name + " (pid " + process.pid() + ") survived SIGKILL for 10 s");
            }
        }

        @Override
        public void pause() throws Exception {
            signal("STOP");
        }

        @Override
        public void resume() throws Exception {
            signal("CONT");
        }

        private void signal(String signal) throws IOException, InterruptedException {
            Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(process.pid())).redirectErrorStream(true).start();
            String out = new String(kill.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0) {
                throw new IllegalStateException("kill -" + signal + " " + process.pid() + " failed: " + out);
            }
        }

        @Override
        public void stop() {
            process.destroyForcibly();
            try {
                process.waitFor(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        @Override
        public String describe() {
            return "JVM worker " + name + " (pid " + process.pid() + ")";
        }
    }

    // ---- small helpers ----

    private static CountDownLatch[] latches(int n) {
        CountDownLatch[] out = new CountDownLatch[n];
        for (int i = 0; i < n; i++) {
            out[i] = new CountDownLatch(1);
        }
        return out;
    }

    private static void await(CountDownLatch latch, long endNanos, String what) throws InterruptedException {
        if (!latch.await(Math.max(0, endNanos - System.nanoTime()), TimeUnit.NANOSECONDS)) {
            throw new AssertionError("the run's deadline passed waiting for " + what);
        }
    }

    /** Whether {@code future} completed (in whatever state) before the deadline. */
    private static boolean awaitDone(TaskFuture<?> future, long endNanos) throws InterruptedException {
        try {
            future.get(Math.max(1, endNanos - System.nanoTime()), TimeUnit.NANOSECONDS);
        } catch (ExecutionException | java.util.concurrent.CancellationException e) {
            // done, if not well: the verdict says how
        } catch (TimeoutException e) {
            return false;
        }
        return true;
    }

    private void deleteDir() {
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).map(Path::toFile).forEach(File::delete);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
