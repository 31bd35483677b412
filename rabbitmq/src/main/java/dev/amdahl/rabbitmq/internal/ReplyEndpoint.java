package dev.amdahl.rabbitmq.internal;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.DefaultConsumer;
import com.rabbitmq.client.Envelope;
import dev.amdahl.rabbitmq.internal.ConfirmingPublisher.Outgoing;
import dev.amdahl.spi.TaskRecord;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One process's end of direct reply-to on one RabbitMQ (see {@link DirectReplies}): a connection, a channel in
 * confirm mode that consumes {@code amq.rabbitmq.reply-to} (no-ack, as RabbitMQ requires) and on which the tasks this
 * process submits are published, and the records that came back, in memory.
 *
 * <h2>The records</h2>
 * Kept by task id, oldest first: a record that arrives replaces the one kept unless that one is final (final states do
 * not move); a final one calls the task's watchers once. Bounded: beyond {@value #MAX_RECORDS} tasks, or past
 * {@link #RECORD_TTL_NANOS} since a task's record last changed, the oldest are forgotten, except tasks someone still
 * waits on (bounded by the caller's futures). A reply is untrusted: one that does not decode as a task record, or whose
 * correlation id is not the record's task, is dropped with a warning (at most one a minute, with a count), and
 * nothing is ever thrown on the consumer's thread.
 */
final class ReplyEndpoint {

    private static final Logger log = LoggerFactory.getLogger(ReplyEndpoint.class);

    static final int MAX_RECORDS = 50_000;
    static final int MAX_STORED = 10_000;
    static final long RECORD_TTL_NANOS = 24L * 3600 * 1_000_000_000L;
    private static final long WARN_EVERY_NANOS = 60L * 1_000_000_000L;

    private final DirectReplies.Endpoint key;
    private final RabbitSettings settings;
    private final Connection connection;
    private final ConfirmingPublisher publisher;
    /** How many backends share this; guarded by the lock of {@link DirectReplies}. */
    private int users = 1;

    /** Guarded by itself. */
    private final LinkedHashMap<String, Entry> records = new LinkedHashMap<>();
    /** The tasks being published here, completed when their final record comes back (see {@link #publishAskingReplies}). */
    private final Map<String, CompletableFuture<Void>> outcomes = new ConcurrentHashMap<>();

    /**
     * Guarded by {@link #records}: the last final records this process stored itself, oldest first. A worker that is
     * handed a task again (given back, or its continuations failed) reads it here and does not run it twice; it is no
     * store other processes see.
     */
    private final LinkedHashMap<String, TaskRecord> stored = new LinkedHashMap<>() {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, TaskRecord> eldest) {
            return size() > MAX_STORED;
        }
    };

    private final Object warnLock = new Object();
    private final java.util.concurrent.atomic.AtomicLong droppedTotal = new java.util.concurrent.atomic.AtomicLong();
    private long lastWarn;
    private long dropped;

    /** A task's record, as far as it came back, and who waits for its final one. */
    private static final class Entry {
        TaskRecord record;
        List<Consumer<TaskRecord>> watchers;
        /** Submitted by this process: what it stores itself (a revocation) is kept too. */
        boolean own;
        long touched;
    }

    ReplyEndpoint(RabbitSettings settings) {
        this.key = DirectReplies.Endpoint.of(settings);
        this.settings = settings;
        this.connection = RabbitConnections.open(settings, "amdahl rpc results " + ManagementFactory.getRuntimeMXBean().getName());
        this.publisher = new ConfirmingPublisher(connection, settings.timeout(), settings.confirmBatch(), this::consumeReplies);
        try {
            publisher.open();
        } catch (RuntimeException e) {
            connection.abort();
            throw new IllegalStateException("cannot consume direct replies (amq.rabbitmq.reply-to) on RabbitMQ at "
                    + settings.address() + ": " + e.getMessage(), e);
        }
    }

    DirectReplies.Endpoint key() {
        return key;
    }

    RabbitSettings settings() {
        return settings;
    }

    /** The channel that consumes the replies: publishes that ask for replies must go out on it. */
    ConfirmingPublisher publisher() {
        return publisher;
    }

    /**
     * Publishes tasks that ask for replies here, as {@link ConfirmingPublisher#publishAll}; a task counts as confirmed
     * also once its final record came back. RabbitMQ confirms a persistent message only once it is on disk or its
     * consumer acknowledged it, which a worker does after it sent the outcome: waiting for the confirm alone would put
     * the broker's disk sync, or the worker's acknowledgement, after the outcome on every round trip. The outcome shows
     * as surely as the confirm that RabbitMQ had the message, and the caller has what it wanted of it.
     *
     * @return the messages RabbitMQ could not route
     */
    List<Outgoing> publishAskingReplies(List<Outgoing> tasks) {
        List<String> ids = new ArrayList<>(tasks.size());
        try {
            return publisher.publishAll(tasks, m -> {
                String id = m.properties().getMessageId();
                if (id == null) {
                    return null;
                }
                ids.add(id);
                return outcomes.computeIfAbsent(id, k -> new CompletableFuture<>());
            });
        } finally {
            ids.forEach(outcomes::remove);
        }
    }

    boolean retain() {
        users++;
        return true;
    }

    /** @return whether that was the last user */
    boolean releaseOne() {
        return --users == 0;
    }

    private void consumeReplies(Channel channel) throws IOException {
        channel.basicConsume(DirectReplies.REPLY_TO, true, new DefaultConsumer(channel) {
            @Override
            public void handleDelivery(String tag, Envelope envelope, AMQP.BasicProperties properties, byte[] body) {
                received(properties, body);
            }
        });
    }

    /** A reply came: never throws, since this runs on the client library's consumer thread. */
    void received(AMQP.BasicProperties properties, byte[] body) {
        try {
            TaskRecord record;
            try {
                record = TaskRecord.fromBytes(body);
            } catch (RuntimeException e) {
                dropped("it is not a task record (" + e.getMessage() + ")");
                return;
            }
            String correlation = properties == null ? null : properties.getCorrelationId();
            if (correlation != null && !correlation.equals(record.taskId())) {
                dropped("its correlation id '" + abbreviate(correlation) + "' is not its record's task "
                        + abbreviate(record.taskId()));
                return;
            }
            apply(record, true);
            if (record.state().isReady() && !outcomes.isEmpty()) {
                CompletableFuture<Void> published = outcomes.get(record.taskId());
                if (published != null) {
                    published.complete(null);
                }
            }
        } catch (RuntimeException e) {
            dropped("handling it failed (" + e + ")");
        }
    }

    private static String abbreviate(String s) {
        return s.length() <= 80 ? s : s.substring(0, 80) + "…";
    }

    private void dropped(String why) {
        long now = System.nanoTime();
        long suppressed;
        droppedTotal.incrementAndGet();
        synchronized (warnLock) {
            dropped++;
            if (lastWarn != 0 && now - lastWarn < WARN_EVERY_NANOS) {
                return;
            }
            lastWarn = now;
            suppressed = dropped - 1;
            dropped = 0;
        }
        log.warn("dropped a reply on {}: {}{}", settings.address(), why,
                suppressed > 0 ? " (and " + suppressed + " other undecodable replies since the last warning)" : "");
    }

    /**
     * Keeps {@code record} and calls the watchers of its task if it is final and the first final one.
     *
     * @param always true for a reply: it came to this process's address, so it is of a task this process submitted,
     *               and is kept; false for a record this process stored itself, kept only for a task that has a record
     *               here already (a worker's record of another client's task is not this process's to keep; it only
     *               tells this process's watchers)
     */
    void apply(TaskRecord record, boolean always) {
        List<Consumer<TaskRecord>> fire = null;
        long now = System.nanoTime();
        synchronized (records) {
            if (!always && record.state().isReady()) {
                stored.remove(record.taskId());
                stored.put(record.taskId(), record);
            }
            Entry e = records.get(record.taskId());
            if (e == null) {
                if (!always) {
                    return;
                }
                e = new Entry();
                records.put(record.taskId(), e);
            } else if (e.record != null && e.record.state().isReady()) {
                return;
            } else if (!always && e.record == null && !e.own) {
                // only watched here (a worker watching a task it holds for a revocation): tell the watchers, keep nothing
                if (record.state().isReady()) {
                    fire = e.watchers;
                    records.remove(record.taskId());
                }
                e = null;
            } else {
                records.remove(record.taskId());
                records.put(record.taskId(), e);
            }
            if (e != null) {
                e.record = record;
                e.touched = now;
                if (record.state().isReady() && e.watchers != null) {
                    fire = e.watchers;
                    e.watchers = null;
                }
                trim(now);
            }
        }
        if (fire != null) {
            for (Consumer<TaskRecord> c : fire) {
                try {
                    c.accept(record);
                } catch (RuntimeException ex) {
                    log.warn("a watcher of task {} failed: {}", record.taskId(), ex.toString(), ex);
                }
            }
        }
    }

    /** Under the lock: forgets the oldest past the bound or the age, but never a task someone waits on. */
    private void trim(long now) {
        int moved = 0;
        Iterator<Map.Entry<String, Entry>> it = records.entrySet().iterator();
        List<Map.Entry<String, Entry>> waiting = null;
        while (it.hasNext()) {
            Map.Entry<String, Entry> oldest = it.next();
            if (records.size() <= MAX_RECORDS && now - oldest.getValue().touched < RECORD_TTL_NANOS) {
                break;
            }
            it.remove();
            if (oldest.getValue().watchers != null) {
                // someone waits: it goes to the back instead, a few at a time so a trim stays short
                if (waiting == null) {
                    waiting = new ArrayList<>();
                }
                waiting.add(oldest);
                if (++moved >= 16) {
                    break;
                }
            }
        }
        if (waiting != null) {
            for (Map.Entry<String, Entry> w : waiting) {
                w.getValue().touched = now;
                records.put(w.getKey(), w.getValue());
            }
        }
    }

    TaskRecord get(String taskId) {
        synchronized (records) {
            Entry e = records.get(taskId);
            TaskRecord r = e == null ? null : e.record;
            return r != null ? r : stored.get(taskId);
        }
    }

    /** Calls {@code callback} once with the task's final record: now, if it is here, or when it comes. */
    dev.amdahl.spi.Registration watch(String taskId, Consumer<TaskRecord> callback, boolean own) {
        TaskRecord ready;
        synchronized (records) {
            Entry e = records.get(taskId);
            if (e == null) {
                e = new Entry();
                e.touched = System.nanoTime();
                records.put(taskId, e);
            }
            e.own |= own;
            ready = e.record != null && e.record.state().isReady() ? e.record : null;
            if (ready == null) {
                if (e.watchers == null) {
                    e.watchers = new ArrayList<>(1);
                }
                e.watchers.add(callback);
                trim(System.nanoTime());
            }
        }
        if (ready != null) {
            callback.accept(ready);
            return () -> { };
        }
        return () -> unwatch(taskId, callback);
    }

    private void unwatch(String taskId, Consumer<TaskRecord> callback) {
        synchronized (records) {
            Entry e = records.get(taskId);
            if (e == null || e.watchers == null) {
                return;
            }
            e.watchers.remove(callback);
            if (e.watchers.isEmpty()) {
                e.watchers = null;
                if (e.record == null && !e.own) {
                    records.remove(taskId);
                }
            }
        }
    }

    void forget(String taskId) {
        synchronized (records) {
            stored.remove(taskId);
            Entry e = records.get(taskId);
            if (e != null) {
                if (e.watchers == null) {
                    records.remove(taskId);
                } else {
                    e.record = null;
                }
            }
        }
    }

    /** For tests: how many replies were dropped since this opened. */
    long droppedReplies() {
        return droppedTotal.get();
    }

    /** For tests: how many tasks are kept. */
    int size() {
        synchronized (records) {
            return records.size();
        }
    }

    void shutDown() {
        publisher.close();
        try {
            connection.close((int) settings.timeout().toMillis());
        } catch (IOException | RuntimeException e) {
            connection.abort();
        }
    }
}
