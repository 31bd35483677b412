package dev.amdahl.celery.internal.control;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Iterator;
import java.util.Map;

/**
 * A JSON value written as Python's {@code repr} of what kombu's JSON reads it as, for the text fields of Celery's
 * events ({@code args}, {@code result}, {@code exception}), which Celery fills with {@code safe_repr}. Bounded: past
 * {@code max} characters the text ends in {@code ...}, as {@code saferepr} shortens long values.
 */
final class PythonRepr {

    private PythonRepr() {
    }

    static String of(JsonNode value, int max) {
        StringBuilder out = new StringBuilder();
        write(value, out, max);
        return out.length() > max ? out.substring(0, max) + "..." : out.toString();
    }

    /** {@code args} as a tuple: {@code (2, 3)}, {@code (5,)}, {@code ()}. */
    static String tuple(JsonNode array, int max) {
        StringBuilder out = new StringBuilder("(");
        int n = 0;
        for (JsonNode e : array) {
            if (n++ > 0) {
                out.append(", ");
            }
            write(e, out, max);
        }
        out.append(n == 1 ? ",)" : ")");
        return out.length() > max ? out.substring(0, max) + "..." : out.toString();
    }

    private static void write(JsonNode v, StringBuilder out, int max) {
        if (out.length() > max) {
            return;
        }
        if (v == null || v.isNull() || v.isMissingNode()) {
            out.append("None");
        } else if (v.isBoolean()) {
            out.append(v.booleanValue() ? "True" : "False");
        } else if (v.isNumber()) {
            out.append(v.numberValue().toString());
        } else if (v.isTextual()) {
            string(v.textValue(), out);
        } else if (v.isArray()) {
            out.append('[');
            int n = 0;
            for (JsonNode e : v) {
                if (n++ > 0) {
                    out.append(", ");
                }
                write(e, out, max);
            }
            out.append(']');
        } else if (v.isObject()) {
            out.append('{');
            int n = 0;
            for (Iterator<Map.Entry<String, JsonNode>> it = v.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                if (n++ > 0) {
                    out.append(", ");
                }
                string(e.getKey(), out);
                out.append(": ");
                write(e.getValue(), out, max);
            }
            out.append('}');
        } else {
            string(v.asText(), out);
        }
    }

    /** Python's quoting: single quotes unless the text holds one and no double quote. */
    static void string(String s, StringBuilder out) {
        char quote = s.indexOf('\'') >= 0 && s.indexOf('"') < 0 ? '"' : '\'';
        out.append(quote);
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == quote || c == '\\') {
                out.append('\\').append(c);
            } else if (c == '\n') {
                out.append("\\n");
            } else if (c == '\r') {
                out.append("\\r");
            } else if (c == '\t') {
                out.append("\\t");
            } else if (c < 0x20 || c == 0x7f) {
                out.append(String.format("\\x%02x", (int) c));
            } else {
                out.append(c);
            }
        }
        out.append(quote);
    }
}
