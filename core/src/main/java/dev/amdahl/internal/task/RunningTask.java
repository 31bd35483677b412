package dev.amdahl.internal.task;

import dev.amdahl.Progress;
import dev.amdahl.SoftTimeLimitExceeded;
import dev.amdahl.TaskContext;
import java.time.Duration;
import java.util.concurrent.Callable;

/**
 * The {@link TaskContext} of one run of a task, set on the thread that runs its code for as long as the code
 * runs. Progress and the soft time limit go through the run's {@link RunControl}, which the pool and the
 * worker's watchdog share.
 */
public final class RunningTask implements TaskContext {

    private static final ThreadLocal<RunningTask> CURRENT = new ThreadLocal<>();

    private final String taskId;
    private final String taskName;
    private final int retries;
    private final int deliveryCount;
    private final Duration softTimeLimit;
    private final RunControl control;

    public RunningTask(String taskId, String taskName, int retries, int deliveryCount, Duration softTimeLimit,
                       RunControl control) {
        this.taskId = taskId;
        this.taskName = taskName;
        this.retries = retries;
        this.deliveryCount = deliveryCount;
        this.softTimeLimit = softTimeLimit;
        this.control = control;
    }

    /** See {@link TaskContext#current()}. */
    public static TaskContext current() {
        RunningTask context = CURRENT.get();
        if (context == null) {
            throw new IllegalStateException("no task is running on this thread: TaskContext.current() works only inside a task's code");
        }
        return context;
    }

    @Override
    public String taskId() {
        return taskId;
    }

    @Override
    public String taskName() {
        return taskName;
    }

    @Override
    public int retries() {
        return retries;
    }

    @Override
    public int deliveryCount() {
        return deliveryCount;
    }

    @Override
    public void progress(double fraction, String message) {
        control.progress(new Progress(fraction, message));
    }

    @Override
    public boolean softTimeLimitExceeded() {
        return control.softLimitExceeded();
    }

    @Override
    public void checkSoftTimeLimit() {
        if (control.softLimitExceeded()) {
            throw softTimeLimitError(null);
        }
    }

    public SoftTimeLimitExceeded softTimeLimitError(Throwable cause) {
        return new SoftTimeLimitExceeded(taskName, taskId, softTimeLimit, cause);
    }

    public RunControl control() {
        return control;
    }

    /** Runs {@code body} with this context set on the current thread. */
    public <T> T runWith(Callable<T> body) throws Exception {
        RunningTask previous = CURRENT.get();
        CURRENT.set(this);
        try {
            return body.call();
        } finally {
            // set back, not removed: a removal would make the thread's next task allocate the entry again
            CURRENT.set(previous);
        }
    }
}
