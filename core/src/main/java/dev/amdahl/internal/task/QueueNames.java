package dev.amdahl.internal.task;

import java.util.regex.Pattern;

/**
 * The one rule for queue names, shared by every place that takes one, so a name that one accepts all accept. A
 * derived queue ({@link ResourceQueues}) is a base name, {@code @} and the canonical text of the resources its tasks
 * need: {@code tiles@gpu=1,mem=4g}.
 */
public final class QueueNames {

    private static final Pattern ALLOWED = Pattern.compile("[A-Za-z0-9_.:\\-]{1,200}");
    private static final Pattern DERIVED = Pattern.compile("[A-Za-z0-9_.:\\-]{1,200}@[A-Za-z0-9_.:=,\\-]{3,199}");

    private QueueNames() {
    }

    /** Whether {@code name} is an allowed queue (or periodic task) name. */
    public static boolean allowed(String name) {
        if (name == null) {
            return false;
        }
        if (ALLOWED.matcher(name).matches()) {
            return true;
        }
        return name.length() <= 200 && DERIVED.matcher(name).matches() && ResourceQueues.isCanonical(name);
    }

    /** @throws IllegalArgumentException naming the rule when {@code queue} is not allowed */
    public static void check(String queue) {
        if (!allowed(queue)) {
            throw new IllegalArgumentException("queue name '" + queue + "' is not allowed: use 1 to 200 letters, digits, '_', '-', '.' or ':'"
                    + " (a derived queue adds '@' and the canonical text of its resources: tiles@gpu=1)");
        }
    }
}
