package dev.amdahl.celery.internal.result;

/**
 * Celery's arguments do not fit the task's argument type: a parameter is missing, unknown, given twice, or of the
 * wrong type. The task fails (FAILURE, not a rejected message: the message itself was well formed) with this
 * message, which names the parameter the way Python's own {@code TypeError} would.
 */
public final class ArgumentMismatchException extends IllegalArgumentException {

    public ArgumentMismatchException(String message) {
        super(message);
    }

    public ArgumentMismatchException(String message, Throwable cause) {
        super(message, cause);
    }
}
