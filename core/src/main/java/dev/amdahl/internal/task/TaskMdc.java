package dev.amdahl.internal.task;

import java.util.Objects;
import org.slf4j.MDC;

/**
 * What a log line is about, in the SLF4J MDC for the length of a {@code try} block: the task id (and, while
 * its code runs, the task's name), the periodic task a scheduler is checking, the child process whose
 * output is being copied. The keys live here, so that a log pattern such as {@code %X{taskId}} finds the
 * same key wherever the line was written.
 *
 * <pre>{@code
 * try (TaskMdc ignored = TaskMdc.of(message.id())) {
 *     log.info("task {} was revoked", message.id());
 * }
 * }</pre>
 *
 * <p>Closing puts back what the keys held before (usually nothing), so a scope opened inside another, such as
 * an eager-mode task submitted from a running task, leaves the outer one's id in place.
 */
public final class TaskMdc implements AutoCloseable {

    public static final String TASK_ID = "taskId";
    public static final String TASK = "task";
    public static final String SCHEDULE = "schedule";
    public static final String CHILD_PID = "childPid";

    /** A scope that changed nothing, so its close has nothing to put back. */
    private static final TaskMdc UNCHANGED = new TaskMdc(null, null, null, null);

    /** The keys this scope set ({@code null}: none), and what they held before. */
    private final String key;
    private final String previous;
    private final String key2;
    private final String previous2;

    private TaskMdc(String key, String previous, String key2, String previous2) {
        this.key = key;
        this.previous = previous;
        this.key2 = key2;
        this.previous2 = previous2;
    }

    /**
     * Sets the keys whose value changes; a key that holds its value already (a scope about the task opened inside another
     * about the same task: the pool's, then the settlement's) is left alone, and so costs neither a put nor a removal.
     */
    private static TaskMdc open(String key, String value, String key2, String value2) {
        String previous = MDC.get(key);
        boolean first = !Objects.equals(previous, value);
        String previous2 = null;
        boolean second = false;
        if (key2 != null) {
            previous2 = MDC.get(key2);
            second = !Objects.equals(previous2, value2);
        }
        if (!first && !second) {
            return UNCHANGED;
        }
        if (first) {
            MDC.put(key, value);
        }
        if (second) {
            MDC.put(key2, value2);
        }
        return new TaskMdc(first ? key : null, previous, second ? key2 : null, previous2);
    }

    /** The task id, for lines about one task. */
    public static TaskMdc of(String taskId) {
        return open(TASK_ID, taskId, null, null);
    }

    /** The task id and the task's name, for lines written while its code runs. */
    public static TaskMdc of(String taskId, String task) {
        return open(TASK_ID, taskId, TASK, task);
    }

    /** The periodic task a scheduler is checking. */
    public static TaskMdc schedule(String name) {
        return open(SCHEDULE, name, null, null);
    }

    /** The child process of a process pool whose output is being copied to the log. */
    public static TaskMdc childPid(long pid) {
        return open(CHILD_PID, Long.toString(pid), null, null);
    }

    @Override
    public void close() {
        restore(key2, previous2);
        restore(key, previous);
    }

    private static void restore(String key, String previous) {
        if (key == null) {
            return;
        }
        if (previous == null) {
            MDC.remove(key);
        } else {
            MDC.put(key, previous);
        }
    }
}
