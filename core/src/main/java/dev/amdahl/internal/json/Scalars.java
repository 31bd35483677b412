package dev.amdahl.internal.json;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.BooleanNode;
import com.fasterxml.jackson.databind.node.IntNode;
import com.fasterxml.jackson.databind.node.LongNode;
import com.fasterxml.jackson.databind.node.TextNode;

/**
 * The answers {@link Json#mapper()} gives for the plainest values, without its machinery: each conversion of a task's
 * argument or result through the mapper costs a serializer or deserializer lookup and a token buffer, which for an
 * {@code Integer} is most of a short task's cost. Each method answers only where its answer is, by construction, the
 * mapper's own (an exact boxed type, a node of exactly the matching kind, a canonical literal), and {@link #NONE}
 * or {@code null} otherwise, for the caller to ask the mapper; so every error, coercion and refusal stays the mapper's.
 */
public final class Scalars {

    /** What {@link #fromTree} and {@link #fromJson} answer where they leave the value to the mapper. */
    public static final Object NONE = new Object();

    private Scalars() {
    }

    /** {@code Json.mapper().valueToTree(value)} for an Integer, Long, String or Boolean; {@code null} for anything else. */
    public static JsonNode toTree(Object value) {
        if (value == null) {
            return null;
        }
        Class<?> c = value.getClass();
        if (c == Integer.class) {
            return IntNode.valueOf((Integer) value);
        }
        if (c == Long.class) {
            return LongNode.valueOf((Long) value);
        }
        if (c == String.class) {
            return TextNode.valueOf((String) value);
        }
        if (c == Boolean.class) {
            return BooleanNode.valueOf((Boolean) value);
        }
        return null;
    }

    /** {@code Json.mapper().writeValueAsString(value)} for an Integer, Long or Boolean; {@code null} for anything else. */
    public static String toJson(Object value) {
        if (value == null) {
            return null;
        }
        Class<?> c = value.getClass();
        return c == Integer.class || c == Long.class || c == Boolean.class ? value.toString() : null;
    }

    /**
     * {@code Json.mapper().convertValue(node, type)} where {@code type} is Integer, Long, String or Boolean (boxed or
     * not) and {@code node} is exactly that kind of value (an int node for Integer, an int or long node for Long);
     * {@link #NONE} otherwise.
     */
    public static Object fromTree(JsonNode node, JavaType type) {
        Class<?> c = type.getRawClass();
        if (c == Integer.class || c == int.class) {
            return node.isInt() ? Integer.valueOf(node.intValue()) : NONE;
        }
        if (c == Long.class || c == long.class) {
            return node.isInt() || node.isLong() ? Long.valueOf(node.longValue()) : NONE;
        }
        if (c == String.class) {
            return node.isTextual() ? node.textValue() : NONE;
        }
        if (c == Boolean.class || c == boolean.class) {
            return node.isBoolean() ? Boolean.valueOf(node.booleanValue()) : NONE;
        }
        return NONE;
    }

    /**
     * {@code Json.mapper().readValue(json, type)} where {@code type} is Integer or Long (boxed or not) and {@code json}
     * is a canonical integer literal in its range ({@code -?(0|[1-9][0-9]*)}, nothing around it), or Boolean and
     * {@code json} is {@code true} or {@code false}; {@link #NONE} otherwise.
     */
    public static Object fromJson(String json, JavaType type) {
        Class<?> c = type.getRawClass();
        boolean integer = c == Integer.class || c == int.class;
        if (integer || c == Long.class || c == long.class) {
            int n = json.length();
            int start = n > 0 && json.charAt(0) == '-' ? 1 : 0;
            // at most 18 digits: no overflow of a long below, and a range check for an int
            if (n == start || n - start > 18 || (json.charAt(start) == '0' && n - start > 1)) {
                return NONE;
            }
            long value = 0;
            for (int i = start; i < n; i++) {
                char d = json.charAt(i);
                if (d < '0' || d > '9') {
                    return NONE;
                }
                value = value * 10 + (d - '0');
            }
            value = start == 1 ? -value : value;
            if (integer) {
                return value >= Integer.MIN_VALUE && value <= Integer.MAX_VALUE ? Integer.valueOf((int) value) : NONE;
            }
            return Long.valueOf(value);
        }
        if (c == Boolean.class || c == boolean.class) {
            return "true".equals(json) ? Boolean.TRUE : "false".equals(json) ? Boolean.FALSE : NONE;
        }
        return NONE;
    }

    /** {@code Json.mapper().valueToTree(value)}, through {@link #toTree} where it answers. */
    public static JsonNode valueToTree(Object value) {
        JsonNode plain = toTree(value);
        return plain != null ? plain : Json.mapper().valueToTree(value);
    }

    /** {@code Json.mapper().writeValueAsString(value)}, through {@link #toJson} where it answers. */
    public static String writeValueAsString(Object value) throws JsonProcessingException {
        String plain = toJson(value);
        return plain != null ? plain : Json.mapper().writeValueAsString(value);
    }

    /** {@code Json.mapper().convertValue(node, type)}, through {@link #fromTree} where it answers. */
    @SuppressWarnings("unchecked")
    public static <T> T convertValue(JsonNode node, JavaType type) {
        Object plain = fromTree(node, type);
        return plain != NONE ? (T) plain : Json.mapper().convertValue(node, type);
    }

    /** {@code Json.mapper().readValue(json, type)}, through {@link #fromJson} where it answers. */
    @SuppressWarnings("unchecked")
    public static <T> T readValue(String json, JavaType type) throws JsonProcessingException {
        Object plain = fromJson(json, type);
        return plain != NONE ? (T) plain : Json.mapper().readValue(json, type);
    }
}
