package dev.amdahl.internal.task;

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

    private final String[] keys;
    private final String[] previous;

    private TaskMdc(String... keysAndValues) {
        int n = keysAndValues.length / 2;
        keys = new String[n];
        previous = new String[n];
        for (int i = 0; i < n; i++) {
            keys[i] = keysAndValues[2 * i];
            previous[i] = MDC.get(keys[i]);
            MDC.put(keys[i], keysAndValues[2 * i + 1]);
        }
    }

    /** The task id, for lines about one task. */
    public static TaskMdc of(String taskId) {
        return new TaskMdc(TASK_ID, taskId);
    }

    /** The task id and the task's name, for lines written while its code runs. */
    public static TaskMdc of(String taskId, String task) {
        return new TaskMdc(TASK_ID, taskId, TASK, task);
    }

    /** The periodic task a scheduler is checking. */
    public static TaskMdc schedule(String name) {
        return new TaskMdc(SCHEDULE, name);
    }

    /** The child process of a process pool whose output is being copied to the log. */
    public static TaskMdc childPid(long pid) {
        return new TaskMdc(CHILD_PID, Long.toString(pid));
    }

    @Override
    public void close() {
        for (int i = keys.length - 1; i >= 0; i--) {
            if (previous[i] == null) {
                MDC.remove(keys[i]);
            } else {
                MDC.put(keys[i], previous[i]);
            }
        }
    }
}
