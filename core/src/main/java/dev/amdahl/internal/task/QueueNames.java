package dev.amdahl.internal.task;

import java.util.regex.Pattern;

/** The one rule for queue names, shared by every place that takes one, so a name that one accepts all accept. */
public final class QueueNames {

    private static final Pattern ALLOWED = Pattern.compile("[A-Za-z0-9_.:\\-]{1,200}");

    private QueueNames() {
    }

    /** Whether {@code name} is an allowed queue (or periodic task) name. */
    public static boolean allowed(String name) {
        return name != null && ALLOWED.matcher(name).matches();
    }

    /** @throws IllegalArgumentException naming the rule when {@code queue} is not allowed */
    public static void check(String queue) {
        if (!allowed(queue)) {
            throw new IllegalArgumentException("queue name '" + queue + "' is not allowed: use 1 to 200 letters, digits, '_', '-', '.' or ':'");
        }
    }
}
