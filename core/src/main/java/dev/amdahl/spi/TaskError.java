package dev.amdahl.spi;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.Objects;

/**
 * An exception as it travels between processes: its type name, message and stack text. Never the
 * exception object itself (no Java serialization on the wire).
 *
 * @param type       the exception's class name, e.g. {@code java.lang.IllegalStateException}
 * @param message    its message, or {@code null}
 * @param stackTrace its printed stack trace, causes included
 */
public record TaskError(String type, String message, String stackTrace) {

    public TaskError {
        Objects.requireNonNull(type, "type");
        stackTrace = stackTrace == null ? "" : stackTrace;
    }

    /** Captures a throwable. */
    public static TaskError of(Throwable t) {
        StringWriter text = new StringWriter();
        t.printStackTrace(new PrintWriter(text));
        return new TaskError(t.getClass().getName(), t.getMessage(), text.toString());
    }

    /** An error that did not come from an exception (a child process that died, say). */
    public static TaskError of(String type, String message) {
        return new TaskError(type, message, "");
    }

    /** {@code type: message}, as Java prints an exception. */
    public String summary() {
        return message == null ? type : type + ": " + message;
    }
}
