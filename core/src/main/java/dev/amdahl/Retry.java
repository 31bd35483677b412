package dev.amdahl;

import java.time.Duration;

/**
 * Thrown by a task to have it run again later (Celery's {@code Retry}). Made by
 * {@link TaskContext#retry(Throwable, Duration)}; throw what it returns.
 *
 * <pre>{@code
 * app.task("mail.send", Mail.class, Void.class, mail -> {
 *     try {
 *         return smtp.send(mail);
 *     } catch (SmtpBusyException e) {
 *         throw TaskContext.current().retry(e, Duration.ofSeconds(30));
 *     }
 * });
 * }</pre>
 *
 * If the task has used up its {@link TaskOptions.Builder#maxRetries retries}, it ends in FAILURE with the
 * cause instead. A task that catches every exception must let this one through.
 */
public final class Retry extends AmdahlException {

    private final Duration countdown;

    /** A retry request; tasks get one from {@link TaskContext#retry}, tests may make their own. */
    public Retry(String message, Throwable cause, Duration countdown) {
        super(message, cause);
        this.countdown = countdown;
    }

    /** The delay asked for, or {@code null} for the task's {@link RetryBackoff}. */
    public Duration countdown() {
        return countdown;
    }
}
