package dev.amdahl.internal.wire;

/** A message body that cannot be decoded; the message names what is wrong. */
public final class MalformedMessageException extends RuntimeException {

    private final String taskId;

    public MalformedMessageException(String taskId, String reason) {
        super("malformed task message" + (taskId == null ? "" : " " + taskId) + ": " + reason);
        this.taskId = taskId;
    }

    /** The task id, when the message got far enough to have one; otherwise {@code null}. */
    public String taskId() {
        return taskId;
    }
}
