package dev.amdahl.spi;

/**
 * A delivery a {@link WireProtocol} cannot decode into a task it may run. The worker rejects the message (it becomes a
 * dead letter with this reason) and, when {@link #taskId()} is known, stores the task's FAILURE with the reason, so
 * whoever waits on the task hears why instead of waiting for ever.
 */
public final class MalformedDeliveryException extends RuntimeException {

    private final String taskId;
    private final String errorType;

    /**
     * @param taskId the task id when the message got far enough to have one unambiguous id, otherwise {@code null}
     * @param reason what is wrong, naming the field or the limit
     */
    public MalformedDeliveryException(String taskId, String reason) {
        this(taskId, null, reason);
    }

    /**
     * @param errorType the error type stored for the task, as its caller's language names it (Celery's {@code TypeError}
     *                  for arguments that do not bind); {@code null} for this exception's own
     */
    public MalformedDeliveryException(String taskId, String errorType, String reason) {
        super(reason);
        this.taskId = taskId;
        this.errorType = errorType;
    }

    /** The task id, when the message got far enough to have one; otherwise {@code null}. */
    public String taskId() {
        return taskId;
    }

    /** The error type to store for the task, or {@code null} for this exception's class name. */
    public String errorType() {
        return errorType;
    }
}
