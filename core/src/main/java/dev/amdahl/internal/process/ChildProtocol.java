package dev.amdahl.internal.process;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.amdahl.Progress;
import dev.amdahl.internal.json.Json;
import dev.amdahl.internal.task.Outcome;
import dev.amdahl.spi.TaskError;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;

/**
 * The frames a process-pool parent and its child exchange over the child's stdin (parent to child)
 * and stdout (child to parent).
 *
 * <pre>
 * frame   = magic:int32  headerLength:int32  header:JSON  payloadLength:int32  payload:bytes
 *
 * child  → parent  {"op":"ready","pid":…}                         (once, after the catalogs loaded)
 * parent → child   {"op":"run","delivery":n,"seq":s}  + the task message, exactly as {@code MessageCodec} encodes it
 * child  → parent  {"op":"started"}                                (flushed before the task's code runs)
 * child  → parent  {"op":"progress","fraction":f,"message":m}      (any number, between started and outcome)
 * parent → child   {"op":"interrupt","seq":s}                      (soft time limit of run s; at any time)
 * child  → parent  {"op":"outcome","kind":"SUCCESS"|"FAILURE"|"RETRY","error":{…},"startedAt":…,"finishedAt":…,
 *                  "runtimeNanos":…,"retryDelayNanos":…}  + the result JSON (SUCCESS) or nothing
 * </pre>
 *
 * <p>Why a binary envelope around JSON: the header is JSON (Jackson, never Java serialization) so the
 * protocol reads like the rest of the wire, while the bodies that are JSON already (the task message,
 * the result) travel as opaque bytes: no second escaping that would inflate a 16 MiB result, and no
 * re-parse that could change a number's spelling. The magic number makes a stray write to the
 * protocol stream (task code printing through {@code FileDescriptor.out}, a native library) fail fast
 * with what was written, instead of being read as a length and waiting forever.
 *
 * <p>Why {@code started}: a child that dies after the parent sent a task but before it started it
 * (it was dying while idle) did not run the task, so the parent hands the task to a fresh child
 * instead of charging it a crash.
 *
 * <p>Why {@code seq}: the parent numbers the runs it sends a child, and an {@code interrupt} names the
 * run it is meant for. The watchdog decides to interrupt on its own thread, so its frame can reach the
 * child after that run ended and the next one started (a retry of the same task even has the same id);
 * the child ignores an interrupt whose run is not the one it is running. The child reads its stdin on
 * a thread of its own for this, while the task runs on another.
 *
 * <p>Why {@code progress} frames only between {@code started} and {@code outcome}: the parent reads a
 * child's frames one run at a time, so a report from a thread the task left behind, arriving after the
 * outcome, would be read as the next run's answer. The child drops such reports.
 */
public final class ChildProtocol {

    static final int MAGIC = 0xADA4_1F01;
    static final int MAX_HEADER_BYTES = 4 * 1024 * 1024;

    static final String READY = "ready";
    static final String RUN = "run";
    static final String STARTED = "started";
    static final String OUTCOME = "outcome";
    static final String PROGRESS = "progress";
    static final String INTERRUPT = "interrupt";

    private ChildProtocol() {
    }

    /** One decoded frame. */
    record Frame(ObjectNode header, byte[] payload) {
        String op() {
            return header.path("op").asText("");
        }
    }

    /** The stream does not follow the protocol: somebody else wrote to it, or the peer is broken. */
    static final class ProtocolException extends IOException {
        ProtocolException(String message) {
            super(message);
        }
    }

    static ObjectNode header(String op) {
        return Json.mapper().createObjectNode().put("op", op);
    }

    /** Writes one frame and flushes it. Callers serialize writes to one stream. */
    static void write(DataOutputStream out, ObjectNode header, byte[] payload) throws IOException {
        byte[] h = Json.mapper().writeValueAsBytes(header);
        out.writeInt(MAGIC);
        out.writeInt(h.length);
        out.write(h);
        out.writeInt(payload.length);
        out.write(payload);
        out.flush();
    }

