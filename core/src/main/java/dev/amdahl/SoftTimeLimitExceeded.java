package dev.amdahl;

import java.time.Duration;

/**
 * A task ran past its {@link TaskOptions.Builder#softTimeLimit soft time limit} (Celery's
 * {@code SoftTimeLimitExceeded}). The worker interrupts the task's thread at the limit; a task that
 * wants to clean up catches the interruption (or checks {@link TaskContext#softTimeLimitExceeded()}),
 * tidies, and returns or throws. Whatever it throws then is recorded as this type, so callers see
 * {@code dev.amdahl.SoftTimeLimitExceeded} in {@link TaskFailedException#remoteType()}.
 *
 * <pre>{@code
 * app.task("video.encode", Clip.class, String.class, TaskOptions.builder()
 *         .softTimeLimit(Duration.ofMinutes(5)).hardTimeLimit(Duration.ofMinutes(6)).build(), clip -> {
 *     Path partial = Files.createTempFile("clip", ".part");
 *     try {
 *         return encoder.encode(clip, partial);                // blocks; throws InterruptedException at the soft limit
 *     } finally {
 *         Files.deleteIfExists(partial);                       // cleanup runs before the hard limit
 *     }
 * });
 * }</pre>
 *
 * A CPU loop that never blocks is not interrupted by Java; it can call
 * {@link TaskContext#checkSoftTimeLimit()} now and then, which throws this exception once the limit
 * has passed.
 */
public final class SoftTimeLimitExceeded extends AmdahlException {

    /** The error a task gets when its soft time limit of {@code limit} has passed. */
    public SoftTimeLimitExceeded(String taskName, String taskId, Duration limit, Throwable cause) {
        super("task '" + taskName + "' (id " + taskId + ") exceeded its soft time limit of " + limit, cause);
    }
}
