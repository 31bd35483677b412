package dev.amdahl.internal.wire;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.amdahl.MessageLimits;
import dev.amdahl.TaskState;
import dev.amdahl.internal.json.Json;
import dev.amdahl.spi.ResultBackend;
import dev.amdahl.spi.TaskRecord;
import java.io.IOException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * Arguments that travel by reference: a message whose encoding is over the threshold has its arguments stored once in
 * the result backend, as the record of a reference id, and carries a handle ({@code {"$amdahl.ref": id, "bytes": n}})
 * instead. The handle is the message's arguments from then on, so a retry republishes the handle, not the data, and so
 * does a workflow step after it; the worker swaps the data in only for the run ({@link #resolve}).
 *
 * <p>A message goes by reference only once it passed the {@link MessageLimits} by value, and the worker reads the
 * arguments back within the same limits: by reference moves data differently, it does not let more in.
 *
 * <p>A reference lives as long as the backend keeps results (its result TTL: a day by default), so every key it
 * writes expires. A task reaching a worker after its reference expired fails, saying so: it cannot run without its
 * argument, and no retry brings it back.
 */
public final class ByReference {

    /** The field that marks a handle; a name no Jackson-encoded Java argument has. */
    public static final String HANDLE = "$amdahl.ref";
    /** The task name of the records that hold references, so operators can tell them from tasks. */
    public static final String RECORD_NAME = "amdahl.reference";
    private static final Pattern ID = Pattern.compile("amdahl\\.ref\\.[0-9a-f\\-]{36}");

    private final ResultBackend backend;
    private final Clock clock;
    private final long threshold;
    /** Reads what a reference holds within the message limits: it is a message's arguments, bounded as they are. */
    private final ObjectMapper reader;

    /**
     * @param threshold messages encoded to more bytes than this travel by reference; {@link Long#MAX_VALUE} for never
     * @param limits    what the arguments read back may hold, as a message may
     */
    public ByReference(ResultBackend backend, Clock clock, long threshold, MessageLimits limits) {
        if (threshold < 0) {
            throw new IllegalArgumentException("the by-reference threshold must not be negative, was " + threshold);
        }
        this.backend = backend;
        this.clock = clock;
        this.threshold = threshold;
        this.reader = MessageCodec.mapperWithin(limits);
    }

    /** Whether a message encoded to {@code bytes} travels by reference. */
    public boolean over(long bytes) {
        return bytes > threshold;
    }

    /**
     * {@code m} with its arguments stored in the backend and replaced by a handle; {@code m} itself when they are a
     * handle already (a retry of a message that travels by reference stores nothing again).
     *
     * @return the message to publish and how many bytes were stored
     */
    public Offloaded offload(TaskMessage m) {
        if (handleOf(m.args()) != null) {
            return new Offloaded(m, 0);
        }
        String text = m.args().toString();
        String id = "amdahl.ref." + UUID.randomUUID();
        backend.store(new TaskRecord(id, RECORD_NAME, TaskState.SUCCESS, text, null, 0, null, null, clock.instant(), 0));
        ObjectNode handle = Json.mapper().createObjectNode();
        handle.put(HANDLE, id);
        long bytes = text.length();
        handle.put("bytes", bytes);
        return new Offloaded(new TaskMessage(m.id(), m.task(), handle, m.chunk(), m.retries(), m.eta(), m.expires(),
                m.groupId(), m.workflow(), m.maxRetries(), m.softTimeLimit(), m.hardTimeLimit(), m.sentAt(), m.trace()), bytes);
    }

    /**
     * A message made to travel by reference, and the bytes of arguments stored for it.
     *
     * @param message what is published
     * @param stored  the bytes stored in the backend (0 when its arguments were a handle already)
     */
    public record Offloaded(TaskMessage message, long stored) {
    }

    /** The reference id a handle names, or {@code null} when {@code args} is not a well-formed handle. */
    public static String handleOf(JsonNode args) {
        if (args == null || !args.isObject() || args.size() != 2 || !args.path(HANDLE).isTextual()
                || !args.path("bytes").canConvertToLong()) {
            return null;
        }
        String id = args.get(HANDLE).asText();
        return ID.matcher(id).matches() ? id : null;
    }

    /**
     * The messages among {@code messages} that carry a handle, by task id, with their arguments read back from the
     * backend (one read for all); a message whose reference is gone or unreadable maps to why.
     */
    public Map<String, Resolution> resolve(Collection<TaskMessage> messages) {
        Map<String, TaskMessage> byRef = new HashMap<>();
        for (TaskMessage m : messages) {
            String ref = handleOf(m.args());
            if (ref != null) {
                byRef.put(ref, m);
            }
        }
        if (byRef.isEmpty()) {
            return Map.of();
        }
        Map<String, TaskRecord> found = backend.getAll(new ArrayList<>(byRef.keySet()));
        Map<String, Resolution> resolved = new HashMap<>();
        byRef.forEach((ref, m) -> {
            TaskRecord r = found.get(ref);
            if (r == null || r.result() == null || !RECORD_NAME.equals(r.taskName())) {
                resolved.put(m.id(), Resolution.missing("the argument of task '" + m.task() + "' (id " + m.id() + ") travelled by"
                        + " reference as " + ref + ", and the result backend no longer has it: it expired with the backend's"
                        + " result TTL before a worker ran the task, or was forgotten. Submit the task again, or keep results"
                        + " longer than tasks wait"));
                return;
            }
            try {
                JsonNode args = reader.readTree(r.result());
                resolved.put(m.id(), new Resolution(new TaskMessage(m.id(), m.task(), args, m.chunk(), m.retries(), m.eta(),
                        m.expires(), m.groupId(), m.workflow(), m.maxRetries(), m.softTimeLimit(), m.hardTimeLimit(), m.sentAt(),
                        m.trace()), null));
            } catch (IOException | RuntimeException e) {
                resolved.put(m.id(), Resolution.missing("the argument of task '" + m.task() + "' (id " + m.id() + ") travelled by"
                        + " reference as " + ref + ", and what the result backend holds there is not JSON: " + e.getMessage()));
            }
        });
        return resolved;
    }

    /**
     * What a handle resolved to: the message to run, with its arguments swapped in, or why there is none.
     *
     * @param message the message to run, or {@code null} when the reference could not be read
     * @param missing why it could not be read (what a caller of {@code get()} reads), or {@code null}
     */
    public record Resolution(TaskMessage message, String missing) {
        static Resolution missing(String why) {
            return new Resolution(null, why);
        }
    }
}
