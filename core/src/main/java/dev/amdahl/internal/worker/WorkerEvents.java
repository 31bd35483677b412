package dev.amdahl.internal.worker;

import dev.amdahl.internal.observe.Observers;
import dev.amdahl.internal.wire.TaskMessage;
import dev.amdahl.observe.TaskEvent;
import dev.amdahl.observe.TaskObserver;
import dev.amdahl.observe.TaskOutcome;
import dev.amdahl.spi.Delivery;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * What one worker tells the application's {@link TaskObserver}s, and the count of its running tasks.
 *
 * <p>Each delivery the consumer looks at (one not final already) becomes a {@link Run}: received once, started at
 * most once, finished exactly once, whichever path it takes. A run counts as running from its start until the first
 * of its outcome and the end of its code: a task abandoned at its hard time limit reports FAILURE while its thread may
 * go on, and no longer counts, as the pool no longer counts it against its concurrency.
 */
final class WorkerEvents {

    private final String worker;
    private final Observers observers;
    private final AtomicInteger running = new AtomicInteger();

    WorkerEvents(String worker, Observers observers) {
        this.worker = worker;
        this.observers = observers;
    }

    Observers observers() {
        return observers;
    }

    int runningCount() {
        return running.get();
    }

    /**
     * The consumer took {@code m} at {@code now}; it waited since it was sent or came due (an ETA, a retry's delay),
     * whichever is later, and a clock behind the publisher's reads as no wait.
     */
    Run received(Delivery d, TaskMessage m, Instant now) {
        if (observers.isEmpty()) {
            return new Run(null);   // no event for no observer: a task would pay for one nobody reads
        }
        Duration wait = null;
        if (m.sentAt() != null) {
            Instant due = m.eta() != null && m.eta().isAfter(m.sentAt()) ? m.eta() : m.sentAt();
            wait = due.isBefore(now) ? Duration.between(due, now) : Duration.ZERO;
        }
        Run run = new Run(new TaskEvent(m.task(), m.id(), d.queue(), m.retries(), d.deliveryCount(), worker, m.trace(), wait));
        observers.received(run.event);
        return run;
    }

    void deadLettered(String queue, String reason) {
        observers.deadLettered(queue, reason);
    }

    /** One delivery's life, from received to finished. */
    final class Run {
        /** {@code null} when there is no observer to tell. */
        final TaskEvent event;
        // field updaters, not AtomicBooleans: two objects less per task
        private static final AtomicIntegerFieldUpdater<Run> COUNTED = AtomicIntegerFieldUpdater.newUpdater(Run.class, "counted");
        private static final AtomicIntegerFieldUpdater<Run> FINISHED = AtomicIntegerFieldUpdater.newUpdater(Run.class, "finished");
        private volatile int counted;
        private volatile int finished;

        private Run(TaskEvent event) {
            this.event = event;
        }

        /**
         * The task's code is about to run, on this thread; {@code armed} (its time limits, or {@code null}) is closed
         * with what the observers opened when the code returns.
         */
        AutoCloseable started(AutoCloseable armed) {
            if (finished == 0 && COUNTED.compareAndSet(this, 0, 1)) {
                running.incrementAndGet();
            }
            TaskObserver.Scope scope = event == null ? null : observers.started(event);
            if (scope == null && armed == null) {
                return this::stopCounting;
            }
            return () -> {
                stopCounting();
                try {
                    if (scope != null) {
                        scope.close();
                    }
                } finally {
                    if (armed != null) {
                        armed.close();
                    }
                }
            };
        }

        /** Ends the run with {@code outcome}; a second call does nothing. */
        void finished(TaskOutcome outcome, long runtimeNanos) {
            if (FINISHED.compareAndSet(this, 0, 1)) {
                stopCounting();
                if (event != null) {
                    observers.finished(event, outcome, Duration.ofNanos(Math.max(0, runtimeNanos)));
                }
            }
        }

        private void stopCounting() {
            if (COUNTED.compareAndSet(this, 1, 0)) {
                running.decrementAndGet();
            }
        }
    }
}
