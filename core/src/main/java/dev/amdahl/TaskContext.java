package dev.amdahl;

/**
 * What a running task can know about itself: its id, name and how often it was tried. Available on
 * the thread that runs the task.
 *
 * <pre>{@code
 * app.task("photo.import", Path.class, Long.class, path -> {
 *     log.info("importing {} as task {}", path, TaskContext.current().taskId());
 *     return importPhoto(path);
 * });
 * }</pre>
 */
public final class TaskContext {

    private static final ThreadLocal<TaskContext> CURRENT = new ThreadLocal<>();

    private final String taskId;
    private final String taskName;
    private final int retries;
    private final int deliveryCount;

    TaskContext(String taskId, String taskName, int retries, int deliveryCount) {
        this.taskId = taskId;
        this.taskName = taskName;
        this.retries = retries;
        this.deliveryCount = deliveryCount;
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
