package dev.amdahl.celery.internal.amqp;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.DefaultConsumer;
import com.rabbitmq.client.Envelope;
import dev.amdahl.AmdahlException;
import dev.amdahl.MessageLimits;
import dev.amdahl.celery.internal.protocol.MalformedCeleryMessageException;
import dev.amdahl.celery.internal.result.CeleryDocuments;
import dev.amdahl.spi.Registration;
import dev.amdahl.spi.ResultBackend;
import dev.amdahl.spi.TaskRecord;
import dev.amdahl.spi.TaskWatchers;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Celery's {@code rpc://} result backend on the RabbitMQ of a {@link CeleryAmqpBroker}: each client has a reply queue
 * of its own, named by a UUID as Celery names it ({@code app.thread_oid}), that every task message it sends names in
 * {@code reply_to}; a worker publishes each record of the task to that queue through the default exchange,
 * {@code correlation_id} the task id, the body Celery's result document ({@link CeleryDocuments}). So a Python client
 * with {@code backend='rpc://'} reads a Java worker's results with {@code AsyncResult.get()}, and a Java client reads a
 * Python worker's.
 *
 * <h2>Invariants</h2>
 * <ul>
 *   <li>The reply queue is declared as Celery declares its own: not durable, auto-deleted when its consumer goes,
 *       {@code x-expires} the result expiry, so nothing is left on RabbitMQ by a client that ends.</li>
 *   <li>A worker replies only where a delivery asked ({@link #delivered}), and only to a name of Celery's form (a
 *       UUID): a message cannot have a worker write records into a task queue. A record of a task nobody asked replies
 *       for is dropped, logged at debug, as Celery drops it. A reply is published with confirms, so a record returned
 *       from {@link #store} is with RabbitMQ before the worker acknowledges the task.</li>
 *   <li>What came back, and what this process stored, is kept in memory for {@link #get}: at most
 *       {@value #MAX_RECORDS} tasks, none past the result expiry. There is no store the workers share: a final record
 *       stored by another process is not seen by {@link #storeAllUnlessFinal}, and there are no counters, so chords
 *       and global rate limits are refused as Celery's rpc backend refuses chords.</li>
 *   <li>A reply is untrusted input: its {@code correlation_id} must name a task and its body must read as Celery's
 *       result document for that task, or it is dropped with a warning that says why.</li>
 * </ul>
 */
public final class CeleryRpcBackend implements ResultBackend {

    private static final Logger log = LoggerFactory.getLogger(CeleryRpcBackend.class);
    /** Celery's reply queues are named by {@code app.thread_oid}, a UUID. */
    private static final Pattern REPLY_QUEUE = Pattern.compile("[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}");
    static final int MAX_RECORDS = 50_000;
    static final int MAX_ADDRESSES = 100_000;
    static final String NO_COUNTERS = "the rpc:// result backend cannot count across workers: it sends each result to its"
            + " caller and keeps no store the workers share, so chords (Celery's rpc backend refuses them too) and global"
            + " rate limits cannot work with it; use Celery's Redis result backend, resultBackend(\"redis://...\")";

    private final CeleryAmqpSettings settings;
    private final Duration expires;
    private final Clock clock;
    private final MessageLimits limits = MessageLimits.ofDefaults();
    private final Connection connection;
    /** Publishing with confirms; guarded by itself. */
    private final Channel publishing;
    private final String replyQueue = UUID.randomUUID().toString();
    /** What came back or was stored here, oldest first; guarded by itself. */
    private final LinkedHashMap<String, Kept> records = new LinkedHashMap<>();
    /** Where the records of tasks this process delivered go, oldest first; guarded by itself. */
    private final LinkedHashMap<String, Kept> addresses = new LinkedHashMap<>();
    private final TaskWatchers waiters = new TaskWatchers();
    private final AtomicBoolean closed = new AtomicBoolean();

    /** A value and when it expires ({@link System#nanoTime}). */
    private record Kept(Object value, long expiresAt) {
    }

    /** Where a delivered task's records go. */
    private record Address(String queue, String correlationId) {
    }

    private CeleryRpcBackend(CeleryAmqpSettings settings, Duration expires, Clock clock) {
        this.settings = settings;
        this.expires = expires;
        this.clock = clock;
        this.connection = CeleryAmqpBroker.connect(settings, "amdahl celery rpc results");
        try {
            this.publishing = connection.createChannel();
            publishing.confirmSelect();
            Channel consuming = connection.createChannel();
            consuming.queueDeclare(replyQueue, false, false, true, Map.of("x-expires", expires.toMillis()));
            // no_ack, as Celery's result consumer takes its replies: a reply lost with this process had nobody to tell
            consuming.basicConsume(replyQueue, true, new DefaultConsumer(consuming) {
                @Override
                public void handleDelivery(String tag, Envelope envelope, AMQP.BasicProperties props, byte[] body) {
                    heard(props, body);
                }
            });
        } catch (IOException e) {
            closeQuietly();
            throw new IllegalStateException("RabbitMQ at " + settings.address() + " refused the rpc reply queue ("
                    + e.getMessage() + ")", e);
        }
    }

    /** The rpc backend beside {@code broker}, on its RabbitMQ; the broker's messages name its reply queue from now on. */
    public static CeleryRpcBackend beside(CeleryAmqpBroker broker, Duration expires, Clock clock) {
        CeleryRpcBackend b = new CeleryRpcBackend(broker.settings(), expires, clock);
        broker.replyTo(b::replyQueueFor);
        return b;
    }

    /** This client's reply queue, which its task messages name in {@code reply_to}. */
    public String replyQueue() {
        return replyQueue;
    }

    /**
     * Where task {@code taskId}'s messages ask for replies: the caller's queue when this process delivered it (its retry
     * and the steps after it answer there too), else this process's own.
     */
    public String replyQueueFor(String taskId) {
        Object a = live(addresses, taskId);
        return a == null ? replyQueue : ((Address) a).queue();
    }

    // ---------------------------------------------------------------- worker side

    /** A delivery of task {@code taskId} asked for its records at {@code replyTo}. */
    public void delivered(String taskId, String replyTo, String correlationId) {
        if (replyTo == null || replyTo.isEmpty()) {
            return;
        }
        if (!REPLY_QUEUE.matcher(replyTo).matches()) {
            log.warn("task {} asks for its results at '{}', which is not a Celery reply queue (a UUID): not replying there",
                    taskId, replyTo.length() > 100 ? replyTo.substring(0, 100) + "…" : replyTo);
            return;
        }
        keep(addresses, taskId, new Address(replyTo, correlationId == null || correlationId.isEmpty() ? taskId : correlationId),
                MAX_ADDRESSES);
    }

    @Override
    public void store(TaskRecord record) {
        checkOpen();
        kept(record);
        Object a = live(addresses, record.taskId());
        if (a == null) {
            log.debug("task {}: no caller asked for its results over rpc://; its {} record is not sent", record.taskId(),
                    record.state());
            return;
        }
        Address address = (Address) a;
        AMQP.BasicProperties props = new AMQP.BasicProperties.Builder().correlationId(address.correlationId())
                .contentType("application/json").contentEncoding("utf-8").deliveryMode(1).build();
        byte[] body = CeleryDocuments.document(record, clock.instant());
        synchronized (publishing) {
            try {
                publishing.basicPublish("", address.queue(), props, body);
                publishing.waitForConfirmsOrDie(settings.timeout().toMillis());
            } catch (IOException | TimeoutException e) {
                throw new IllegalStateException("RabbitMQ did not confirm the result of task " + record.taskId()
                        + " to its caller's queue (" + e.getMessage() + ")", e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while sending the result of task " + record.taskId(), e);
            }
        }
        if (record.state().isReady()) {
            synchronized (addresses) {
                addresses.remove(record.taskId());
            }
        }
    }

    @Override
    public Map<String, TaskRecord> storeAllUnlessFinal(List<TaskRecord> records) {
        Map<String, TaskRecord> kept = new java.util.HashMap<>();
        for (TaskRecord r : records) {
            Optional<TaskRecord> here = get(r.taskId());
            if (here.isPresent() && here.get().state().isReady()) {
                kept.put(r.taskId(), here.get());
            } else {
                store(r);
            }
        }
        return kept;
    }

    // ---------------------------------------------------------------- client side

    private void heard(AMQP.BasicProperties props, byte[] body) {
        String taskId = props.getCorrelationId();
        if (taskId == null || taskId.isEmpty() || taskId.length() > 255) {
            log.warn("a reply on {} has no correlation_id naming its task: dropped", replyQueue);
            return;
        }
        TaskRecord r;
        try {
            r = CeleryDocuments.read(taskId, body, limits);
        } catch (MalformedCeleryMessageException | IllegalStateException e) {
            log.warn("the reply for task {} does not read as Celery's result ({}): dropped", taskId, e.getMessage());
            return;
        }
        if (!taskId.equals(r.taskId())) {
            log.warn("the reply with correlation_id {} is the result of task {}: dropped", taskId, r.taskId());
            return;
        }
        kept(r);
        if (r.state().isReady()) {
            waiters.fire(r);
        }
    }

    /** Keeps {@code r} unless a final record of its task is kept already (a late STARTED never undoes a SUCCESS). */
    private void kept(TaskRecord r) {
        synchronized (records) {
            Object old = liveLocked(records, r.taskId());
            if (old != null && ((TaskRecord) old).state().isReady() && !r.state().isReady()) {
                return;
            }
        }
        keep(records, r.taskId(), r, MAX_RECORDS);
    }

    @Override
    public Optional<TaskRecord> get(String taskId) {
        return Optional.ofNullable((TaskRecord) live(records, taskId));
    }

    @Override
    public Registration whenReady(String taskId, Consumer<TaskRecord> callback) {
        checkOpen();
        Registration watch = waiters.add(taskId, callback);
        get(taskId).filter(r -> r.state().isReady()).ifPresent(waiters::fire);
        return watch;
    }

    @Override
    public long increment(String key, long delta) {
        throw new AmdahlException(NO_COUNTERS + " (counter '" + key + "')");
    }

    @Override
    public long increment(String key, long delta, Duration ttl) {
        throw new AmdahlException(NO_COUNTERS + " (counter '" + key + "')");
    }

    @Override
    public void forget(String taskId) {
        synchronized (records) {
            records.remove(taskId);
        }
    }

    // ---------------------------------------------------------------- bounded maps

    private void keep(LinkedHashMap<String, Kept> map, String key, Object value, int max) {
        long now = System.nanoTime();
        synchronized (map) {
            map.remove(key);
            map.put(key, new Kept(value, now + expires.toNanos()));
            Iterator<Kept> it = map.values().iterator();
            while (it.hasNext()) {
                Kept oldest = it.next();
                if (map.size() <= max && oldest.expiresAt() - now > 0) {
                    break;
                }
                it.remove();
            }
        }
    }

    private static Object live(LinkedHashMap<String, Kept> map, String key) {
        synchronized (map) {
            return liveLocked(map, key);
        }
    }

    private static Object liveLocked(LinkedHashMap<String, Kept> map, String key) {
        Kept k = map.get(key);
        return k == null || k.expiresAt() - System.nanoTime() <= 0 ? null : k.value();
    }

    private void checkOpen() {
        if (closed.get()) {
            throw new IllegalStateException("this rpc:// result backend is closed");
        }
    }

    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            closeQuietly();
        }
    }

    private void closeQuietly() {
        try {
            connection.close((int) Math.min(Integer.MAX_VALUE, settings.timeout().toMillis()));
        } catch (IOException | RuntimeException e) {
            log.warn("closing the rpc:// results connection: {}", e.getMessage());
        }
    }
}
