package dev.amdahl.internal.wire;

import com.fasterxml.jackson.databind.JsonNode;
import dev.amdahl.internal.json.Instants;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;
import java.util.Iterator;
import java.util.Map;

/**
 * Writes a plain task message's JSON without a generator: the bytes Jackson's generator writes for it under the wire's
 * mapper, byte for byte, for a message whose every string and field name is printable ASCII needing no escape, whose
 * trees hold only objects, arrays, strings, ints, longs, booleans and nulls, and which sets no time limit (written as
 * decimals). Anything else gets {@code null}, and {@link MessageCodec} leaves the whole message to the generator.
 *
 * <p>Why: a generator per message costs its context, its buffers and a copy of what it wrote, more than writing the few
 * fields of a plain message does; and bytes written here are ASCII without a backslash, which the check of every
 * submission then knows without looking at them.
 *
 * <p>Each thread writes into a buffer of its own, kept while it stays small, so a message costs one array: its body.
 */
final class PlainMessageWriter {

    /** The buffer a thread keeps between messages, at most; a larger message's buffer is let go after it. */
    private static final int KEPT_BUFFER = 16 * 1024;
    private static final ThreadLocal<PlainMessageWriter> WRITERS = ThreadLocal.withInitial(PlainMessageWriter::new);
    private static final byte[] TRUE = "true".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] FALSE = "false".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] NULL = "null".getBytes(StandardCharsets.US_ASCII);

    private byte[] buf = new byte[512];
    private int at;

    private PlainMessageWriter() {
    }

    /**
     * The bytes of {@code m}, with the depth its trees reach and whether a long of them holds an int in {@code shape}, or
     * {@code null} when it is not plain (then {@code shape} holds what was written before the writer gave up).
     */
    static byte[] write(TaskMessage m, MessageCodec.Shape shape) {
        PlainMessageWriter w = WRITERS.get();
        w.at = 0;
        try {
            return w.message(m, shape) ? Arrays.copyOf(w.buf, w.at) : null;
        } finally {
            if (w.buf.length > KEPT_BUFFER) {
                w.buf = new byte[512];
            }
        }
    }

    private boolean message(TaskMessage m, MessageCodec.Shape shape) {
        if (m.hardTimeLimit() != null || m.softTimeLimit() != null) {
            return false;
        }
        raw("{\"amdahl\":");
        number(MessageCodec.VERSION);
        if (!field(",\"id\":", m.id()) || !field(",\"task\":", m.task())) {
            return false;
        }
        raw(",\"args\":");
        if (!tree(m.args(), 1, shape)) {
            return false;
        }
        if (m.chunk()) {
            raw(",\"chunk\":true");
        }
        if (m.retries() != 0) {
            raw(",\"retries\":");
            number(m.retries());
        }
        if (m.eta() != null && !instant(",\"eta\":", m.eta())
                || m.expires() != null && !instant(",\"expires\":", m.expires())
                || m.groupId() != null && !field(",\"group\":", m.groupId())) {
            return false;
        }
        if (m.workflow() != null) {
            raw(",\"workflow\":");
            if (!tree(m.workflow(), 1, shape)) {
                return false;
            }
        }
        if (m.maxRetries() != null) {
            raw(",\"max_retries\":");
            number(m.maxRetries());
        }
        if (m.sentAt() != null && !instant(",\"sent\":", m.sentAt())) {
            return false;
        }
        if (m.trace() != null) {
            if (!field(",\"traceparent\":", m.trace().traceparent())
                    || m.trace().tracestate() != null && !field(",\"tracestate\":", m.trace().tracestate())) {
                return false;
            }
        }
        raw("}");
        return true;
    }

    /** As MessageCodec's writeTree writes {@code node}; false where it would leave a node to the generator. */
    private boolean tree(JsonNode node, int depth, MessageCodec.Shape shape) {
        switch (node.getNodeType()) {
            case OBJECT -> {
                shape.depth = Math.max(shape.depth, depth + 1);
                put((byte) '{');
                boolean first = true;
                for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
                    Map.Entry<String, JsonNode> field = it.next();
                    if (!first) {
                        put((byte) ',');
                    }
                    first = false;
                    if (!string(field.getKey())) {
                        return false;
                    }
                    put((byte) ':');
                    if (!tree(field.getValue(), depth + 1, shape)) {
                        return false;
                    }
                }
                put((byte) '}');
                return true;
            }
            case ARRAY -> {
                shape.depth = Math.max(shape.depth, depth + 1);
                put((byte) '[');
                for (int i = 0; i < node.size(); i++) {
                    if (i > 0) {
                        put((byte) ',');
                    }
                    if (!tree(node.get(i), depth + 1, shape)) {
                        return false;
                    }
                }
                put((byte) ']');
                return true;
            }
            case STRING -> {
                return string(node.textValue());
            }
            case BOOLEAN -> {
                bytes(node.booleanValue() ? TRUE : FALSE);
                return true;
            }
            case NULL -> {
                bytes(NULL);
                return true;
            }
            case NUMBER -> {
                if (node.isInt()) {
                    number(node.intValue());
                    return true;
                }
                if (node.isLong()) {
                    long value = node.longValue();
                    if (value == (int) value) {
                        shape.lossy = true;
                    }
                    number(value);
                    return true;
                }
                return false;
            }
            default -> {
                return false;
            }
        }
    }

    /** As {@link Instants#format} writes it, as a string. */
    private boolean instant(String prefix, Instant value) {
        raw(prefix);
        room(Instants.MAX_ASCII_LENGTH + 2);
        buf[at] = '"';
        int end = Instants.formatAscii(value, buf, at + 1);
        if (end < 0) {
            return string(Instants.format(value));
        }
        buf[end] = '"';
        at = end + 1;
        return true;
    }

    private boolean field(String prefix, String value) {
        raw(prefix);
        return string(value);
    }

    /** {@code "s"}, when every char of {@code s} is printable ASCII that JSON does not escape. */
    private boolean string(String s) {
        int n = s.length();
        room(n + 2);
        byte[] b = buf;
        int i = at;
        b[i++] = '"';
        for (int k = 0; k < n; k++) {
            char c = s.charAt(k);
            if (c < 0x20 || c > 0x7E || c == '"' || c == '\\') {
                return false;
            }
            b[i++] = (byte) c;
        }
        b[i++] = '"';
        at = i;
        return true;
    }

    /** ASCII text that needs no escape, as it is. */
    private void raw(String s) {
        int n = s.length();
        room(n);
        for (int k = 0; k < n; k++) {
            buf[at++] = (byte) s.charAt(k);
        }
    }

    private void number(long value) {
        if (value == Long.MIN_VALUE) {
            raw(Long.toString(value));
            return;
        }
        room(20);
        if (value < 0) {
            buf[at++] = '-';
            value = -value;
        }
        int digits = 1;
        for (long v = value; v >= 10; v /= 10) {
            digits++;
        }
        for (int i = at + digits - 1; i >= at; i--) {
            buf[i] = (byte) ('0' + value % 10);
            value /= 10;
        }
        at += digits;
    }

    private void put(byte b) {
        room(1);
        buf[at++] = b;
    }

    private void bytes(byte[] b) {
        room(b.length);
        System.arraycopy(b, 0, buf, at, b.length);
        at += b.length;
    }

    private void room(int more) {
        if (at + more > buf.length) {
            buf = Arrays.copyOf(buf, Math.max(buf.length * 2, at + more));
        }
    }
}