    /**
     * Reads one frame.
     *
     * @return the frame, or {@code null} when the stream ended cleanly between frames
     * @throws ProtocolException when the bytes are not a frame or a length is over its limit
     * @throws EOFException      when the stream ended inside a frame
     */
    static Frame read(DataInputStream in, int maxPayloadBytes) throws IOException {
        byte[] magic = new byte[4];
        int n = in.readNBytes(magic, 0, 4);
        if (n == 0) {
            return null;
        }
        if (n < 4 || ((magic[0] & 0xff) << 24 | (magic[1] & 0xff) << 16 | (magic[2] & 0xff) << 8 | (magic[3] & 0xff)) != MAGIC) {
            byte[] more = in.readNBytes(Math.max(0, Math.min(in.available(), 76)));
            throw new ProtocolException("expected a frame, read '" + printable(magic, n, more) + "'");
        }
        int headerLength = length(in, "header");
        if (headerLength < 0 || headerLength > MAX_HEADER_BYTES) {
            throw new ProtocolException("frame header of " + headerLength + " bytes (at most " + MAX_HEADER_BYTES + ")");
        }
        byte[] headerBytes = in.readNBytes(headerLength);
        if (headerBytes.length < headerLength) {
            throw new EOFException("the stream ended inside a frame header");
        }
        JsonNode header;
        try {
            header = Json.mapper().readTree(headerBytes);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new ProtocolException("a frame header is not JSON (" + e.getOriginalMessage() + ")");
        }
        if (!(header instanceof ObjectNode o)) {
            throw new ProtocolException("a frame header is not a JSON object");
        }
        if (!o.path("op").isTextual()) {
            throw new ProtocolException("a frame header has no \"op\" string");
        }
        int payloadLength = length(in, "payload");
        if (payloadLength < 0 || payloadLength > maxPayloadBytes) {
            throw new ProtocolException("frame payload of " + payloadLength + " bytes (at most " + maxPayloadBytes + ")");
        }
        byte[] payload = in.readNBytes(payloadLength);
        if (payload.length < payloadLength) {
            throw new EOFException("the stream ended inside a frame payload");
        }
        return new Frame(o, payload);
    }

    /** A frame's length field; a stream that ends inside one says so (DataInputStream's EOFException says nothing). */
    private static int length(DataInputStream in, String of) throws IOException {
        try {
            return in.readInt();
        } catch (EOFException e) {
            throw new EOFException("the stream ended inside a frame's " + of + " length");
        }
    }

    /** A progress frame's header, as the child writes it. */
    static ObjectNode progressHeader(Progress p) {
        return header(PROGRESS).put("fraction", p.fraction()).put("message", p.message());
    }

    /** The report a progress frame carries, as the parent reads it. */
    static Progress progressOf(Frame f) throws ProtocolException {
        JsonNode fraction = f.header().get("fraction");
        JsonNode message = f.header().get("message");
        if (fraction == null || !fraction.isNumber() || message != null && !message.isNull() && !message.isTextual()) {
            throw new ProtocolException("malformed progress frame: it needs a numeric \"fraction\" and a string or null \"message\"");
        }
        try {
            return new Progress(fraction.asDouble(), message == null || message.isNull() ? null : message.asText());
        } catch (IllegalArgumentException e) {
            throw new ProtocolException("malformed progress frame: " + e.getMessage());
        }
    }

    /** The outcome frame's header and payload, as the child writes them. */
    static Frame outcomeFrame(Outcome outcome) {
        ObjectNode h = header(OUTCOME).put("kind", outcome.kind().name()).put("runtimeNanos", outcome.runtimeNanos());
        if (outcome.startedAt() != null) {
            h.put("startedAt", outcome.startedAt().toString());
        }
        if (outcome.finishedAt() != null) {
            h.put("finishedAt", outcome.finishedAt().toString());
        }
        if (outcome.error() != null) {
            h.set("error", Json.mapper().valueToTree(outcome.error()));
        }
        if (outcome.retryDelay() != null) {
            h.put("retryDelayNanos", outcome.retryDelay().toNanos());
        }
        byte[] payload = outcome.resultJson() == null ? new byte[0] : outcome.resultJson().getBytes(StandardCharsets.UTF_8);
        return new Frame(h, payload);
    }

