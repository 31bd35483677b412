package dev.amdahl.observe;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * One task message as an observer sees it: on the client when it is published, on the worker when it is received,
 * started and finished. A worker hands the same instance to {@link TaskObserver#received}, {@link TaskObserver#started}
 * and {@link TaskObserver#finished} of one delivery, so an observer may key what it keeps between them on it
 * (identity, not equality: two deliveries of one message are two events).
 */
public final class TaskEvent {

    private final String taskName;
    private final String taskId;
    private final String queue;
    private final int retries;
    private final int deliveryCount;
    private final String worker;
    private final TraceContext trace;
    private final Duration queueWait;

    /**
     * @param worker        the worker's name, {@code null} on a client
     * @param deliveryCount 0 on a client, from 1 on a worker
     * @param trace         the trace context the message carries, or {@code null}
     * @param queueWait     how long the message waited for a worker, or {@code null}
     */
    public TaskEvent(String taskName, String taskId, String queue, int retries, int deliveryCount, String worker,
                     TraceContext trace, Duration queueWait) {
        this.taskName = Objects.requireNonNull(taskName, "taskName");
        this.taskId = Objects.requireNonNull(taskId, "taskId");
        this.queue = Objects.requireNonNull(queue, "queue");
        this.retries = retries;
        this.deliveryCount = deliveryCount;
        this.worker = worker;
        this.trace = trace;
        this.queueWait = queueWait;
    }

    /** The registered task name, as submitted. */
    public String taskName() {
        return taskName;
    }

    public String taskId() {
        return taskId;
    }

    /** The queue it is published to or was taken from. */
    public String queue() {
        return queue;
    }

    /** How many times the task was retried before this message. */
    public int retries() {
        return retries;
    }

    /** 1 on a first delivery, more on redeliveries; 0 for a message being published. */
    public int deliveryCount() {
        return deliveryCount;
    }

    /** The worker's name; empty on a client. */
    public Optional<String> worker() {
        return Optional.ofNullable(worker);
    }

    /** The trace context the message carries: on a worker, the submitter's. */
    public Optional<TraceContext> trace() {
        return Optional.ofNullable(trace);
    }

    /**
     * On a worker, how long the message waited between being published (or coming due, for one with an ETA or a
     * retry delay) and being taken, by the publisher's clock against the worker's; empty when the message carries
     * no publish time (an older client, another protocol). Never negative: clock skew reads as zero.
     */
    public Optional<Duration> queueWait() {
        return Optional.ofNullable(queueWait);
    }

    @Override
    public String toString() {
        return "TaskEvent[" + taskName + " " + taskId + " on " + queue + (worker == null ? "" : " at " + worker) + "]";
    }
}
