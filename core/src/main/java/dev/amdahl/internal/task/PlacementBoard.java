package dev.amdahl.internal.task;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.amdahl.TaskState;
import dev.amdahl.internal.json.Json;
import dev.amdahl.spi.ResultBackend;
import dev.amdahl.spi.TaskRecord;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The derived queues in use, per base queue, kept in the result backend where workers read them: a worker knows the
 * needs of the tasks it registered, but a submission may declare others ({@code SubmitOptions.resources}), and a
 * worker can consume, or fail as unplaceable, only a queue it knows of. Kept as one record per base queue
 * ({@code amdahl.placement.<base>}), a JSON object of derived queue to when it was last announced, so it works on every
 * backend with nothing but {@code get} and {@code store}, and expires with the backend's results.
 *
 * <p>Read-modify-write is not atomic: two clients announcing at once may lose one queue. Each client announces each
 * queue again every {@link #REANNOUNCE} while it submits to it, and workers remember what they saw, so a lost entry is
 * back within that time; entries not announced for {@link #FORGET_AFTER} are dropped.
 */
public final class PlacementBoard {

    private static final Logger log = LoggerFactory.getLogger(PlacementBoard.class);
    /** How often a client announces a derived queue it keeps submitting to. */
    static final Duration REANNOUNCE = Duration.ofSeconds(30);
    /** When an entry nobody announced again is dropped. */
    static final Duration FORGET_AFTER = Duration.ofDays(1);
    /** The task name of the board's records, so operators can tell them from tasks. */
    public static final String RECORD_NAME = "amdahl.placement";

    private final ResultBackend backend;
    private final Clock clock;
    /** When this process last announced each derived queue. */
    private final Map<String, Instant> announced = new ConcurrentHashMap<>();

    public PlacementBoard(ResultBackend backend, Clock clock) {
        this.backend = backend;
        this.clock = clock;
    }

    static String recordId(String base) {
        return RECORD_NAME + "." + base;
    }

    /**
     * Records that tasks go to {@code queue}, when it is derived and this process has not said so lately. A failure is
     * logged, not thrown: the submission goes on, and workers that registered the task's needs consume it anyway.
     */
    public void announce(String queue) {
        if (queue.indexOf('@') < 0) {
            return;
        }
        Instant now = clock.instant();
        Instant last = announced.get(queue);
        if (last != null && Duration.between(last, now).compareTo(REANNOUNCE) < 0) {
            return;
        }
        announced.put(queue, now);
        String base = ResourceQueues.baseOf(queue);
        try {
            ObjectNode entries = entries(backend.get(recordId(base)).orElse(null), now);
            entries.put(queue, now.toString());
            backend.store(new TaskRecord(recordId(base), RECORD_NAME, TaskState.SUCCESS, entries.toString(), null, 0, null, null,
                    now, 0));
        } catch (RuntimeException e) {
            announced.remove(queue);
            log.warn("could not record derived queue {} in the result backend ({}); workers that did not register its"
                    + " needs will not consume it until it is recorded", queue, e.toString());
        }
    }

    /** The derived queues announced for {@code bases}, in one read. */
    public Set<String> read(Collection<String> bases) {
        List<String> ids = new ArrayList<>();
        for (String b : bases) {
            ids.add(recordId(b));
        }
        Set<String> queues = new LinkedHashSet<>();
        Instant now = clock.instant();
        for (TaskRecord r : backend.getAll(ids).values()) {
            Iterator<String> names = entries(r, now).fieldNames();
            while (names.hasNext()) {
                String q = names.next();
                if (QueueNames.allowed(q) && bases.contains(ResourceQueues.baseOf(q))) {
                    queues.add(q);
                }
            }
        }
        return queues;
    }

    /** The board's entries still fresh at {@code now}; an unreadable record counts as empty (it is rewritten whole). */
    private static ObjectNode entries(TaskRecord r, Instant now) {
        ObjectNode fresh = Json.mapper().createObjectNode();
        if (r == null || r.result() == null || !RECORD_NAME.equals(r.taskName())) {
            return fresh;
        }
        try {
            JsonNode stored = Json.mapper().readTree(r.result());
            if (stored == null || !stored.isObject()) {
                return fresh;
            }
            stored.fields().forEachRemaining(e -> {
                try {
                    if (Duration.between(Instant.parse(e.getValue().asText()), now).compareTo(FORGET_AFTER) < 0) {
                        fresh.put(e.getKey(), e.getValue().asText());
                    }
                } catch (RuntimeException unreadable) {
                    // an entry that is not ours is dropped when the record is next written
                }
            });
        } catch (Exception e) {
            log.debug("the placement record {} is not readable ({}); it is rewritten", r.taskId(), e.toString());
        }
        return fresh;
    }
}
