package dev.amdahl.celery;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Objects;

/**
 * Celery's positional and keyword arguments as a Python caller sent them, for a task that takes them whole
 * instead of bound onto a record: declare the task's argument type as {@code CeleryArguments}.
 *
 * <pre>{@code
 * app.task("proj.add", CeleryArguments.class, a -> a.arg(0).asInt() + a.kwarg("y").asInt());
 * }</pre>
 *
 * Values are JSON in the form kombu 5.2 writes: a Python {@code datetime}, {@code date}, {@code Decimal} or
 * {@code UUID} is its ISO-8601 or decimal text, whichever kombu sent it (5.3 and later wrap them in typed objects,
 * which arrive unwrapped here); bytes are base64 text.
 *
 * @param args   the positional arguments
 * @param kwargs the keyword arguments
 */
public record CeleryArguments(ArrayNode args, ObjectNode kwargs) {

    public CeleryArguments {
        Objects.requireNonNull(args, "args");
        Objects.requireNonNull(kwargs, "kwargs");
    }

    /** The positional argument at {@code index}; a missing one is an {@link IllegalArgumentException} saying how many came. */
    public JsonNode arg(int index) {
        if (index < 0 || index >= args.size()) {
            throw new IllegalArgumentException("the task has " + args.size() + " positional arguments; there is no argument "
                    + index);
        }
        return args.get(index);
    }

    /** The keyword argument {@code name}; a missing one is an {@link IllegalArgumentException} naming the ones that came. */
    public JsonNode kwarg(String name) {
        JsonNode v = kwargs.get(name);
        if (v == null) {
            throw new IllegalArgumentException("the task has no keyword argument '" + name + "' (it has "
                    + kwargs.properties().stream().map(java.util.Map.Entry::getKey).toList() + ")");
        }
        return v;
    }
}
