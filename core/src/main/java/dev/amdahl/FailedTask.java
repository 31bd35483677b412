package dev.amdahl;

/**
 * What an error callback receives: the task that failed and its error. Register error callbacks
 * with this as their argument type and attach them with {@link Signature#onError(Signature)}.
 *
 * <pre>{@code
 * Task<FailedTask, Void> alert = app.task("alert", FailedTask.class, Void.class, failed -> {
 *     pager.send(failed.taskName() + " failed: " + failed.message());
 *     return null;
 * });
 * render.sig(tile).onError(alert.sig()).submit();
 * }</pre>
 *
 * @param taskId     the id of the task that failed
 * @param taskName   its registered name
 * @param type       the class name of the exception it threw
 * @param message    the exception's message, or {@code null}
 * @param stackTrace the remote stack trace
 */
public record FailedTask(String taskId, String taskName, String type, String message, String stackTrace) {
}