    /**
     * The outcome an outcome frame carries, as the parent reads it. Strict as the message decoder is: the child runs
     * the task's code, which can break it, so each field must have its type ({@code "5"} is no number of nanoseconds).
     */
    static Outcome outcomeOf(Frame f) throws ProtocolException {
        ObjectNode h = f.header();
        JsonNode kindNode = h.get("kind");
        if (kindNode == null || !kindNode.isTextual()) {
            throw malformedOutcome("\"kind\" must be a string");
        }
        Outcome.Kind kind;
        try {
            kind = Outcome.Kind.valueOf(kindNode.textValue());
        } catch (IllegalArgumentException e) {
            throw malformedOutcome("\"kind\" " + brief(kindNode) + " is not an outcome");
        }
        Instant startedAt = instant(h, "startedAt");
        Instant finishedAt = instant(h, "finishedAt");
        long runtime = nanos(h, "runtimeNanos");
        try {
            return switch (kind) {
                case SUCCESS -> Outcome.success(new String(f.payload(), StandardCharsets.UTF_8), startedAt, finishedAt, runtime);
                case FAILURE -> Outcome.failure(error(h), startedAt, finishedAt, runtime);
                // the child decides a retry, where the exception object exists (see TaskInvoker)
                case RETRY -> Outcome.retry(error(h), java.time.Duration.ofNanos(nanos(h, "retryDelayNanos")), startedAt,
                        finishedAt, runtime);
                default -> throw new ProtocolException("a child reported a " + kind + " outcome, which only the parent decides");
            };
        } catch (IllegalArgumentException | NullPointerException e) {
            throw malformedOutcome(e.toString());
        }
    }

    private static TaskError error(ObjectNode h) throws ProtocolException {
        JsonNode e = h.get("error");
        if (e == null || !e.isObject() || !e.path("type").isTextual()) {
            throw malformedOutcome("\"error\" must be an object with a \"type\" string");
        }
        try {
            return Json.mapper().treeToValue(e, TaskError.class);
        } catch (IOException | IllegalArgumentException x) {
            throw malformedOutcome("\"error\" does not read as an error: " + x.getMessage());
        }
    }

    private static long nanos(ObjectNode h, String field) throws ProtocolException {
        JsonNode v = h.get(field);
        if (v == null || v.isNull()) {
            return 0;
        }
        if (!v.isIntegralNumber() || !v.canConvertToLong() || v.longValue() < 0) {
            throw malformedOutcome("\"" + field + "\" must be a non-negative integer, was " + brief(v));
        }
        return v.longValue();
    }

    private static Instant instant(ObjectNode h, String field) throws ProtocolException {
        JsonNode v = h.get(field);
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.isTextual()) {
            throw malformedOutcome("\"" + field + "\" must be an ISO-8601 instant, was " + brief(v));
        }
        try {
            return Instant.parse(v.textValue());
        } catch (java.time.DateTimeException e) {
            throw malformedOutcome("\"" + field + "\" is not an ISO-8601 instant: " + brief(v));
        }
    }

    private static ProtocolException malformedOutcome(String why) {
        return new ProtocolException("malformed outcome frame: " + why);
    }

    /** A value as an error may quote it: short, whatever the child wrote. */
    private static String brief(JsonNode v) {
        String s = v.isContainerNode() ? (v.isArray() ? "an array" : "an object") : v.toString();
        return s.length() <= 60 ? s : s.substring(0, 57) + "...";
    }

    private static String printable(byte[] first, int n, byte[] more) {
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < n + more.length; i++) {
            int b = (i < n ? first[i] : more[i - n]) & 0xff;
            s.append(b >= 0x20 && b < 0x7f ? String.valueOf((char) b) : String.format("\\x%02x", b));
        }
        return s.toString();
    }
}
