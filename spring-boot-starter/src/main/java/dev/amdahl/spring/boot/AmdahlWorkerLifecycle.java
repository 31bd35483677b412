package dev.amdahl.spring.boot;

import dev.amdahl.Amdahl;
import dev.amdahl.Worker;
import dev.amdahl.WorkerOptions;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;

/**
 * The application's worker, started and stopped with the application context.
 *
 * <p>It starts once every singleton exists (so a task bean's dependencies are ready before its first message) and
 * stops first among the application's lifecycles on close, after the web server (if any) has stopped taking requests:
 * the worker stops taking messages, lets running tasks finish within {@code amdahl.worker.shutdown-grace}, gives back
 * the rest, and only then is the {@link Amdahl} bean (broker, backend) closed. The stop runs on its own thread and
 * tells Spring when it is done, so other lifecycles of the same phase stop meanwhile; Spring waits for it up to
 * {@code spring.lifecycle.timeout-per-shutdown-phase}, which must therefore exceed the shutdown grace.
 *
 * <p>Invariant: {@link #worker} is set only between a {@code start} and the end of the {@code stop} that follows. Spring
 * never overlaps the two (the asynchronous stop's callback is what lets it go on), and the field is volatile for the
 * health indicator's reads from request threads.
 */
public final class AmdahlWorkerLifecycle implements SmartLifecycle {

    /**
     * Below the web server's phases ({@code DEFAULT_PHASE - 1024} and {@code - 2048}): higher phases stop first, so
     * requests that submit tasks are done before the worker drains.
     */
    public static final int PHASE = SmartLifecycle.DEFAULT_PHASE - 4096;

    private static final Logger log = LoggerFactory.getLogger(AmdahlWorkerLifecycle.class);

    private final Amdahl app;
    private final WorkerOptions options;
    private volatile Worker worker;

    AmdahlWorkerLifecycle(Amdahl app, WorkerOptions options) {
        this.app = app;
        this.options = options;
    }

    @Override
    public void start() {
        if (worker != null) {
            return;
        }
        Worker started = app.startWorker(options);
        worker = started;
        log.info("Amdahl worker {} consuming {} with {} at once on {} (tasks: {})", started.name(), options.queues(),
                options.concurrency(), options.pool(), app.taskNames());
    }

    @Override
    public void stop() {
        Worker running = worker;
        if (running != null) {
            log.info("Amdahl worker {} stopping: running tasks have {} to finish", running.name(), options.shutdownGrace());
            running.close();   // logs how it went
            worker = null;
        }
    }

    @Override
    public void stop(Runnable callback) {
        Thread stopper = new Thread(() -> {
            try {
                stop();
            } finally {
                callback.run();
            }
        }, "amdahl-worker-stop");
        stopper.start();
    }

    @Override
    public boolean isRunning() {
        return worker != null;
    }

    @Override
    public int getPhase() {
        return PHASE;
    }

    /** The running worker, or empty before the context started it and after it stopped. */
    public Optional<Worker> worker() {
        return Optional.ofNullable(worker);
    }

    /** The options the worker runs with, from {@code amdahl.worker.*}. */
    public WorkerOptions options() {
        return options;
    }
}
