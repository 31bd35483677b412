package dev.amdahl.celery.internal.protocol;

/** A Celery message that cannot be decoded; the message names what is wrong, and the task id when one was read. */
public final class MalformedCeleryMessageException extends RuntimeException {

    private final String taskId;

    public MalformedCeleryMessageException(String taskId, String reason) {
        super("malformed Celery task message" + (taskId == null ? "" : " " + taskId) + ": " + reason);
        this.taskId = taskId;
    }

    /** The task id, when the message got far enough to have one unambiguous id; otherwise {@code null}. */
    public String taskId() {
        return taskId;
    }
}
