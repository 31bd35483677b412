package dev.amdahl;

import dev.amdahl.internal.Outcome;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
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
 */
final class ThreadExecutionPool implements ExecutionPool {

    private static final Logger log = LoggerFactory.getLogger(ThreadExecutionPool.class);
    private static final Duration AFTER_INTERRUPT = Duration.ofSeconds(2);

    private final TaskInvoker invoker;
    private final ThreadPoolExecutor executor;
    /** Jobs handed to a thread and not yet reported; what shutdown abandons if they outlive it. */
    private final Set<Running> running = ConcurrentHashMap.newKeySet();
    private volatile boolean stopping;
    /** Set just before running tasks are interrupted: a failure after it is the interrupt's doing. */
    private volatile boolean interrupting;

    private ThreadExecutionPool(TaskInvoker invoker, int threads, ThreadFactory factory) {
        this.invoker = invoker;
        this.executor = new ThreadPoolExecutor(threads, threads, 0, TimeUnit.MILLISECONDS, new LinkedBlockingQueue<>(), factory);
    }

    static ThreadExecutionPool platform(TaskInvoker invoker, int threads) {
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
    static ThreadExecutionPool virtual(TaskInvoker invoker, int threads) {
        return new ThreadExecutionPool(invoker, threads, virtualThreadFactory());
    }

    /** Whether this JVM has virtual threads (Java 21+). */
    static boolean virtualThreadsAvailable() {
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

    private final class Running implements Runnable {
        final Job job;
        final AtomicBoolean reported = new AtomicBoolean();

        Running(Job job) {
            this.job = job;
        }

        @Override
        public void run() {
            if (stopping) {
                report(Outcome.abandoned("the worker is shutting down"));
                return;
            }
            running.add(this);
            try {
                Outcome outcome = invoker.invoke(job.message(), job.deliveryCount());
                boolean interruptedByShutdown = interrupting && outcome.kind() == Outcome.Kind.FAILURE;
                report(interruptedByShutdown ? Outcome.abandoned("the worker shut down while the task ran") : outcome);
            } finally {
                running.remove(this);
                Thread.interrupted(); // clear a shutdown interrupt before the thread is reused
            }
        }

        void report(Outcome outcome) {
            if (reported.compareAndSet(false, true)) {
                try {
                    job.done().accept(outcome);
                } catch (RuntimeException e) {
                    log.error("reporting the outcome of task {} failed", job.message().id(), e);
                }
            }
        }
    }

    @Override
    public void execute(Job job) {
        Running r = new Running(job);
        try {
            executor.execute(r);
        } catch (RejectedExecutionException stopped) {
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
            if (!executor.awaitTermination(grace.toNanos(), TimeUnit.NANOSECONDS)) {
                log.warn("{} task(s) still running after the shutdown grace of {}; interrupting them", running.size(), grace);
                interrupting = true;
                executor.shutdownNow();
                if (!executor.awaitTermination(AFTER_INTERRUPT.toNanos(), TimeUnit.NANOSECONDS)) {
                    for (Running r : List.copyOf(running)) {
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
            List.copyOf(running).forEach(r -> r.report(Outcome.abandoned("the worker was interrupted while shutting down")));
        }
    }
}
