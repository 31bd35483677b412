package dev.amdahl.internal.wire;

/**
 * A message refused before it is published because a worker with the same {@link dev.amdahl.MessageLimits} would
 * refuse it; the message names the task, the limit and how to raise it. An {@link IllegalArgumentException}, as a
 * client's submit reports it; a worker publishing a workflow step tells it apart from a broker's failure, since a
 * refused step fails for good instead of being given back.
 */
public final class MessageRefusedException extends IllegalArgumentException {

    public MessageRefusedException(String message) {
        super(message);
    }

    public MessageRefusedException(String message, Throwable cause) {
        super(message, cause);
    }
}
