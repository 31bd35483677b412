package dev.amdahl;

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
public final class TaskContext {

    private static final ThreadLocal<TaskContext> CURRENT = new ThreadLocal<>();

    private final String taskId;
    private final String taskName;
    private final int retries;
    private final int deliveryCount;
    private final Duration softTimeLimit;
    private final RunControl control;

    TaskContext(String taskId, String taskName, int retries, int deliveryCount) {
        this(taskId, taskName, retries, deliveryCount, null, RunControl.unwatched());
    }

    TaskContext(String taskId, String taskName, int retries, int deliveryCount, Duration softTimeLimit, RunControl control) {
        this.taskId = taskId;
        this.taskName = taskName;
        this.retries = retries;
        this.deliveryCount = deliveryCount;
        this.softTimeLimit = softTimeLimit;
        this.control = control;
    }

    /**
     * The context of the task running on this thread.
     *
     * @throws IllegalStateException when no task is running on this thread
     */
    public static TaskContext current() {
        TaskContext context = CURRENT.get();
        if (context == null) {
            throw new IllegalStateException("no task is running on this thread: TaskContext.current() works only inside a task's code");
        }
        return context;
    }

    /** The running task's id. */
    public String taskId() {
        return taskId;
    }

    /** The running task's registered name. */
    public String taskName() {
        return taskName;
    }

    /** How many times the task was retried before this run. */
    public int retries() {
        return retries;
    }

    /** 1 on first delivery; more when a worker died while running the task and it was delivered again. */
    public int deliveryCount() {
        return deliveryCount;
    }

    /**
     * Reports how far the task has come; the caller sees it on {@link TaskFuture#progress()} and
     * {@link TaskFuture#onProgress}. Each report is one write to the result backend (state STARTED with
     * the progress), so report at steps a person would want to see, not once per item of a tight loop.
     *
     * @param fraction 0 to 1
     * @param message  what the task is doing now, or {@code null}
     * @throws IllegalArgumentException when the fraction is outside 0..1
     */
    public void progress(double fraction, String message) {
        control.progress(new Progress(fraction, message));
    }

    /**
     * An exception to throw to run this task again after {@code countdown}, with the retry count one
     * higher (Celery's {@code self.retry(exc=cause, countdown=...)}): {@code throw context.retry(e, Duration.ofSeconds(30))}.
     * When the task has no retries left it ends in FAILURE with {@code cause}.
     *
     * @param cause     why, recorded with state RETRY; may be {@code null}
     * @param countdown how long to wait, or {@code null} for the task's {@link RetryBackoff}
     * @throws IllegalArgumentException when the countdown is negative
     */
    public Retry retry(Throwable cause, Duration countdown) {
        if (countdown != null) {
            TaskOptions.checkNotNegative(countdown, "the retry countdown");
        }
        return new Retry("task '" + taskName + "' (id " + taskId + ") asked to be retried"
                + (cause == null ? "" : ": " + cause), cause, countdown);
    }

    /** {@link #retry(Throwable, Duration)} after the task's {@link RetryBackoff} delay. */
    public Retry retry(Throwable cause) {
        return retry(cause, null);
    }

    /**
     * Whether the soft time limit has passed. The worker also interrupts the task's thread at that
     * moment; this flag tells the interruption apart from others.
     */
    public boolean softTimeLimitExceeded() {
        return control.softLimitExceeded();
    }

    /**
     * Throws {@link SoftTimeLimitExceeded} once the soft time limit has passed; for CPU loops that never
     * block and so never see the interruption.
     */
    public void checkSoftTimeLimit() {
        if (control.softLimitExceeded()) {
            throw softTimeLimitError(null);
        }
    }

    SoftTimeLimitExceeded softTimeLimitError(Throwable cause) {
        return new SoftTimeLimitExceeded(taskName, taskId, softTimeLimit, cause);
    }

    RunControl control() {
        return control;
    }

    /** Runs {@code body} with this context set on the current thread; internal. */
    <T> T runWith(java.util.concurrent.Callable<T> body) throws Exception {
        TaskContext previous = CURRENT.get();
        CURRENT.set(this);
        try {
            return body.call();
        } finally {
            if (previous == null) {
                CURRENT.remove();
            } else {
                CURRENT.set(previous);
            }
        }
    }
}
