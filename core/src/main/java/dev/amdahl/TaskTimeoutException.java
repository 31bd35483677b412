package dev.amdahl;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * A bounded wait for a task ({@link TaskFuture#result(Duration)}) or a group ran out of time. The task
 * itself goes on: waiting again, or {@link TaskFuture#cancel cancelling} it, are both still possible.
 *
 * <pre>{@code
 * try {
 *     return render.submit(tile).result(Duration.ofSeconds(30));
 * } catch (TaskTimeoutException e) {
 *     log.warn("{} (id {}) is still {} after {}", e.taskName().orElse("group"), e.taskId(), e.state(), e.timeout());
 *     throw e;
 * }
 * }</pre>
 *
 * <p><b>Relation to {@link java.util.concurrent.TimeoutException}:</b> this is its unchecked stand-in for
 * {@code result(Duration)}, which throws no checked exceptions; it cannot be a subclass of it (that one
 * is a checked {@code Exception}, this an {@link AmdahlException}). Its {@link #getCause() cause} is the
 * {@code TimeoutException} the wait raised, so code that looks for one in the cause chain finds it. The
 * {@link java.util.concurrent.Future#get(long, java.util.concurrent.TimeUnit) Future.get} of a task's future
 * still throws the plain checked {@code TimeoutException}, as that method's contract says.
 */
public class TaskTimeoutException extends AmdahlException {

    private final String taskName;
    private final String taskId;
    private final Duration timeout;
    private final TaskState state;

    /**
     * @param taskName the task's registered name, or {@code null} when what was awaited is a group
     * @param taskId   the task's id, or the group's
     * @param timeout  how long the caller waited
     * @param state    the task's state when the time ran out, as far as it is known
     */
    public TaskTimeoutException(String message, String taskName, String taskId, Duration timeout, TaskState state,
                                java.util.concurrent.TimeoutException cause) {
        super(message, cause);
        this.taskName = taskName;
        this.taskId = Objects.requireNonNull(taskId, "taskId");
        this.timeout = Objects.requireNonNull(timeout, "timeout");
        this.state = Objects.requireNonNull(state, "state");
    }

    /** The registered name of the task awaited; empty when a group was awaited. */
    public Optional<String> taskName() {
        return Optional.ofNullable(taskName);
    }

    /** The id of the task (or group) awaited. */
    public String taskId() {
        return taskId;
    }

    /** How long the caller waited. */
    public Duration timeout() {
        return timeout;
    }

    /** The task's (or group's) state when the time ran out. */
    public TaskState state() {
        return state;
    }
}
