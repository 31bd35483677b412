package dev.amdahl.internal.worker;

import dev.amdahl.AmdahlException;
import dev.amdahl.internal.task.Outcome;
import dev.amdahl.internal.task.TaskInvoker;
import dev.amdahl.internal.task.TaskMdc;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs tasks on threads of this JVM: platform threads, or virtual threads where the runtime has
 * them. A fixed number of threads bounds concurrency either way.
 *
 * <p>Shutdown: queued jobs are drained and abandoned; running ones get the grace period, then their
 * threads are interrupted. A task that ignores the interrupt is abandoned where it stands (its
 * message goes back to the broker) and its thread is left to finish on its own: Java cannot stop a
 * thread safely, which is why hard time limits are exact only on the process pool.
 *
 * <p>Hard time limit: the job reports FAILURE at once, its thread is interrupted and abandoned, and the
 * executor grows by one thread for as long as the abandoned one runs, so the pool keeps its concurrency.
 * An abandoned thread that never returns (a loop that ignores interrupts) keeps its CPU and memory
 * until the JVM exits; that is the price of threads, and the reason to run such tasks on
 * {@link Pool#PROCESSES}.
 *
 * <p>Cancelling (a revocation, {@link #cancel}): a job still queued is marked and taken out, and never
 * runs; a running one, when it may be interrupted, is abandoned exactly as at a hard time limit.
 */
public final class ThreadExecutionPool implements ExecutionPool {

    private static final Logger log = LoggerFactory.getLogger(ThreadExecutionPool.class);
    private static final Duration AFTER_INTERRUPT = Duration.ofSeconds(2);

    private final TaskInvoker invoker;
    private final ThreadPoolExecutor executor;
    private final int threads;
    /**
     * Jobs handed to a thread and not yet ended or abandoned; what shutdown waits for. Notified on removal once
     * stopping.
     */
    private final Map<Job, Running> running = new ConcurrentHashMap<>();
    /** Jobs executed and not yet ended, queued or running: what {@link #cancel} looks up. */
    private final Map<Job, Running> jobs = new ConcurrentHashMap<>();
    /** Threads abandoned at a hard time limit and still running; the executor has this many extra threads. Guarded by {@code running}. */
    private int abandonedThreads;
    private volatile boolean stopping;
    /** Set just before running tasks are interrupted: a failure after it is the interrupt's doing. */
    private volatile boolean interrupting;

    private ThreadExecutionPool(TaskInvoker invoker, int threads, ThreadFactory factory) {
        this.invoker = invoker;
        this.threads = threads;
        this.executor = new ThreadPoolExecutor(threads, threads, 0, TimeUnit.MILLISECONDS, new LinkedBlockingQueue<>(), factory);
    }

    public static ThreadExecutionPool platform(TaskInvoker invoker, int threads) {
        AtomicInteger n = new AtomicInteger();
        return new ThreadExecutionPool(invoker, threads, r -> {
            Thread t = new Thread(r, "amdahl-task-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * A pool on virtual threads.
     *
     * @throws AmdahlException on a runtime without virtual threads, saying which runtime this is
     */
    public static ThreadExecutionPool virtual(TaskInvoker invoker, int threads) {
        return new ThreadExecutionPool(invoker, threads, virtualThreadFactory());
    }

    /** Whether this JVM has virtual threads (Java 21+). */
    public static boolean virtualThreadsAvailable() {
        try {
            virtualThreadFactory();
            return true;
        } catch (AmdahlException e) {
            return false;
        }
    }

    // Reflection keeps the bytecode at Java 17 while using virtual threads where the runtime has them.
    private static ThreadFactory virtualThreadFactory() {
        try {
            MethodHandles.Lookup lookup = MethodHandles.publicLookup();
            Class<?> builderType = Class.forName("java.lang.Thread$Builder");
            Class<?> virtualBuilderType = Class.forName("java.lang.Thread$Builder$OfVirtual");
            MethodHandle ofVirtual = lookup.findStatic(Thread.class, "ofVirtual", MethodType.methodType(virtualBuilderType));
            MethodHandle name = lookup.findVirtual(builderType, "name", MethodType.methodType(builderType, String.class, long.class));
            MethodHandle factory = lookup.findVirtual(builderType, "factory", MethodType.methodType(ThreadFactory.class));
            Object builder = name.invoke(ofVirtual.invoke(), "amdahl-vtask-", 1L);
            return (ThreadFactory) factory.invoke(builder);
        } catch (Throwable e) {
            throw new AmdahlException("the virtual-thread pool needs Java 21 or newer, and this worker runs on Java "
                    + Runtime.version() + " (" + System.getProperty("java.home") + "). Run it on a newer JDK, "
                    + "or choose Pool.THREADS (--pool threads)");
        }
    }

    /**
     * One job on its way through a thread. Its monitor guards {@code thread}, {@code ended} and
     * {@code cancelled}, so that a time-limit interrupt reaches the task's own thread and never the next
     * task the thread runs, and a cancel either stops the job before it starts or finds it running.
     */
    private final class Running implements Runnable {
        final Job job;
        final AtomicBoolean reported = new AtomicBoolean();
        private Thread thread;
        private boolean ended;
        private boolean abandoned;
        private boolean cancelled;

        Running(Job job) {
            this.job = job;
        }

        @Override
        public void run() {
            // one scope for the run and its settling: the invoker's and the settlement's scopes about the same task then
            // find its id in place and set nothing
            try (TaskMdc ignored = TaskMdc.of(job.message().id(), job.message().task())) {
                runJob();
            }
        }

        private void runJob() {
            if (stopping) {
                jobs.remove(job, this);
                report(Outcome.abandoned("the worker is shutting down"));
                return;
            }
            if (!job.control().mayStart()) {
                jobs.remove(job, this);
                report(Outcome.abandoned("the worker lost its lease on the message before the task started"));
                return;
            }
            synchronized (this) {
                if (cancelled) {
                    return;
                }
                thread = Thread.currentThread();
            }
            running.put(job, this);
            job.control().started();
            try {
                Outcome outcome = invoker.invoke(job.message(), job.deliveryCount(), job.control());
                boolean interruptedByShutdown = interrupting && outcome.kind() != Outcome.Kind.SUCCESS;
                report(interruptedByShutdown ? Outcome.abandoned("the worker shut down while the task ran") : outcome);
            } finally {
                job.control().finished();
                boolean wasAbandoned;
                synchronized (this) {
                    ended = true;
                    thread = null;
                    wasAbandoned = abandoned;
                }
                jobs.remove(job, this);
                Thread.interrupted(); // clear a time-limit or shutdown interrupt before the thread is reused
                if (wasAbandoned) {
                    replaced();
                } else {
                    removeRunning(job);
                }
            }
        }

        /** Cancels the job if no thread has taken it yet; then it never runs. */
        boolean cancelQueued(Outcome outcome) {
            synchronized (this) {
                if (thread != null || ended || cancelled) {
                    return false;
                }
                cancelled = true;
            }
            jobs.remove(job, this);
            executor.remove(this);
            report(outcome);
            return true;
        }

        /** Soft time limit: the flag first, so the task sees why it was interrupted. */
        synchronized void interrupt() {
            if (!ended && !abandoned) {
                job.control().softLimitReached();
                thread.interrupt();
            }
        }

        /** Hard time limit: abandon this thread, report the failure, and let another thread take its place. */
        boolean abandon(Outcome failure) {
            synchronized (this) {
                if (ended || abandoned || thread == null) {
                    return false;
                }
                abandoned = true;
                job.control().abandon();
                thread.interrupt();
            }
            log.warn("task {}: {}", job.message().id(), failure.error().message());
            synchronized (running) {
                abandonedThreads++;
                resize();
            }
            removeRunning(job);
            report(failure);
            return true;
        }

        void report(Outcome outcome) {
            job.reportOnce(reported, outcome);
        }
    }

    /**
     * Only a shutdown waits for {@code running} to empty, and only after {@code stopping} is set (its wait also looks
     * again every 50 ms): a job that ends before then takes no lock.
     */
    private void removeRunning(Job job) {
        running.remove(job);
        if (stopping) {
            synchronized (running) {
                running.notifyAll();
            }
        }
    }

    /** An abandoned thread came back at last: the executor shrinks to its size again. */
    private void replaced() {
        synchronized (running) {
            abandonedThreads--;
            resize();
            running.notifyAll();
        }
    }

    /** Guarded by {@code running}. Grows before shrinking the other bound, as the executor requires core <= max. */
    private void resize() {
        int size = threads + abandonedThreads;
        try {
            if (size > executor.getMaximumPoolSize()) {
                executor.setMaximumPoolSize(size);
                executor.setCorePoolSize(size);
            } else {
                executor.setCorePoolSize(size);
                executor.setMaximumPoolSize(size);
            }
        } catch (RuntimeException e) {
            log.debug("could not resize the task threads to {}: {}", size, e.toString());
        }
    }

    @Override
    public void interrupt(Job job) {
        Running r = running.get(job);
        if (r != null) {
            r.interrupt();
        }
    }

    @Override
    public boolean terminate(Job job, Outcome failure) {
        Running r = running.get(job);
        return r != null && r.abandon(failure);
    }

    @Override
    public boolean cancel(Job job, Outcome outcome, boolean mayInterruptIfRunning) {
        Running r = jobs.get(job);
        if (r == null) {
            return false;
        }
        return r.cancelQueued(outcome) || mayInterruptIfRunning && r.abandon(outcome);
    }

    @Override
    public void execute(Job job) {
        Running r = new Running(job);
        jobs.put(job, r);
        try {
            executor.execute(r);
        } catch (RejectedExecutionException stopped) {
            jobs.remove(job, r);
            r.report(Outcome.abandoned("the worker is shutting down"));
        }
    }

    @Override
    public void stopAccepting() {
        stopping = true;
        executor.shutdown();
        List<Runnable> queued = new ArrayList<>();
        executor.getQueue().drainTo(queued);
        for (Runnable r : queued) {
            ((Running) r).report(Outcome.abandoned("the worker shut down before the task started"));
        }
    }

    @Override
    public void awaitRunning(Duration grace) {
        try {
            if (!awaitIdle(grace)) {
                log.warn("{} task(s) still running after the shutdown grace of {}; interrupting them", running.size(), WorkerRuntime.written(grace));
                interrupting = true;
                executor.shutdownNow();
                if (!awaitIdle(AFTER_INTERRUPT)) {
                    for (Running r : List.copyOf(running.values())) {
                        log.warn("task {} ignores interruption; giving its message back and leaving its thread behind",
                                r.job.message().id());
                        r.report(Outcome.abandoned("the task did not stop when the worker shut down"));
                    }
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            interrupting = true;
            executor.shutdownNow();
            List.copyOf(running.values()).forEach(r -> r.report(Outcome.abandoned("the worker was interrupted while shutting down")));
        }
    }

    /**
     * Waits until no job is running, not counting threads abandoned at a hard time limit (they may never
     * return). Busy threads are counted as well as the map, since a thread may have taken a job from the
     * queue and not yet registered it.
     */
    private boolean awaitIdle(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (running) {
            while (!running.isEmpty() || executor.getActiveCount() > abandonedThreads) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                // getActiveCount is not notified: look again at least every 50 ms
                running.wait(Math.max(1, Math.min(TimeUnit.NANOSECONDS.toMillis(left), 50)));
            }
            return true;
        }
    }
}
