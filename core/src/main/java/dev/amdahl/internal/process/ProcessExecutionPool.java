package dev.amdahl.internal.process;

import dev.amdahl.AmdahlException;
import dev.amdahl.ErrorType;
import dev.amdahl.TaskCatalog;
import dev.amdahl.WorkerOptions;
import dev.amdahl.internal.json.Json;
import dev.amdahl.internal.task.Outcome;
import dev.amdahl.internal.task.RegisteredTask;
import dev.amdahl.internal.task.TaskMdc;
import dev.amdahl.internal.task.TaskRegistry;
import dev.amdahl.internal.worker.ExecutionPool;
import dev.amdahl.spi.TaskError;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs tasks in child JVMs: {@code concurrency} children on the same class path, each running one
 * task at a time. A task that crashes its JVM ({@code System.exit}, a native crash, running out of
 * memory, SIGKILL) takes only its child with it: the task ends CRASHED with the child's pid and exit
 * status (the worker redelivers it, or fails it after {@link WorkerOptions#maxDeliveries()}) and a
 * fresh child takes the slot.
 *
 * <h2>Design</h2>
 * <ul>
 *   <li><b>Transport: the child's stdin and stdout</b>, framed by {@link ChildProtocol}. Not a loopback
 *       socket: pipes need no port, no handshake secret (any local user could connect to a socket) and
 *       no firewall, and they tie the child's life to ours: when this JVM dies, even by SIGKILL, the
 *       kernel closes the pipe and an idle child reads end-of-file and exits (a busy one sees within a
 *       second that its parent is gone, see {@link ProcessPoolChild}). The price is that task code
 *       must not own stdout; the child points {@code System.out} at stderr, and stderr is forwarded
 *       to this JVM's log line by line with the child's pid.</li>
 *   <li><b>One slot thread per child.</b> A slot takes the oldest queued job (FIFO across slots),
 *       sends it, waits for the outcome, and when its child dies starts the replacement itself; so a
 *       crash never blocks the other slots, and the queue only ever feeds children that are idle.</li>
 *   <li><b>Killing</b> records, under the lock, what the running job reports and destroys the child;
 *       the slot thread sees the stream end, reports that outcome (unless the killer did already) and
 *       starts a replacement. Shutdown kills after the grace period ({@link #kill(Slot, Outcome)});
 *       {@link #cancel} (a revocation with terminate) and {@link #terminate} (the hard time limit) kill
 *       the child running one job ({@link #stopRunning}) and report at once, so the limit is exact.</li>
 *   <li><b>Time limits</b> count from the child's {@code started} frame to its {@code outcome}
 *       ({@code job.control().started()} / {@code finished()}). The soft limit is an {@code interrupt}
 *       frame: the child sets the task's flag and interrupts the thread running it, and the task may
 *       finish normally. Progress reports arrive as {@code progress} frames and go to
 *       {@code job.control()} on the slot thread, as a thread pool's task thread would send them.</li>
 *   <li><b>Child JVM flags</b>: {@code -XX:+UseSerialGC} (a child is single-threaded; no GC threads
 *       to compete with its siblings), {@code -Xshare:auto} (class-data sharing for start-up),
 *       {@code -XX:TieredStopAtLevel=1} <em>not</em> used: measured with {@code ProcessPoolMeasurements}
 *       (test sources) it saves about 50 ms of a 250 ms start and makes a compute-bound task about
 *       four times slower, a bad trade for a pool whose children live long;
 *       a small initial heap with a maximum of half the machine's memory shared among the children, and
 *       {@code -XX:+ExitOnOutOfMemoryError} so a child that runs out of memory dies (and is replaced)
 *       rather than limping on, and the JVM's own output sent to stderr. More options (unified
 *       logging among them: write {@code -Xlog:gc:stderr}, never to stdout): the system property {@value #JVM_OPTIONS_PROPERTY}.</li>
 * </ul>
 *
 * <h2>Locking</h2>
 * One lock guards the queue, {@code stopping} and every slot's {@code child}, {@code running},
 * {@code runningSeq} and {@code killOutcome}; {@code changed} is signalled when a job is queued, a child
 * exits, or the pool stops. Talking to a child happens outside the lock: reading only on its slot thread, writing also
 * from the watchdog ({@link #interrupt}), serialized by {@link ChildProcess}. Jobs report outside the
 * lock (the worker stores and acks in that callback). {@code slots} is filled before {@code start}
 * returns and never changes after.
 */
public final class ProcessExecutionPool implements ExecutionPool {

    private static final Logger log = LoggerFactory.getLogger(ProcessExecutionPool.class);

    /** Extra JVM options for children, separated by spaces, e.g. {@code -Xmx2g -Dfoo=bar}. */
    public static final String JVM_OPTIONS_PROPERTY = "amdahl.processPool.jvmOptions";
    private static final Duration START_TIMEOUT = Duration.ofSeconds(60);
    private static final Duration EXIT_WAIT = Duration.ofSeconds(5);
    private static final long MAX_RESTART_BACKOFF_MS = 30_000;
    /** A job whose child died before starting it is handed to a fresh child this many times, then CRASHED. */
    private static final int MAX_UNSTARTED_ATTEMPTS = 2;

    private final List<String> command;
    private final int maxPayloadBytes;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private final ArrayDeque<Pending> queue = new ArrayDeque<>();
    private final List<Slot> slots = new ArrayList<>();
    private boolean stopping;

    private ProcessExecutionPool(List<String> command, int maxPayloadBytes) {
        this.command = command;
        this.maxPayloadBytes = maxPayloadBytes;
    }

    /**
     * Starts the children (in parallel) and returns when all of them are ready.
     *
     * @throws AmdahlException when a task is registered outside a catalog (a child could not know it),
     *                         or a child cannot start, with its stderr
     */
    public static ExecutionPool start(TaskRegistry registry, List<Class<? extends TaskCatalog>> catalogClasses,
                                      int maxResultBytes, WorkerOptions options) {
        List<String> loose = registry.all().stream()
                .filter(t -> t.function() != null && t.catalog() == null)
                .map(RegisteredTask::name).sorted().toList();
        if (!loose.isEmpty()) {
            throw new AmdahlException("the process pool runs tasks in child JVMs, which know only the tasks of TaskCatalogs; "
                    + "these tasks were registered directly with app.task(...) and would not exist there: " + loose
                    + ". Register them in a TaskCatalog passed to Amdahl.builder().include(...), or use Pool.THREADS");
        }
        List<String> catalogs = catalogClasses.stream().map(Class::getName).toList();
        // a result is at most maxResultBytes characters, each at most 3 bytes of UTF-8
        int maxPayload = (int) Math.min(Integer.MAX_VALUE - 64L, Math.max(Json.MAX_DOCUMENT_LENGTH, 3L * maxResultBytes));
        ProcessExecutionPool pool = new ProcessExecutionPool(
                command(options.concurrency(), maxResultBytes, catalogs), maxPayload);
        pool.startSlots(options.concurrency());
        return pool;
    }

    static List<String> command(int concurrency, int maxResultBytes, List<String> catalogs) {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("-Xshare:auto");
        cmd.add("-XX:+UseSerialGC");
        cmd.add("-Xms16m");
        cmd.add("-XX:MaxRAMPercentage=" + Math.max(1.0, Math.round(500.0 / concurrency) / 10.0));
        cmd.add("-XX:+ExitOnOutOfMemoryError");
        // the JVM's own output (the out-of-memory notice, a SIGQUIT thread dump, unified logging) must
        // not land in the protocol stream either
        cmd.add("-XX:+DisplayVMOutputToStderr");
        cmd.add("-Xlog:disable");
        cmd.add("-Xlog:all=warning:stderr");
        cmd.add("-Djava.awt.headless=true");
        String extra = System.getProperty(JVM_OPTIONS_PROPERTY, "").strip();
        if (!extra.isEmpty()) {
            cmd.addAll(Arrays.asList(extra.split("\\s+")));
        }
        // the child sees what this JVM sees: its class path and, when core runs as a named module, its module path
        String classPath = System.getProperty("java.class.path", "");
        if (!classPath.isEmpty()) {
            cmd.add("-cp");
            cmd.add(classPath);
        }
        Module core = ProcessPoolChild.class.getModule();
        String modulePath = System.getProperty("jdk.module.path", "");
        if (core.isNamed() && !modulePath.isEmpty()) {
            cmd.add("-p");
            cmd.add(modulePath);
            cmd.add("--add-modules");
            cmd.add("ALL-MODULE-PATH");
            cmd.add("-m");
            cmd.add(core.getName() + "/" + ProcessPoolChild.class.getName());
        } else {
            cmd.add(ProcessPoolChild.class.getName());
        }
        cmd.add(Long.toString(ProcessHandle.current().pid()));
        cmd.add(Integer.toString(maxResultBytes));
        cmd.addAll(catalogs);
        return List.copyOf(cmd);
    }

    private void startSlots(int concurrency) {
        long t0 = System.nanoTime();
        for (int i = 0; i < concurrency; i++) {
            slots.add(new Slot(i + 1));
        }
        slots.forEach(s -> s.thread.start());
        try {
            for (Slot s : slots) {
                s.firstStart.get(START_TIMEOUT.toMillis() + 10_000, TimeUnit.MILLISECONDS);
            }
        } catch (ExecutionException | TimeoutException | InterruptedException e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            shutdown(Duration.ZERO);
            Throwable cause = e instanceof ExecutionException ? e.getCause() : e;
            throw new AmdahlException("the process pool could not start its " + concurrency + " child JVM(s): "
                    + cause.getMessage(), cause);
        }
        log.info("process pool: {} child JVM(s) ready in {} ms", concurrency, (System.nanoTime() - t0) / 1_000_000);
    }

    @Override
    public void execute(Job job) {
        Pending p = new Pending(job);
        lock.lock();
        try {
            if (!stopping) {
                queue.addLast(p);
                changed.signalAll();
                return;
            }
        } finally {
            lock.unlock();
        }
        p.report(Outcome.abandoned("the worker is shutting down"));
    }

    @Override
    public void stopAccepting() {
        List<Pending> queued;
        lock.lock();
        try {
            stopping = true;
            queued = List.copyOf(queue);
            queue.clear();
            changed.signalAll();
        } finally {
            lock.unlock();
        }
        queued.forEach(p -> p.report(Outcome.abandoned("the worker shut down before the task started")));
    }

    @Override
    public void awaitRunning(Duration grace) {
        try {
            long deadline = System.nanoTime() + grace.toNanos();
            for (Slot s : slots) {
                s.thread.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
            }
            List<Slot> late = slots.stream().filter(s -> s.thread.isAlive()).toList();
            if (!late.isEmpty()) {
                log.warn("{} child process(es) still busy after the shutdown grace of {}; killing them", late.size(), grace);
                late.forEach(s -> kill(s, Outcome.abandoned("the worker shut down and the task did not finish within the grace of " + grace)));
            }
            for (Slot s : late) {
                s.thread.join(EXIT_WAIT.toMillis() * 2);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            slots.forEach(s -> kill(s, Outcome.abandoned("the worker was interrupted while shutting down")));
        }
    }

    /**
     * A queued job leaves the queue and reports {@code outcome}; a running one, if it may be interrupted, has
     * its child killed (under the lock, so the slot cannot have moved on to another job: if the child had
     * already answered, the job reports its real outcome and the slot's next job finds the child dead and
     * goes to the replacement unstarted). The slot then starts a replacement child.
     */
    @Override
    public boolean cancel(Job job, Outcome outcome, boolean mayInterruptIfRunning) {
        Pending queued = null;
        lock.lock();
        try {
            for (java.util.Iterator<Pending> it = queue.iterator(); it.hasNext(); ) {
                Pending p = it.next();
                if (p.job == job) {
                    it.remove();
                    queued = p;
                    break;
                }
            }
        } finally {
            lock.unlock();
        }
        if (queued == null) {
            return mayInterruptIfRunning && stopRunning(job, outcome, "revoked");
        }
        queued.report(outcome);
        return true;
    }

    /**
     * The hard time limit: the child running the job is killed (it stops whatever the task was doing, a
     * CPU loop included), the job reports {@code failure} now, and the slot starts a replacement child.
     */
    @Override
    public boolean terminate(Job job, Outcome failure) {
        return stopRunning(job, failure, "past its hard time limit");
    }

    /**
     * The soft time limit: an {@code interrupt} frame naming the job's run, so the child sets the task's
     * flag and interrupts its thread. If the run has ended by the time the frame arrives, the child
     * ignores it; if the child is dying, its slot reports the death.
     */
    @Override
    public void interrupt(Job job) {
        ChildProcess c = null;
        long seq = 0;
        lock.lock();
        try {
            for (Slot s : slots) {
                if (s.running != null && s.running.job == job && s.child != null) {
                    c = s.child;
                    seq = s.runningSeq;
                    break;
                }
            }
        } finally {
            lock.unlock();
        }
        if (c == null) {
            return; // ended meanwhile
        }
        job.control().softLimitReached();
        try {
            c.interrupt(seq);
        } catch (IOException e) {
            log.debug("task {}: could not tell child {} of the soft time limit, it is gone: {}", job.message().id(), c.pid(), e.toString());
        }
    }

    /**
     * Kills the child running {@code job} and reports {@code outcome} for it at once. The lookup and the
     * kill happen under the lock, which the slot also takes when the child's outcome arrives: either the
     * slot got there first (the job is no longer {@code running}; nothing is killed, false is returned),
     * or the kill did (the slot finds {@code killOutcome} set, its report of the child's outcome is a
     * no-op, and it replaces the child). The run's control is abandoned before the report, so progress
     * frames still in the pipe are not stored over the final record.
     */
    private boolean stopRunning(Job job, Outcome outcome, String why) {
        Pending p = null;
        lock.lock();
        try {
            for (Slot s : slots) {
                if (s.running != null && s.running.job == job && s.child != null) {
                    log.info("task {}: {}; killing child process {} to stop it", job.message().id(), why, s.child.pid());
                    p = s.running;
                    s.killOutcome = outcome;
                    s.child.kill(); // destroyForcibly only sends the signal: fine under the lock
                    break;
                }
            }
        } finally {
            lock.unlock();
        }
        if (p == null) {
            return false;
        }
        job.control().abandon();
        p.report(outcome);
        return true;
    }

    /**
     * Kills a slot's child now. The job it is running (if any) reports {@code outcome} instead of a
     * crash, unless it finished first; the slot then starts a replacement child unless the pool is stopping.
     */
    private void kill(Slot slot, Outcome outcome) {
        ChildProcess c;
        lock.lock();
        try {
            if (slot.running != null) {
                slot.killOutcome = outcome;
            }
            c = slot.child;
        } finally {
            lock.unlock();
        }
        if (c != null) {
            c.kill();
        }
    }

    /** A job and whether it has reported, so it reports exactly once whoever gets there first. */
    private static final class Pending {
        final Job job;
        final AtomicBoolean reported = new AtomicBoolean();
        int unstartedAttempts;

        Pending(Job job) {
            this.job = job;
        }

        void report(Outcome outcome) {
            job.reportOnce(reported, outcome);
        }
    }

    /** One child's worth of concurrency: the thread that feeds it and, when it dies, replaces it. */
    private final class Slot implements Runnable {
        final Thread thread;
        final CompletableFuture<Void> firstStart = new CompletableFuture<>();
        /** The current child, possibly still starting or already dead; guarded by {@code lock}. */
        ChildProcess child;
        /** The job its child is running; guarded by {@code lock}. */
        Pending running;
        /** The number of {@link #running}'s run on its child, which an interrupt frame names; guarded by {@code lock}. */
        long runningSeq;
        /** Set by {@link #kill}: what {@link #running} reports when its child dies; guarded by {@code lock}. */
        Outcome killOutcome;

        Slot(int index) {
            this.thread = new Thread(this, "amdahl-process-slot-" + index);
            thread.setDaemon(true);
        }

        @Override
        public void run() {
            try {
                if (!startChild(true)) {
                    return;
                }
                while (true) {
                    Pending p;
                    ChildProcess c;
                    long seq;
                    lock.lock();
                    try {
                        while (!stopping && queue.isEmpty() && child.isAlive()) {
                            changed.awaitUninterruptibly();
                        }
                        if (stopping) {
                            return;
                        }
                        c = child;
                        p = c.isAlive() ? queue.pollFirst() : null;
                        running = p;
                        seq = ++runningSeq;
                        killOutcome = null;
                    } finally {
                        lock.unlock();
                    }
                    if (p == null) {
                        log.warn("process-pool child {} died while idle: it {}; starting a replacement", c.pid(), c.describeExit());
                        if (!startChild(false)) {
                            return;
                        }
                        continue;
                    }
                    boolean usable = runOn(c, p, seq);
                    lock.lock();
                    try {
                        running = null;
                    } finally {
                        lock.unlock();
                    }
                    if (!usable && !startChild(false)) {
                        return;
                    }
                }
            } catch (RuntimeException | Error e) {
                log.error("process-pool slot {} failed; its child is stopped", thread.getName(), e);
                throw e;
            } finally {
                retire();
            }
        }

        /** Runs one job on {@code c} as its run {@code seq}; returns whether {@code c} can take the next one. */
        private boolean runOn(ChildProcess c, Pending p, long seq) {
            try (TaskMdc ignored = TaskMdc.of(p.job.message().id())) {
                return drive(c, p, seq);
            }
        }

        private boolean drive(ChildProcess c, Pending p, long seq) {
            Job job = p.job;
            if (!job.control().mayStart()) {
                // a paused worker's queued job whose message another worker owns now: not sent, the child stays idle
                p.report(Outcome.abandoned("the worker lost its lease on the message before the task started"));
                return true;
            }
            Instant startedAt = null;
            try {
                c.send(job, seq);
                ChildProtocol.Frame f = c.read();
                if (f != null && !ChildProtocol.STARTED.equals(f.op())) {
                    throw new ChildProtocol.ProtocolException("expected a started frame, got " + f.header());
                }
                if (f != null) {
                    startedAt = Instant.now();
                    job.control().started();
                    f = c.read();
                }
                while (f != null && ChildProtocol.PROGRESS.equals(f.op())) {
                    job.control().progress(ChildProtocol.progressOf(f));
                    f = c.read();
                }
                if (f == null) {
                    return died(c, p, startedAt, null);
                }
                if (!ChildProtocol.OUTCOME.equals(f.op())) {
                    throw new ChildProtocol.ProtocolException("expected an outcome frame, got " + f.header());
                }
                Outcome outcome = ChildProtocol.outcomeOf(f);
                job.control().finished();
                // no longer running from here: a time limit or revocation that fires now finds nothing to
                // kill, rather than killing a child that has answered. One that got in first has killed it.
                boolean killed;
                lock.lock();
                try {
                    killed = killOutcome != null;
                    running = null;
                } finally {
                    lock.unlock();
                }
                p.report(outcome); // a no-op when a hard limit or revocation reported first
                return !killed;
            } catch (ChildProtocol.ProtocolException e) {
                c.kill();
                return died(c, p, startedAt, "broke the protocol (" + e.getMessage() + "); task code must not write to "
                        + "FileDescriptor.out, System.out is fine. The child was killed and");
            } catch (IOException e) {
                // a write to a dead child's stdin, or its stdout ending inside a frame: it died
                return died(c, p, startedAt, null);
            } catch (RuntimeException e) {
                // a bug on our side; the job must still report, and the slot must live on
                log.error("process pool: running task {} on child {} failed", job.message().id(), c.pid(), e);
                c.kill();
                return died(c, p, startedAt, "could not be driven (" + e + "); it was killed and");
            } finally {
                if (startedAt != null) {
                    job.control().finished(); // a second call (after the outcome) finds nothing armed
                }
            }
        }

        /** The child died (or was killed) while holding {@code p}: decide what {@code p} reports. */
        private boolean died(ChildProcess c, Pending p, Instant startedAt, String brokeProtocol) {
            String how = c.describeExit();
            if (brokeProtocol != null) {
                how = brokeProtocol + " " + how;
            }
            Outcome killed;
            boolean requeue = false;
            lock.lock();
            try {
                killed = killOutcome;
                if (killed == null && startedAt == null && brokeProtocol == null && ++p.unstartedAttempts < MAX_UNSTARTED_ATTEMPTS) {
                    if (stopping) {
                        killed = Outcome.abandoned("the worker shut down before the task started");
                    } else {
                        // it never started the task: no crash to charge, a fresh child takes it first
                        queue.addFirst(p);
                        changed.signalAll();
                        requeue = true;
                    }
                }
            } finally {
                lock.unlock();
            }
            var m = p.job.message();
            if (requeue) {
                log.info("process-pool child {} died before it started task {}: it {}; giving the task to another child",
                        c.pid(), m.id(), how);
            } else if (killed != null) {
                p.report(killed);
            } else {
                String message = "task '" + m.task() + "' (id " + m.id() + ") was running in child process " + c.pid()
                        + ", which " + how;
                log.warn(message);
                p.report(Outcome.crashed(TaskError.of(ErrorType.WORKER_LOST.typeName(), message), startedAt, Instant.now()));
            }
            return false;
        }

        /**
         * Starts a child in this slot and waits until it is ready. The first start fails the pool's start;
         * a replacement that fails is retried with back-off until it works or the pool stops.
         *
         * @return false when the slot should end (the pool is stopping, or the first start failed)
         */
        private boolean startChild(boolean first) {
            long backoff = 500;
            while (true) {
                ChildProcess previous;
                lock.lock();
                try {
                    if (stopping) {
                        return false;
                    }
                    previous = child;
                    child = null;
                } finally {
                    lock.unlock();
                }
                if (previous != null) {
                    previous.close(Duration.ZERO);
                }
                try {
                    long t0 = System.nanoTime();
                    ChildProcess c = ChildProcess.spawn(command, maxPayloadBytes);
                    lock.lock();
                    try {
                        child = c; // from here shutdown can kill it, even while it starts
                    } finally {
                        lock.unlock();
                    }
                    c.awaitReady(START_TIMEOUT);
                    c.onExit().thenRun(ProcessExecutionPool.this::signalChanged);
                    log.debug("process-pool child {} ready in {} ms", c.pid(), (System.nanoTime() - t0) / 1_000_000);
                    firstStart.complete(null);
                    return true;
                } catch (IOException | AmdahlException e) {
                    AmdahlException failure = e instanceof AmdahlException a ? a
                            : new AmdahlException("cannot run " + command.get(0) + ": " + e.getMessage(), e);
                    if (first) {
                        firstStart.completeExceptionally(failure);
                        return false;
                    }
                    if (isStopping()) {
                        return false; // killed by shutdown while starting
                    }
                    log.error("process pool: a replacement child could not start; trying again in {} ms: {}", backoff,
                            failure.getMessage());
                    if (!pause(backoff)) {
                        return false;
                    }
                    backoff = Math.min(MAX_RESTART_BACKOFF_MS, backoff * 2);
                }
            }
        }

        /** Waits {@code millis} unless the pool stops; returns whether it is still running. */
        private boolean pause(long millis) {
            lock.lock();
            try {
                long nanos = TimeUnit.MILLISECONDS.toNanos(millis);
                while (!stopping && nanos > 0) {
                    nanos = changed.awaitNanos(nanos);
                }
                return !stopping;
            } catch (InterruptedException e) {
                return false;
            } finally {
                lock.unlock();
            }
        }

        /** Tells this slot's child to exit and reaps it. */
        private void retire() {
            ChildProcess c;
            lock.lock();
            try {
                c = child;
                child = null;
            } finally {
                lock.unlock();
            }
            if (c != null) {
                c.close(EXIT_WAIT);
            }
        }
    }

    private boolean isStopping() {
        lock.lock();
        try {
            return stopping;
        } finally {
            lock.unlock();
        }
    }

    private void signalChanged() {
        lock.lock();
        try {
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }
}
