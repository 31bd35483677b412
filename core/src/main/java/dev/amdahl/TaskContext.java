package dev.amdahl;

import dev.amdahl.internal.task.RunningTask;
import java.time.Duration;

/**
 * What a running task can know about itself and tell its caller: its id, name and how often it was
 * tried; its {@link #progress progress}; a {@link #retry retry} request; whether its
 * {@link #softTimeLimitExceeded() soft time limit} has passed. Available on the thread that runs the task.
 *
 * <pre>{@code
 * app.task("photo.import", Path.class, Long.class, path -> {
 *     TaskContext task = TaskContext.current();
 *     log.info("importing {} as task {}", path, task.taskId());
 *     task.progress(0.1, "copying");
 *     copy(path);
 *     task.progress(0.6, "making thumbnails");
 *     return thumbnails(path);
 * });
 * }</pre>
 */
public interface TaskContext {

    /**
     * The context of the task running on this thread.
     *
     * @throws IllegalStateException when no task is running on this thread
     */
    static TaskContext current() {
        return RunningTask.current();
    }

    /** The running task's id. */
    String taskId();

    /** The running task's registered name. */
    String taskName();

    /** How many times the task was retried before this run. */
    int retries();

    /** 1 on first delivery; more when a worker died while running the task and it was delivered again. */
    int deliveryCount();

    /**
     * Reports how far the task has come; the caller sees it on {@link TaskFuture#progress()} and
     * {@link TaskFuture#onProgress}. Each report is one write to the result backend (state STARTED with
     * the progress), so report at steps a person would want to see, not once per item of a tight loop.
     *
     * @param fraction 0 to 1
     * @param message  what the task is doing now, or {@code null}
     * @throws IllegalArgumentException when the fraction is outside 0..1
     */
    void progress(double fraction, String message);

    /**
     * An exception to throw to run this task again after {@code countdown}, with the retry count one
     * higher (Celery's {@code self.retry(exc=cause, countdown=...)}): {@code throw context.retry(e, Duration.ofSeconds(30))}.
     * When the task has no retries left it ends in FAILURE with {@code cause}.
     *
     * @param cause     why, recorded with state RETRY; may be {@code null}
     * @param countdown how long to wait, or {@code null} for the task's {@link RetryBackoff}
     * @throws IllegalArgumentException when the countdown is negative
     */
    default Retry retry(Throwable cause, Duration countdown) {
        if (countdown != null && countdown.isNegative()) {
            throw new IllegalArgumentException("the retry countdown must not be negative, was " + countdown);
        }
        return new Retry("task '" + taskName() + "' (id " + taskId() + ") asked to be retried"
                + (cause == null ? "" : ": " + cause), cause, countdown);
    }

    /** {@link #retry(Throwable, Duration)} after the task's {@link RetryBackoff} delay. */
    default Retry retry(Throwable cause) {
        return retry(cause, null);
    }

    /**
     * Whether the soft time limit has passed. The worker also interrupts the task's thread at that
     * moment; this flag tells the interruption apart from others.
     */
    boolean softTimeLimitExceeded();

    /**
     * Throws {@link SoftTimeLimitExceeded} once the soft time limit has passed; for CPU loops that never
     * block and so never see the interruption.
     */
    void checkSoftTimeLimit();
}
