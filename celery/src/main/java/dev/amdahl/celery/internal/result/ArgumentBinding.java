package dev.amdahl.celery.internal.result;

import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.amdahl.celery.CeleryArguments;
import dev.amdahl.celery.internal.protocol.KombuJson;
import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.RecordComponent;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Binds Celery's {@code args} and {@code kwargs} onto a Java task's argument type, the way Python binds a call
 * onto a function's parameters:
 * <ul>
 *   <li>a record: positional arguments fill its components in order, keyword arguments by component name; a
 *       component neither fills is missing (unless it is an {@code Optional}, which is then empty), a keyword no
 *       component has is unknown, a component filled both ways is given twice, more positional arguments than
 *       components are too many;</li>
 *   <li>{@link CeleryArguments}: both, whole;</li>
 *   <li>any other type: exactly one positional argument and no keyword ones.</li>
 * </ul>
 * kombu's typed values are unwrapped first, so each value binds through its plain form (see {@link KombuJson}).
 *
 * @param <A> the task's argument type
 */
public final class ArgumentBinding<A> {

    private final Class<A> type;
    private final RecordComponent[] components;
    private final JavaType[] componentTypes;
    private final Constructor<A> constructor;

    private ArgumentBinding(Class<A> type) {
        this.type = type;
        if (type.isRecord()) {
            components = type.getRecordComponents();
            componentTypes = new JavaType[components.length];
            Class<?>[] raw = new Class<?>[components.length];
            for (int i = 0; i < components.length; i++) {
                componentTypes[i] = KombuJson.binder().getTypeFactory().constructType(components[i].getGenericType());
                raw[i] = components[i].getType();
            }
            try {
                constructor = type.getDeclaredConstructor(raw);
                constructor.setAccessible(true);
            } catch (NoSuchMethodException | RuntimeException e) {
                throw new IllegalArgumentException("record " + type.getName() + " has no canonical constructor to bind"
                        + " Celery arguments with: " + e, e);
            }
        } else {
            components = null;
            componentTypes = null;
            constructor = null;
        }
    }

    public static <A> ArgumentBinding<A> of(Class<A> type) {
        return new ArgumentBinding<>(Objects.requireNonNull(type, "type"));
    }

    /**
     * The task's argument.
     *
     * @throws ArgumentMismatchException naming the missing, unknown or repeated parameter, or the one that does not
     *                                   bind to its type
     */
    public A bind(String task, ArrayNode args, ObjectNode kwargs) {
        ArrayNode plainArgs = (ArrayNode) KombuJson.plain(args, "args", null);
        ObjectNode plainKwargs = (ObjectNode) KombuJson.plain(kwargs, "kwargs", null);
        if (type == CeleryArguments.class) {
            return type.cast(new CeleryArguments(plainArgs, plainKwargs));
        }
        if (components == null) {
            if (plainArgs.size() != 1 || !plainKwargs.isEmpty()) {
                throw new ArgumentMismatchException(task + "() takes exactly 1 positional argument (a " + type.getSimpleName()
                        + ") but was given " + plainArgs.size() + " positional and " + plainKwargs.size() + " keyword arguments"
                        + (plainKwargs.isEmpty() ? "" : " " + plainKwargs.properties().stream().map(Map.Entry::getKey).toList())
                        + "; declare a record argument type to take several");
            }
            return convert(task, plainArgs.get(0), KombuJson.binder().constructType(type), "args[0]");
        }
        if (plainArgs.size() > components.length) {
            throw new ArgumentMismatchException(task + "() takes " + components.length + " positional arguments but "
                    + plainArgs.size() + " were given");
        }
        Object[] values = new Object[components.length];
        boolean[] filled = new boolean[components.length];
        for (int i = 0; i < plainArgs.size(); i++) {
            values[i] = convert(task, plainArgs.get(i), componentTypes[i], "'" + components[i].getName() + "' (args[" + i + "])");
            filled[i] = true;
        }
        List<String> unknown = new ArrayList<>();
        for (Map.Entry<String, JsonNode> e : plainKwargs.properties()) {
            int i = indexOf(e.getKey());
            if (i < 0) {
                unknown.add(e.getKey());
                continue;
            }
            if (filled[i]) {
                throw new ArgumentMismatchException(task + "() got multiple values for argument '" + e.getKey() + "'");
            }
            values[i] = convert(task, e.getValue(), componentTypes[i], "'" + e.getKey() + "'");
            filled[i] = true;
        }
        if (!unknown.isEmpty()) {
            throw new ArgumentMismatchException(task + "() got an unexpected keyword argument '" + String.join("', '", unknown)
                    + "' (its parameters are " + names() + ")");
        }
        List<String> missing = new ArrayList<>();
        for (int i = 0; i < components.length; i++) {
            if (!filled[i]) {
                if (components[i].getType() == Optional.class) {
                    values[i] = Optional.empty();
                } else {
                    missing.add(components[i].getName());
                }
            }
        }
        if (!missing.isEmpty()) {
            throw new ArgumentMismatchException(task + "() missing " + missing.size() + " required argument"
                    + (missing.size() == 1 ? "" : "s") + ": '" + String.join("', '", missing) + "'");
        }
        try {
            return constructor.newInstance(values);
        } catch (InvocationTargetException e) {
            throw new ArgumentMismatchException(task + "() arguments are refused by " + type.getSimpleName() + ": "
                    + e.getCause().getMessage(), e.getCause());
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("cannot make a " + type.getName() + ": " + e, e);
        }
    }

    private int indexOf(String name) {
        for (int i = 0; i < components.length; i++) {
            if (components[i].getName().equals(name)) {
                return i;
            }
        }
        return -1;
    }

    private List<String> names() {
        List<String> out = new ArrayList<>(components.length);
        for (RecordComponent c : components) {
            out.add(c.getName());
        }
        return out;
    }

    private static <T> T convert(String task, JsonNode value, JavaType to, String what) {
        try {
            if (value.isNull() && to.isPrimitive()) {
                throw new IllegalArgumentException("None is no " + to.getRawClass().getSimpleName());
            }
            return KombuJson.binder().convertValue(value, to);
        } catch (IllegalArgumentException e) {
            String reason = e.getCause() instanceof com.fasterxml.jackson.core.JsonProcessingException j ? j.getOriginalMessage()
                    : e.getMessage();
            throw new ArgumentMismatchException(task + "() argument " + what + " does not bind to "
                    + to.getRawClass().getSimpleName() + ": " + firstLine(reason), e);
        }
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "";
        }
        int nl = s.indexOf('\n');
        String line = nl < 0 ? s : s.substring(0, nl);
        return line.length() <= 200 ? line : line.substring(0, 197) + "...";
    }
}
