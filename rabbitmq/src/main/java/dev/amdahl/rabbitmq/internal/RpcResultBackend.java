package dev.amdahl.rabbitmq.internal;

import com.rabbitmq.client.AMQP;
import dev.amdahl.AmdahlException;
import dev.amdahl.rabbitmq.internal.ConfirmingPublisher.Outgoing;
import dev.amdahl.spi.Registration;
import dev.amdahl.spi.ResultBackend;
import dev.amdahl.TaskState;
import dev.amdahl.spi.TaskError;
import dev.amdahl.spi.TaskRecord;
import java.time.Instant;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link ResultBackend} over RabbitMQ's direct reply-to, as Celery's {@code rpc://}: a worker sends each record of a
 * task to the channel that submitted it, and the submitting process keeps what came back in memory. There is no store
 * that all processes share, so it serves callers that submit tasks and wait for them, and nothing else.
 *
 * <ul>
 *   <li>{@link #store}, {@link #storeAll}: each record goes to the address of the task's submitter, which the worker's
 *       broker read from the delivery ({@link DirectReplies}), with {@code correlation_id} = the task id; a record of a
 *       task nobody asked replies for (submitted with another backend) is dropped, logged at debug.</li>
 *   <li>{@link #get}, {@link #getAll}, {@link #whenReady}: what came back to this process, so only for tasks it
 *       submitted (and the later steps of their workflows); of any other task nothing is known (empty, never
 *       blocking).</li>
 *   <li>{@link #storeAllUnlessFinal} checks only the records this process has: a worker cannot see whether another
 *       process stored a final record, so a revocation does not reach a worker (the caller's future completes as
 *       revoked, the worker still runs the task, and its outcome is dropped by the caller).</li>
 *   <li>{@link #increment} is refused (chords and global rate limits need a counter all workers share), and it offers
 *       no capability (idempotency keys, claims, feeds); the runtime's message for each says what is missing.</li>
 * </ul>
 */
public final class RpcResultBackend implements ResultBackend {

    private static final Logger log = LoggerFactory.getLogger(RpcResultBackend.class);

    static final String NO_COUNTERS = "the rpc:// result backend cannot count across workers: it sends each result to its"
            + " caller and keeps no store the workers share, so chords (which count their finished members) and global rate"
            + " limits cannot work with it. Use a result backend that can, beside the RabbitMQ broker: --backend"
            + " redis://host:6379 or postgresql://host/db (Amdahl.builder().resultBackend(\"redis://...\"))";

    private final ReplyEndpoint endpoint;
    private final DirectReplies.Endpoint key;
    private final Clock clock;
    private final AtomicBoolean closed = new AtomicBoolean();

    /** Opens (or shares) this process's reply channel on {@code settings}' RabbitMQ. */
    public RpcResultBackend(RabbitSettings settings, Clock clock) {
        this.clock = clock;
        this.endpoint = DirectReplies.open(settings, ReplyEndpoint::new);
        this.key = endpoint.key();
    }

    @Override
    public void store(TaskRecord record) {
        storeAll(List.of(record));
    }

    @Override
    public void storeAll(List<TaskRecord> records) {
        checkOpen();
        List<Outgoing> out = new ArrayList<>(records.size());
        List<String> answered = new ArrayList<>();
        for (TaskRecord r : records) {
            endpoint.apply(r, false);
            String address = DirectReplies.replyAddress(key, r.taskId());
            if (address == null) {
                log.debug("task {}: no caller asked for its replies over rpc (it was submitted with another result"
                        + " backend); its {} record is not sent", r.taskId(), r.state());
                continue;
            }
            out.add(new Outgoing("", address, replyProperties(r.taskId()), r.toBytes()));
            if (r.state().isReady()) {
                answered.add(r.taskId());
            }
        }
        if (!out.isEmpty()) {
            int gone = endpoint.publisher().publishAll(out).size();
            if (gone > 0) {
                // its caller's channel closed (the caller ended, or reconnected under a new address): nobody to tell
                log.debug("{} record(s) had no caller left to receive them", gone);
            }
        }
        answered.forEach(DirectReplies::answered);
    }

    @Override
    public Map<String, TaskRecord> storeAllUnlessFinal(List<TaskRecord> records) {
        Map<String, TaskRecord> kept = new HashMap<>();
        List<TaskRecord> stored = new ArrayList<>(records.size());
        for (TaskRecord r : records) {
            TaskRecord here = endpoint.get(r.taskId());
            if (here != null && here.state().isReady()) {
                kept.put(r.taskId(), here);
            } else {
                stored.add(r);
            }
        }
        storeAll(stored);
        return kept;
    }

    @Override
    public Optional<TaskRecord> get(String taskId) {
        return Optional.ofNullable(endpoint.get(taskId));
    }

    @Override
    public Registration whenReady(String taskId, Consumer<TaskRecord> callback) {
        checkOpen();
        return endpoint.watch(taskId, callback, false);
    }

    /** A task this process submits: its records come here, and a revocation it stores itself is kept. */
    @Override
    public Registration whenReadyUnpublished(String taskId, Consumer<TaskRecord> callback) {
        checkOpen();
        return endpoint.watch(taskId, callback, true);
    }

    /**
     * Refused. A chord's member counting itself down ({@code chord:<id>...}) first fails the tasks after the chord at
     * their caller, with this refusal as the error, where this process delivered a member of it: the caller learns
     * at once instead of waiting for a callback that never runs. The worker still sees the refusal (it gives the
     * member's message back, and dead-letters it with this reason in the end).
     */
    @Override
    public long increment(String key, long delta) {
        if (key.startsWith("chord:")) {
            failChord(key);
        }
        throw new AmdahlException(NO_COUNTERS + " (counter '" + key + "')");
    }

    private void failChord(String key) {
        String rest = key.substring("chord:".length());
        int colon = rest.indexOf(':');
        DirectReplies.Chord chord = DirectReplies.takeChord(this.key, colon < 0 ? rest : rest.substring(0, colon));
        if (chord == null) {
            return;
        }
        TaskError error = TaskError.of(AmdahlException.class.getName(), NO_COUNTERS);
        Instant now = clock.instant();
        List<Outgoing> out = new ArrayList<>(chord.after().size());
        for (String id : chord.after()) {
            TaskRecord failed = new TaskRecord(id, null, TaskState.FAILURE, null, error, 0, null, null, now, 0);
            out.add(new Outgoing("", chord.address(), replyProperties(id), failed.toBytes()));
        }
        try {
            endpoint.publisher().publishAll(out);
        } catch (RuntimeException e) {
            log.warn("could not tell the caller of a chord that it cannot run over rpc:// ({})", e.toString());
        }
    }

    private static AMQP.BasicProperties replyProperties(String taskId) {
        return new AMQP.BasicProperties.Builder().correlationId(taskId).contentType("application/json").deliveryMode(1)
                .build();
    }

    @Override
    public long increment(String key, long delta, Duration ttl) {
        throw new AmdahlException(NO_COUNTERS + " (counter '" + key + "')");
    }

    @Override
    public void forget(String taskId) {
        endpoint.forget(taskId);
    }

    private void checkOpen() {
        if (closed.get()) {
            throw new IllegalStateException("this rpc result backend is closed");
        }
    }

    /** Closes this process's reply channel when this was its last backend. */
    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            DirectReplies.release(endpoint);
        }
    }

    /** For tests: this process's reply endpoint. */
    ReplyEndpoint endpoint() {
        return endpoint;
    }

    @Override
    public String toString() {
        return "RpcResultBackend[" + endpoint.settings().address() + "]";
    }
}
