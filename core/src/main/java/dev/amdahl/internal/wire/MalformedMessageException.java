package dev.amdahl.internal.wire;

/** A message body that cannot be decoded; the message names what is wrong. */
public final class MalformedMessageException extends RuntimeException {

    private final String taskId;
    private final String errorType;
    private final String reason;

    public MalformedMessageException(String taskId, String reason) {
        this(taskId, null, reason);
    }

    /** {@code errorType}: the type stored for the task's FAILURE, or {@code null} for this class's name. */
    public MalformedMessageException(String taskId, String errorType, String reason) {
        super("malformed task message" + (taskId == null ? "" : " " + taskId) + ": " + reason);
        this.taskId = taskId;
        this.errorType = errorType;
        this.reason = reason;
    }

    /** What is wrong, without the task id. */
    public String reason() {
        return reason;
    }

    /** The type to store for the task's FAILURE, or {@code null} for this exception's own. */
    public String errorType() {
        return errorType;
    }

    /** The task id, when the message got far enough to have one; otherwise {@code null}. */
    public String taskId() {
        return taskId;
    }
}
