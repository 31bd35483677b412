package dev.amdahl;

import dev.amdahl.spi.TaskError;
import java.util.Optional;

/**
 * A task ended in FAILURE. Carries what the worker reported: the remote exception's type name,
 * message and stack text (the exception itself never crosses the wire).
 *
 * <pre>{@code
 * try {
 *     render.submit(tile).get();
 * } catch (ExecutionException e) {
 *     if (e.getCause() instanceof TaskFailedException failed
 *             && failed.remoteType().equals("java.lang.ArithmeticException")) {
 *         log.warn("tile {} failed: {}", failed.taskId(), failed.remoteMessage());
 *     }
 * }
 * }</pre>
 */
public class TaskFailedException extends AmdahlException {

    private final String taskName;
    private final String taskId;
    private final String remoteType;
    private final String remoteMessage;
    private final String remoteStackTrace;

    public TaskFailedException(String taskName, String taskId, TaskError error) {
        super("task '" + taskName + "' (id " + taskId + ") failed: " + error.summary()
                + (error.stackTrace().isEmpty() ? "" : "\n--- remote stack trace ---\n" + error.stackTrace()));
        this.taskName = taskName;
        this.taskId = taskId;
        this.remoteType = error.type();
        this.remoteMessage = error.message();
        this.remoteStackTrace = error.stackTrace();
    }

    /** The registered name of the task that failed. */
    public String taskName() {
        return taskName;
    }

    /** The id of the task that failed. */
    public String taskId() {
        return taskId;
    }

    /**
     * The class name of the exception the task threw, e.g. {@code java.lang.IllegalStateException}, or the type
     * name of an {@link ErrorType} when the runtime ended the task.
     */
    public String remoteType() {
        return remoteType;
    }

    /** The runtime error that ended the task, or empty when the task's own code threw. */
    public Optional<ErrorType> errorType() {
        return ErrorType.of(remoteType);
    }

    /** The message of the exception the task threw, or {@code null}. */
    public String remoteMessage() {
        return remoteMessage;
    }

    /** The remote exception's stack trace as the worker printed it, causes included. */
    public String remoteStackTrace() {
        return remoteStackTrace;
    }
}
