package dev.amdahl.internal.task;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import java.lang.reflect.RecordComponent;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Why a task's JSON argument does not bind to its Java type, in the terms of the JSON the caller wrote: the fields
 * that are unknown, the primitive ones that are missing, the field whose value has the wrong kind. Jackson's own messages
 * name its settings ("set DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES to 'false'") and its internals
 * ("although at least one Creator exists"), which a caller cannot act on; the message is for whoever wrote the JSON.
 */
final class ArgumentErrors {

    private ArgumentErrors() {
    }

    /** What is wrong with {@code args} as a {@code type}; {@code failure} is the exception Jackson threw. */
    static String describe(JsonNode args, JavaType type, Throwable failure) {
        String fields = recordFields(args, type.getRawClass());
        if (fields != null) {
            return fields;
        }
        JsonMappingException mapping = find(failure, JsonMappingException.class);
        if (mapping instanceof UnrecognizedPropertyException unknown) {
            return "unknown field '" + unknown.getPropertyName() + "'" + known(unknown.getKnownPropertyIds());
        }
        String path = mapping == null ? "" : path(mapping);
        if (mapping instanceof MismatchedInputException mismatch && mismatch.getTargetType() != null) {
            JsonNode actual = path.isEmpty() ? args : args.at("/" + path.replace('.', '/'));
            String expected = kind(mismatch.getTargetType());
            return (path.isEmpty() ? "expected " : "field '" + path + "': expected ") + expected + ", got " + describe(actual);
        }
        String message = mapping != null ? mapping.getOriginalMessage() : String.valueOf(failure.getMessage());
        return (path.isEmpty() ? "" : "field '" + path + "': ") + withoutJacksonSettings(message);
    }

    /**
     * For a record read from a JSON object, the unknown and missing fields, all of them at once (Jackson stops at the
     * first); {@code null} when the object has every field and no other, or when {@code type} is no record.
     */
    private static String recordFields(JsonNode args, Class<?> type) {
        if (!type.isRecord() || args == null || !args.isObject()) {
            return null;
        }
        Set<String> names = new LinkedHashSet<>();
        List<String> missing = new ArrayList<>();
        for (RecordComponent c : type.getRecordComponents()) {
            JsonProperty renamed = c.getAnnotation(JsonProperty.class);
            String name = renamed != null && !renamed.value().isEmpty() ? renamed.value() : c.getName();
            names.add(name);
            JsonNode value = args.get(name);
            // a missing reference is null, which the record may take; a missing primitive is refused
            if (c.getType().isPrimitive() && (value == null || value.isNull())) {
                missing.add(name);
            }
        }
        JsonIgnoreProperties ignore = type.getAnnotation(JsonIgnoreProperties.class);
        List<String> unknown = new ArrayList<>();
        for (Iterator<String> it = args.fieldNames(); it.hasNext(); ) {
            String name = it.next();
            if (!names.contains(name) && (ignore == null || !ignore.ignoreUnknown())) {
                unknown.add(name);
            }
        }
        if (unknown.isEmpty() && missing.isEmpty()) {
            return null;
        }
        List<String> parts = new ArrayList<>();
        if (!unknown.isEmpty()) {
            parts.add("unknown " + fieldList(unknown));
        }
        if (!missing.isEmpty()) {
            parts.add("missing " + fieldList(missing));
        }
        return String.join("; ", parts) + known(names);
    }

    private static String fieldList(List<String> names) {
        String quoted = names.stream().map(n -> "'" + n + "'").collect(Collectors.joining(", "));
        return (names.size() == 1 ? "field " : "fields ") + quoted;
    }

    private static String known(java.util.Collection<Object> ids) {
        return ids == null || ids.isEmpty() ? "" : " (its fields: " + ids.stream().map(String::valueOf).sorted()
                .collect(Collectors.joining(", ")) + ")";
    }

    private static String known(Set<String> names) {
        return " (its fields: " + String.join(", ", names) + ")";
    }

    private static String path(JsonMappingException e) {
        return e.getPath().stream()
                .map(r -> r.getFieldName() != null ? r.getFieldName() : r.getIndex() >= 0 ? Integer.toString(r.getIndex()) : "?")
                .collect(Collectors.joining("."));
    }

    /** The JSON a Java type is read from, as a caller would write it. */
    private static String kind(Class<?> type) {
        if (type == String.class || type == char.class || type == Character.class || type.isEnum()) {
            return "a string";
        }
        if (type == boolean.class || type == Boolean.class) {
            return "true or false";
        }
        if (type == int.class || type == long.class || type == short.class || type == byte.class || type == Integer.class
                || type == Long.class || type == Short.class || type == Byte.class || type == java.math.BigInteger.class) {
            return "a whole number";
        }
        if (type.isPrimitive() || Number.class.isAssignableFrom(type)) {
            return "a number";
        }
        if (type.isArray() || java.util.Collection.class.isAssignableFrom(type)) {
            return "an array";
        }
        if (type.isRecord()) {
            return "an object with the fields " + java.util.Arrays.stream(type.getRecordComponents()).map(RecordComponent::getName)
                    .collect(Collectors.joining(", "));
        }
        return "a JSON value for " + type.getSimpleName();
    }

    /** What a caller sent, briefly: {@code a string ("x")}, {@code null}, {@code an object}. */
    private static String describe(JsonNode node) {
        if (node == null || node.isMissingNode()) {
            return "nothing";
        }
        if (node.isNull()) {
            return "null";
        }
        String text = node.toString();
        String shown = text.length() > 40 ? text.substring(0, 37) + "..." : text;
        if (node.isTextual()) {
            return "a string (" + shown + ")";
        }
        if (node.isNumber()) {
            return (node.isIntegralNumber() ? "the whole number " : "the number ") + shown;
        }
        if (node.isBoolean()) {
            return shown;
        }
        return node.isArray() ? "an array" : "an object";
    }

    /** Jackson's advice names its own settings, which a caller cannot change: the part in parentheses goes. */
    private static String withoutJacksonSettings(String message) {
        String first = message == null ? "" : message.lines().findFirst().orElse("");
        return first.replaceAll("\\s*\\((set|enable|disable) [A-Za-z.]*Feature[^)]*\\)", "")
                .replaceAll("\\s*\\(although at least one Creator exists\\)", "")
                .replace('`', '\'');
    }

    private static <T extends Throwable> T find(Throwable t, Class<T> type) {
        for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
            if (type.isInstance(c)) {
                return type.cast(c);
            }
        }
        return null;
    }
}
