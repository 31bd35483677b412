package dev.amdahl.internal.task;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** Tasks by name. Registration happens at start-up; lookups on every message, from many threads. */
public final class TaskRegistry {

    private final Map<String, RegisteredTask<?, ?>> tasks = new ConcurrentHashMap<>();

    /**
     * Adds a task, or returns the one already registered under its name when it is the same
     * (a reference registered before its implementation is replaced by the implementation).
     *
     * @throws IllegalArgumentException when the name is taken by a task with different types or code
     */
    public <A, R> RegisteredTask<A, R> register(RegisteredTask<A, R> task) {
        @SuppressWarnings("unchecked")
        RegisteredTask<A, R> result = (RegisteredTask<A, R>) tasks.compute(task.name(), (name, old) -> {
            if (old == null) {
                return task;
            }
            if (sameTypes(old, task)) {
                if (task.function() == null) {
                    return old;
                }
                if (old.function() == null) {
                    return task;
                }
            }
            throw new IllegalArgumentException("a task named '" + name + "' is registered already ("
                    + describe(old) + "); give this one (" + describe(task) + ") another name");
        });
        return result;
    }

    public RegisteredTask<?, ?> find(String name) {
        return tasks.get(name);
    }

    public List<String> names() {
        return tasks.keySet().stream().sorted().toList();
    }

    public List<RegisteredTask<?, ?>> all() {
        return List.copyOf(tasks.values());
    }

    private static boolean sameTypes(RegisteredTask<?, ?> a, RegisteredTask<?, ?> b) {
        return a.argumentType().equals(b.argumentType()) && a.resultType().equals(b.resultType());
    }

    private static String describe(RegisteredTask<?, ?> t) {
        return t.argumentType().toCanonical() + " -> " + t.resultType().toCanonical()
                + (t.function() == null ? ", a reference without code" : "");
    }
}
