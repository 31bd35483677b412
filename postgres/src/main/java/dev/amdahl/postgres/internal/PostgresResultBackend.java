package dev.amdahl.postgres.internal;

import com.zaxxer.hikari.HikariDataSource;
import dev.amdahl.TaskState;
import dev.amdahl.spi.AckingStore;
import dev.amdahl.spi.Broker;
import dev.amdahl.spi.Claims;
import dev.amdahl.spi.Delivery;
import dev.amdahl.spi.IdempotencyKeys;
import dev.amdahl.spi.RecordsReadAhead;
import dev.amdahl.spi.Registration;
import dev.amdahl.spi.ResultBackend;
import dev.amdahl.spi.RevocationFeed;
import dev.amdahl.spi.TaskRecord;
import dev.amdahl.spi.TaskWatchers;
import dev.amdahl.spi.UpdateFeed;
import dev.amdahl.spi.WorkerRegistry;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A result backend on PostgreSQL: a row per task in {@code results} (state, record bytes, expiry), counters in
 * {@code counters}, idempotency keys and claims in {@code keys}; waiters woken by {@code LISTEN/NOTIFY}.
 *
 * <h2>Invariants</h2>
 * <ul>
 *   <li>A row past its {@code expires_at} is absent to every read and every write (a write over it starts afresh);
 *       the cleanup only reclaims the space. Times are the handed clock's, never the server's {@code now()}.</li>
 *   <li>{@link #storeAllUnlessFinal} is one statement: an upsert whose update keeps a live final row as it is and
 *       otherwise takes the new one. The update always happens, so the row is locked and read at its newest version
 *       even when another client inserted it a moment ago, and {@code RETURNING} tells which won by the
 *       {@code writer} column: this statement's random id, or the kept row's. (An update with a {@code WHERE} would
 *       return nothing for the kept rows, and a read in the same statement sees its snapshot, which may predate
 *       the racing insert.)</li>
 *   <li>Every store notifies in its own statement, one notification per record it stored ({@link ResultNotice}), so
 *       a notification means a committed record, and a record kept instead is not announced again.</li>
 *   <li>A waiter is registered before its record is read, and the listening connection LISTENs before this client
 *       reads anything on its behalf: a record stored in between is seen by the read or by the notification.
 *       Notifications sent while the listener was down are lost, so each time it LISTENs again it re-reads the
 *       records of every waiter and replays the revocations; every {@link #FALLBACK_RECHECK} it re-reads them anyway.</li>
 * </ul>
 *
 * <h2>Threads</h2>
 * One thread listens; what it hears is handed to {@code callbacks}, one thread, which also reads records for
 * waiters and runs the callbacks, so notices are handled in the order they came. {@code cleaner} deletes what has
 * expired. A watcher fires at most once ({@link TaskWatchers}).
 */
public final class PostgresResultBackend implements ResultBackend, IdempotencyKeys, Claims, RevocationFeed, UpdateFeed,
        WorkerRegistry, AckingStore, RecordsReadAhead {

    private static final Logger log = LoggerFactory.getLogger(PostgresResultBackend.class);

    static final Duration FALLBACK_RECHECK = Duration.ofSeconds(5);
    /** How often the listening connection proves it is alive: a connection cut without a reset is found this way. */
    private static final long PING_EVERY_MS = 5_000;
    private static final int STORE_CHUNK = 1_000;
    private static final int READ_CHUNK = 5_000;
    /** Rows one cleanup transaction deletes, and transactions per sweep at most: bounded locks, WAL and time. */
    static final int CLEANUP_BATCH = 5_000;
    private static final int CLEANUP_MAX_BATCHES = 400;
    /** Dead rows in messages or results that make the cleanup vacuum the table; see {@link #vacuumWhereDead}. */
    static final long VACUUM_DEAD_ROWS = 10_000;
    private static final String FINAL_STATES = "('SUCCESS', 'FAILURE', 'REVOKED')";

    private final PostgresBackendSettings backendSettings;
    private final PostgresSettings settings;
    private final Clock clock;
    private final String schema;
    private final String channel;
    private final HikariDataSource pool;
    private final ScheduledExecutorService callbacks;
    private final ScheduledExecutorService cleaner;
    private final Thread listener;
    private final AtomicBoolean closed = new AtomicBoolean();

    /** onUpdate listeners go when their task's watchers fire, since the task has ended. */
    private final TaskWatchers watchers;
    /** onUpdate listeners by task id; dropped when the task's final notice arrives. */
    private final Map<String, Set<Consumer<TaskRecord>>> updateListeners = new ConcurrentHashMap<>();
    private final Set<Consumer<TaskRecord>> revocationListeners = ConcurrentHashMap.newKeySet();
    /** Ids of watchers not yet checked against their stored record; drained by {@link #checkNewWatchers}. */
    private final ConcurrentLinkedQueue<String> toCheck = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean checkScheduled = new AtomicBoolean();

    /** Whether the listening connection LISTENs now. */
    private volatile boolean listening;
    /** Bumped (by the listener thread only) each time it LISTENs on a new connection. */
    private volatile int epoch;
    /** The epoch whose revocations were replayed to the feed; the feed is complete while it is the current one. */
    private volatile int replayedEpoch = -1;

    private final String storeSql;
    private final String storeUnlessFinalSql;
    /** {@link #storeUnlessFinalSql} acknowledging a broker's deliveries too, by the broker's messages table. */
    private final Map<String, String> storeAndAckSql = new ConcurrentHashMap<>();

    public PostgresResultBackend(PostgresBackendSettings backendSettings, Clock clock) {
        this(backendSettings, clock, false);
    }

    /**
     * @param besideBroker whether the application's broker is on the same PostgreSQL server: then results commit
     *                     without waiting for the disk (see the README's "Commits")
     */
    public PostgresResultBackend(PostgresBackendSettings backendSettings, Clock clock, boolean besideBroker) {
        this.backendSettings = backendSettings;
        this.settings = backendSettings.connection();
        this.clock = clock;
        this.watchers = new TaskWatchers(updateListeners::remove);
        this.schema = settings.schema();
        String name = "amdahl_results_" + schema;
        // a channel is an identifier: longer than 63 bytes, PostgreSQL refuses pg_notify
        this.channel = name.length() <= 63 ? name : "amdahl_results_" + Integer.toHexString(schema.hashCode());
        this.storeSql = storeSql(false, null);
        this.storeUnlessFinalSql = storeSql(true, null);
        // planned for the table as it is at each run, not by a plan cached while it was a page or two: such a plan
        // reads every row by the time the table holds a day of results (ANALYZE may never come: autovacuum can be off)
        // Beside a PostgreSQL broker on the same server, a result commits without waiting for the WAL flush: the worker
        // acknowledges its message after the store, so the ack's commit comes later in the same log, and a crash, which
        // loses a suffix of the log, cannot keep the ack and lose the result: the message runs again. Without a broker
        // there to follow it, a result waits for the disk as any commit does.
        this.pool = Connections.pool(settings, "amdahl-postgres-results", "set plan_cache_mode = force_custom_plan"
                + (besideBroker ? "; set synchronous_commit = off" : ""));
        if (besideBroker) {
            log.debug("PostgreSQL at {}: results commit without waiting for the disk, beside the broker on that server",
                    settings.address());
        }
        Connection listening;
        try {
            try (Connection c = pool.getConnection()) {
                Migrations.run(c, schema);
            }
            listening = connectListening();
        } catch (SQLException e) {
            pool.close();
            throw failure("preparing schema " + schema + " for results", e);
        }
        this.callbacks = Executors.newSingleThreadScheduledExecutor(daemon("amdahl-postgres-results"));
        this.cleaner = Executors.newSingleThreadScheduledExecutor(daemon("amdahl-postgres-results-cleanup"));
        heardListening();
        Connection first = listening;
        this.listener = new Thread(() -> listen(first), "amdahl-postgres-results-listen");
        listener.setDaemon(true);
        listener.start();
        long fallback = FALLBACK_RECHECK.toMillis();
        callbacks.scheduleWithFixedDelay(this::recheckAll, fallback, fallback, TimeUnit.MILLISECONDS);
        long every = backendSettings.cleanupInterval().toMillis();
        // a random start, so clients that open together do not all race for the first sweep
        cleaner.scheduleWithFixedDelay(this::cleanup, ThreadLocalRandom.current().nextLong(every) + 1, every,
                TimeUnit.MILLISECONDS);
    }

    private static java.util.concurrent.ThreadFactory daemon(String name) {
        return r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        };
    }

    /**
     * The storing statement: the records come as three arrays; {@code unlessFinal} keeps a live final row (see the
     * class comment). It returns one row for the count of notices (so that CTE runs), joined to the kept records.
     * With {@code ackTable}, a broker's messages table, it first binds two arrays (row ids, lease tokens) and deletes
     * those messages, as the broker's ack does: one statement, so the acks commit with the records or not at all.
     */
    private String storeSql(boolean unlessFinal, String ackTable) {
        String keep = "r.state in " + FINAL_STATES + " and r.expires_at > ?";
        String set = unlessFinal
                ? "state = case when " + keep + " then r.state else excluded.state end,"
                + " record = case when " + keep + " then r.record else excluded.record end,"
                + " expires_at = case when " + keep + " then r.expires_at else excluded.expires_at end,"
                + " writer = case when " + keep + " then r.writer else excluded.writer end"
                : "state = excluded.state, record = excluded.record, expires_at = excluded.expires_at, writer = excluded.writer";
        String acks = ackTable == null ? "" : "acked as (delete from " + ackTable + " m using unnest(?::bigint[], ?::uuid[])"
                + " as a(id, token) where m.id = a.id and m.lease_token = a.token returning 1), ";
        return "with " + acks + "input as (select * from unnest(?::text[], ?::text[], ?::bytea[]) as i(task_id, state, record)),"
                + " written as (insert into " + schema + ".results as r (task_id, state, record, expires_at, writer)"
                + " select task_id, state, record, ?, ? from input"
                + " on conflict (task_id) do update set " + set
                + " returning r.task_id, r.state, r.record, r.writer = ? as stored),"
                + " notices as (select pg_notify(?, " + ResultNotice.SQL + ") from written w where w.stored)"
                + " select n.count, k.task_id, k.state, k.record" + (ackTable == null ? ", 0" : ", (select count(*) from acked)")
                + " from (select count(*) from notices) n"
                + " left join (select task_id, state, record from written where not stored) k on true";
    }

    // ---------------------------------------------------------------- store

    @Override
    public void store(TaskRecord record) {
        storeAll(List.of(record));
    }

    @Override
    public void storeAll(List<TaskRecord> records) {
        write(storeSql, false, records);
    }

    @Override
    public Map<String, TaskRecord> storeAllUnlessFinal(List<TaskRecord> records) {
        return write(storeUnlessFinalSql, true, records);
    }

    /** A broker of the same database, reached as the same user: its acks can go into this client's stores. */
    @Override
    public boolean acknowledges(Broker broker) {
        return broker instanceof PostgresBroker b && b.sharesDatabaseWith(settings);
    }

    /**
     * The store's statement with the ack's delete in it (see {@link #storeSql}); with several statements (more than
     * {@link #STORE_CHUNK} records, or one task twice) the last carries the acks, after every record is in.
     */
    @Override
    public Map<String, TaskRecord> storeAllUnlessFinalAndAck(List<TaskRecord> records, Broker broker, List<Delivery> deliveries) {
        if (!acknowledges(broker)) {
            throw new IllegalArgumentException(broker + " is not a PostgreSQL broker of this backend's database");
        }
        PostgresBroker b = (PostgresBroker) broker;
        if (deliveries.isEmpty()) {
            return storeAllUnlessFinal(records);
        }
        List<PostgresBroker.Receipt> receipts = b.settlingAll(deliveries);
        try {
            String sql = storeAndAckSql.computeIfAbsent(b.messagesTable(), table -> storeSql(true, table));
            return write(storeUnlessFinalSql, true, records, sql, receipts, b);
        } catch (RuntimeException e) {
            b.unsettled(receipts);
            throw e;
        }
    }

    private Map<String, TaskRecord> write(String sql, boolean unlessFinal, List<TaskRecord> records) {
        return write(sql, unlessFinal, records, null, null, null);
    }

    private Map<String, TaskRecord> write(String sql, boolean unlessFinal, List<TaskRecord> records, String ackSql,
                                          List<PostgresBroker.Receipt> acks, PostgresBroker broker) {
        checkOpen();
        Map<String, TaskRecord> kept = new HashMap<>();
        if (records.isEmpty() && acks == null) {
            return kept;
        }
        List<List<TaskRecord>> chunks = chunks(records);
        try (Connection c = pool.getConnection(); PreparedStatement plain = c.prepareStatement(sql);
             PreparedStatement acking = ackSql == null ? null : c.prepareStatement(ackSql)) {
            for (int n = 0; n < chunks.size(); n++) {
                List<TaskRecord> chunk = chunks.get(n);
                boolean last = n == chunks.size() - 1;
                PreparedStatement s = last && acking != null ? acking : plain;
                Instant now = clock.instant();
                UUID writer = UUID.randomUUID();
                // in the order of the text: the acks, the records, their expiry and writer, the upsert's "now"s,
                // writer, channel
                int i = 1;
                if (s == acking) {
                    s.setArray(i++, c.createArrayOf("bigint", acks.stream().map(PostgresBroker.Receipt::id).toArray()));
                    s.setArray(i++, c.createArrayOf("uuid", acks.stream().map(PostgresBroker.Receipt::token).toArray()));
                }
                s.setArray(i++, c.createArrayOf("text", chunk.stream().map(TaskRecord::taskId).toArray()));
                s.setArray(i++, c.createArrayOf("text", chunk.stream().map(r -> r.state().name()).toArray()));
                s.setArray(i++, c.createArrayOf("bytea", chunk.stream().map(TaskRecord::toBytes).toArray(byte[][]::new)));
                s.setTimestamp(i++, Timestamp.from(now.plus(backendSettings.resultTtl())));
                s.setObject(i++, writer);
                if (unlessFinal) {
                    for (int k = 0; k < 4; k++) {
                        s.setTimestamp(i++, Timestamp.from(now));
                    }
                }
                s.setObject(i++, writer);
                s.setString(i, channel);
                int acked = 0;
                try (ResultSet r = s.executeQuery()) {
                    while (r.next()) {
                        acked = r.getInt(5);
                        String id = r.getString(2);
                        if (id != null) {
                            TaskRecord record = decode(id, r.getString(3), r.getBytes(4));
                            if (record != null) {
                                kept.put(id, record);
                            }
                        }
                    }
                }
                if (s == acking) {
                    broker.acknowledged(acked);
                }
            }
        } catch (SQLException e) {
            throw failure("storing " + records.size() + " result(s)" + (acks == null ? "" : " and acknowledging "
                    + acks.size() + " message(s)"), e);
        }
        return kept;
    }

    /**
     * The records in statements of at most {@link #STORE_CHUNK}, none naming a task twice (an upsert may not touch a
     * row twice; a later record of the same task goes to a later statement, so it still replaces the earlier), each
     * sorted by task id, so that two clients storing overlapping batches lock rows in one order and never deadlock.
     */
    static List<List<TaskRecord>> chunks(List<TaskRecord> records) {
        List<List<TaskRecord>> out = new ArrayList<>();
        List<TaskRecord> current = new ArrayList<>();
        Set<String> ids = new HashSet<>();
        for (TaskRecord r : records) {
            if (current.size() == STORE_CHUNK || !ids.add(r.taskId())) {
                out.add(current);
                current = new ArrayList<>();
                ids.clear();
                ids.add(r.taskId());
            }
            current.add(r);
        }
        out.add(current);
        for (List<TaskRecord> chunk : out) {
            chunk.sort(Comparator.comparing(TaskRecord::taskId));
        }
        return out;
    }

    // ---------------------------------------------------------------- reads ahead

    /**
     * A broker of the same database, reached as the same user, as for {@link #acknowledges}: its claims read this
     * backend's {@code results} from now on (see {@code PostgresBroker.claimFrom}), unless another backend's table
     * was asked for first.
     */
    @Override
    public boolean readsAheadFor(Broker broker) {
        return broker instanceof PostgresBroker b && b.readRecordsFrom(schema + ".results", settings);
    }

    /**
     * The reads the deliveries' receipts carry, judged as {@link #read} judges a row: expired by this client's clock
     * now, absent; bytes that are not the row's record, left out (logged), so the worker reads them itself.
     */
    @Override
    public ReadAhead readAhead(List<Delivery> deliveries) {
        String table = schema + ".results";
        Instant now = clock.instant();
        Set<String> read = new HashSet<>();
        Map<String, TaskRecord> records = new HashMap<>();
        for (Delivery d : deliveries) {
            if (!(d.receipt() instanceof PostgresBroker.Receipt receipt) || receipt.read() == null
                    || !receipt.read().table().equals(table)) {
                continue;
            }
            PostgresBroker.Read row = receipt.read();
            String id = d.messageId();
            if (row.state() == null || row.record() == null || row.expiresAt() == null || !row.expiresAt().isAfter(now)) {
                read.add(id);
                continue;
            }
            TaskRecord record = decode(id, row.state(), row.record());
            if (record != null) {
                read.add(id);
                records.put(id, record);
            }
        }
        return read.isEmpty() ? ReadAhead.none() : new ReadAhead(read, records);
    }

    // ---------------------------------------------------------------- reads

    @Override
    public Optional<TaskRecord> get(String taskId) {
        checkOpen();
        return Optional.ofNullable(read(List.of(taskId)).get(taskId));
    }

    /** One query per {@link #READ_CHUNK} ids. */
    @Override
    public Map<String, TaskRecord> getAll(Collection<String> taskIds) {
        checkOpen();
        return read(taskIds);
    }

    private Map<String, TaskRecord> read(Collection<String> taskIds) {
        Map<String, TaskRecord> found = new HashMap<>();
        if (taskIds.isEmpty()) {
            return found;
        }
        List<String> ids = List.copyOf(new LinkedHashSet<>(taskIds));
        try (Connection c = pool.getConnection();
             PreparedStatement s = c.prepareStatement("select task_id, state, record from " + schema + ".results"
                     + " where task_id = any(?) and expires_at > ?")) {
            for (int from = 0; from < ids.size(); from += READ_CHUNK) {
                s.setArray(1, c.createArrayOf("text", ids.subList(from, Math.min(ids.size(), from + READ_CHUNK)).toArray()));
                s.setTimestamp(2, Timestamp.from(clock.instant()));
                try (ResultSet r = s.executeQuery()) {
                    while (r.next()) {
                        TaskRecord record = decode(r.getString(1), r.getString(2), r.getBytes(3));
                        if (record != null) {
                            found.put(r.getString(1), record);
                        }
                    }
                }
            }
        } catch (SQLException e) {
            throw failure("reading " + ids.size() + " result(s)", e);
        }
        return found;
    }

    /**
     * The record a row holds, or null (logged) when the bytes are not a record, or not the record of that row's task
     * and state: another program may write this table.
     */
    private static TaskRecord decode(String taskId, String state, byte[] bytes) {
        try {
            TaskRecord record = TaskRecord.fromBytes(bytes);
            if (!record.taskId().equals(taskId) || !record.state().name().equals(state)) {
                log.error("The result row of task {} (state {}) holds the record of task {} in state {}; ignoring it",
                        taskId, state, record.taskId(), record.state());
                return null;
            }
            return record;
        } catch (RuntimeException e) {
            log.error("The result stored for task {} is not a task record ({} bytes): {}", taskId, bytes.length, e.getMessage());
            return null;
        }
    }

    @Override
    public void forget(String taskId) {
        checkOpen();
        try (Connection c = pool.getConnection();
             PreparedStatement s = c.prepareStatement("delete from " + schema + ".results where task_id = ?")) {
            s.setString(1, taskId);
            s.executeUpdate();
        } catch (SQLException e) {
            throw failure("forgetting task " + taskId, e);
        }
    }

    // ---------------------------------------------------------------- counters, keys, claims

    @Override
    public long increment(String key, long delta) {
        return increment(key, delta, backendSettings.resultTtl(), true);
    }

    @Override
    public long increment(String key, long delta, Duration ttl) {
        return increment(key, delta, ttl, false);
    }

    /** {@code extend}: each increment moves the expiry on (a chord's counter); otherwise the creating one sets it. */
    private long increment(String key, long delta, Duration ttl, boolean extend) {
        checkOpen();
        String lapsed = "c.expires_at <= ?";
        String sql = "insert into " + schema + ".counters as c (key, value, expires_at) values (?, ?, ?)"
                + " on conflict (key) do update set value = case when " + lapsed + " then excluded.value"
                + " else c.value + excluded.value end, expires_at = "
                + (extend ? "excluded.expires_at" : "case when " + lapsed + " then excluded.expires_at else c.expires_at end")
                + " returning value";
        Instant now = clock.instant();
        try (Connection c = pool.getConnection(); PreparedStatement s = c.prepareStatement(sql)) {
            s.setString(1, key);
            s.setLong(2, delta);
            s.setTimestamp(3, Timestamp.from(now.plus(positive(ttl))));
            s.setTimestamp(4, Timestamp.from(now));
            if (!extend) {
                s.setTimestamp(5, Timestamp.from(now));
            }
            try (ResultSet r = s.executeQuery()) {
                r.next();
                return r.getLong(1);
            }
        } catch (SQLException e) {
            throw failure("incrementing counter " + key, e);
        }
    }

    /**
     * One statement, as {@link #storeAllUnlessFinal}: the update always happens, keeping a live value as it is, so
     * the row is read at its newest version; {@code writer} says whether this call's value is the one kept.
     */
    @Override
    public Optional<String> putIfAbsent(String key, String value, Duration ttl) {
        return putKeyIfAbsent(IDEMPOTENCY + key, value, ttl);
    }

    /** {@code keys} holds idempotency keys, claims and heartbeats, each under a prefix of its own so none meets another. */
    private static final String IDEMPOTENCY = "idempotency:";
    private static final String CLAIM = "claim:";
    private static final String HEARTBEAT = "heartbeat:";

    private Optional<String> putKeyIfAbsent(String key, String value, Duration ttl) {
        checkOpen();
        String lapsed = "k.expires_at <= ?";
        String sql = "insert into " + schema + ".keys as k (key, value, expires_at, writer) values (?, ?, ?, ?)"
                + " on conflict (key) do update set"
                + " value = case when " + lapsed + " then excluded.value else k.value end,"
                + " expires_at = case when " + lapsed + " then excluded.expires_at else k.expires_at end,"
                + " writer = case when " + lapsed + " then excluded.writer else k.writer end"
                + " returning value, writer = ?";
        Instant now = clock.instant();
        UUID writer = UUID.randomUUID();
        try (Connection c = pool.getConnection(); PreparedStatement s = c.prepareStatement(sql)) {
            s.setString(1, key);
            s.setString(2, value);
            s.setTimestamp(3, Timestamp.from(now.plus(positive(ttl))));
            s.setObject(4, writer);
            for (int i = 5; i <= 7; i++) {
                s.setTimestamp(i, Timestamp.from(now));
            }
            s.setObject(8, writer);
            try (ResultSet r = s.executeQuery()) {
                r.next();
                return r.getBoolean(2) ? Optional.empty() : Optional.of(r.getString(1));
            }
        } catch (SQLException e) {
            throw failure("storing key " + key, e);
        }
    }

    @Override
    public boolean claim(String key, Duration ttl) {
        return putKeyIfAbsent(CLAIM + key, "", ttl).isEmpty();
    }

    // ---------------------------------------------------------------- worker heartbeats

    @Override
    public void putHeartbeat(String worker, byte[] heartbeat, Duration ttl) {
        checkOpen();
        try (Connection c = pool.getConnection();
             PreparedStatement s = c.prepareStatement("insert into " + schema + ".keys (key, value, expires_at, writer)"
                     + " values (?, ?, ?, ?) on conflict (key) do update set value = excluded.value,"
                     + " expires_at = excluded.expires_at, writer = excluded.writer")) {
            s.setString(1, HEARTBEAT + worker);
            s.setString(2, Base64.getEncoder().encodeToString(heartbeat));
            s.setTimestamp(3, Timestamp.from(clock.instant().plus(positive(ttl))));
            s.setObject(4, UUID.randomUUID());
            s.executeUpdate();
        } catch (SQLException e) {
            throw failure("storing the heartbeat of worker " + worker, e);
        }
    }

    @Override
    public void removeHeartbeat(String worker) {
        checkOpen();
        try (Connection c = pool.getConnection();
             PreparedStatement s = c.prepareStatement("delete from " + schema + ".keys where key = ?")) {
            s.setString(1, HEARTBEAT + worker);
            s.executeUpdate();
        } catch (SQLException e) {
            throw failure("removing the heartbeat of worker " + worker, e);
        }
    }

    @Override
    public Map<String, byte[]> heartbeats() {
        checkOpen();
        // a scan of the keys table: operators ask this, a few times a minute, never the task path
        try (Connection c = pool.getConnection();
             PreparedStatement s = c.prepareStatement("select key, value from " + schema + ".keys"
                     + " where starts_with(key, ?) and expires_at > ?")) {
            s.setString(1, HEARTBEAT);
            s.setTimestamp(2, Timestamp.from(clock.instant()));
            Map<String, byte[]> out = new HashMap<>();
            try (ResultSet r = s.executeQuery()) {
                while (r.next()) {
                    out.put(r.getString(1).substring(HEARTBEAT.length()), Base64.getDecoder().decode(r.getString(2)));
                }
            }
            return out;
        } catch (SQLException e) {
            throw failure("reading the workers' heartbeats", e);
        }
    }

    private static Duration positive(Duration ttl) {
        return ttl.isNegative() || ttl.isZero() ? Duration.ofMillis(1) : ttl;
    }

    // ---------------------------------------------------------------- waiting

    @Override
    public Registration whenReady(String taskId, Consumer<TaskRecord> callback) {
        Registration registration = watch(taskId, callback);
        // the record may be final already: read it, batched with the reads of other new watchers
        toCheck.add(taskId);
        if (checkScheduled.compareAndSet(false, true)) {
            dispatch(this::checkNewWatchers);
        }
        return registration;
    }

    /**
     * No read: the listener LISTENs already, and the task is published after this returns, so its notice comes (or,
     * if the listener reconnects meanwhile, the re-read after it LISTENs again finds the record).
     */
    @Override
    public Registration whenReadyUnpublished(String taskId, Consumer<TaskRecord> callback) {
        return watch(taskId, callback);
    }

    private Registration watch(String taskId, Consumer<TaskRecord> callback) {
        checkOpen();
        return watchers.add(taskId, callback);
    }

    /** Reads the records of the watchers registered since the last check, in one query. Runs on {@code callbacks}. */
    private void checkNewWatchers() {
        checkScheduled.set(false);
        List<String> ids = new ArrayList<>();
        for (String id; (id = toCheck.poll()) != null; ) {
            ids.add(id);
        }
        recheck(ids);
    }

    /** Re-reads the records of every waiter: after the listener LISTENs again, and every {@link #FALLBACK_RECHECK}. */
    private void recheckAll() {
        recheck(watchers.taskIds());
    }

    /**
     * Reads the records of {@code ids} and fires the watchers of those that are final. Runs on {@code callbacks}. A
     * read that fails is left to the next re-read (after the listener LISTENs again, or the fallback's).
     */
    private void recheck(List<String> ids) {
        if (ids.isEmpty() || closed.get()) {
            return;
        }
        try {
            for (TaskRecord record : read(ids).values()) {
                if (record.state().isReady()) {
                    fire(record);
                }
            }
        } catch (RuntimeException e) {
            log.warn("Could not re-read {} awaited result(s) ({}); trying again within {} s", ids.size(), e.getMessage(),
                    FALLBACK_RECHECK.toSeconds());
        }
    }

    private void fire(TaskRecord record) {
        watchers.fire(record);
    }

    // ---------------------------------------------------------------- feeds

    /**
     * Listens on the channel of every store, then replays the REVOKED records that have not expired: one stored
     * before is in the table, one stored after comes as a notice.
     */
    @Override
    public Registration onRevoked(Consumer<TaskRecord> listener) {
        checkOpen();
        revocationListeners.add(listener);
        int e = epoch;
        boolean wasListening = listening;
        replayRevocations(List.of(listener));
        if (wasListening && listening && epoch == e) {
            replayedEpoch = e;
        }
        return () -> revocationListeners.remove(listener);
    }

    @Override
    public boolean revocationFeedComplete() {
        return listening && replayedEpoch == epoch && !revocationListeners.isEmpty();
    }

    private void replayRevocations(Collection<Consumer<TaskRecord>> listeners) {
        if (listeners.isEmpty()) {
            return;
        }
        try (Connection c = pool.getConnection();
             PreparedStatement s = c.prepareStatement("select task_id, state, record from " + schema + ".results"
                     + " where state = 'REVOKED' and expires_at > ?")) {
            s.setTimestamp(1, Timestamp.from(clock.instant()));
            try (ResultSet r = s.executeQuery()) {
                while (r.next()) {
                    TaskRecord record = decode(r.getString(1), r.getString(2), r.getBytes(3));
                    if (record != null) {
                        tell(listeners, record);
                    }
                }
            }
        } catch (SQLException e) {
            throw failure("reading the revocations", e);
        }
    }

    private static void tell(Collection<Consumer<TaskRecord>> listeners, TaskRecord record) {
        for (Consumer<TaskRecord> l : listeners) {
            try {
                l.accept(record);
            } catch (RuntimeException e) {
                log.error("A result listener failed on task {}", record.taskId(), e);
            }
        }
    }

    /** Non-final records travel inside their notices, so listeners hear each one, in the order they were stored. */
    @Override
    public Registration onUpdate(String taskId, Consumer<TaskRecord> listener) {
        checkOpen();
        updateListeners.compute(taskId, (id, set) -> {
            Set<Consumer<TaskRecord>> s = set == null ? ConcurrentHashMap.newKeySet() : set;
            s.add(listener);
            return s;
        });
        return () -> updateListeners.computeIfPresent(taskId, (id, set) -> {
            set.remove(listener);
            return set.isEmpty() ? null : set;
        });
    }

    // ---------------------------------------------------------------- listening

    private Connection connectListening() throws SQLException {
        Connection c = Connections.direct(settings);
        try (Statement s = c.createStatement()) {
            s.execute("listen " + channel);
        } catch (SQLException e) {
            c.close();
            throw e;
        }
        return c;
    }

    /** The listener LISTENs on a new connection: what was stored while it did not is read again. */
    private void heardListening() {
        int e = ++epoch;
        listening = true;
        if (e > 1) {
            dispatch(this::recheckAll);
            dispatch(() -> {
                try {
                    replayRevocations(List.copyOf(revocationListeners));
                    if (epoch == e && listening && !revocationListeners.isEmpty()) {
                        replayedEpoch = e;
                    }
                } catch (RuntimeException ex) {
                    log.warn("Could not replay the revocations after listening again ({}); workers read each batch's"
                            + " records until the next reconnect", ex.getMessage());
                }
            });
        }
    }

    /** Holds one connection (outside the pool) in {@code LISTEN}; reconnects when it breaks. */
    private void listen(Connection first) {
        Connection c = first;
        long backoff = 100;
        while (!closed.get()) {
            try {
                if (c == null) {
                    c = connectListening();
                    heardListening();
                    log.info("PostgreSQL at {}: listening for results again", settings.address());
                    backoff = 100;
                }
                PGConnection pg = c.unwrap(PGConnection.class);
                long lastPing = System.nanoTime();
                while (!closed.get()) {
                    PGNotification[] got = pg.getNotifications(500);
                    if (got != null && got.length > 0) {
                        List<String> payloads = new ArrayList<>(got.length);
                        for (PGNotification n : got) {
                            payloads.add(n.getParameter());
                        }
                        dispatch(() -> onNotices(payloads));
                    }
                    if (System.nanoTime() - lastPing > TimeUnit.MILLISECONDS.toNanos(PING_EVERY_MS)) {
                        try (Statement s = c.createStatement()) {
                            s.execute("select 1");
                        }
                        lastPing = System.nanoTime();
                    }
                }
            } catch (SQLException e) {
                listening = false;
                closeQuietly(c);
                c = null;
                if (closed.get()) {
                    return;
                }
                log.warn("PostgreSQL at {}: listening for results failed ({}); waiters are re-read every {} s meanwhile,"
                        + " listening again in {} ms", settings.address(), e.getMessage(), FALLBACK_RECHECK.toSeconds(), backoff);
                try {
                    Thread.sleep(backoff);
                } catch (InterruptedException ie) {
                    return;
                }
                backoff = Math.min(5_000, backoff * 2);
            }
        }
        listening = false;
        closeQuietly(c);
    }

    private static void closeQuietly(Connection c) {
        if (c != null) {
            try {
                c.close();
            } catch (SQLException ignored) {
                // it broke already
            }
        }
    }

    /** Handles a burst of notices in order; the records that did not travel inside are read in one query. */
    private void onNotices(List<String> payloads) {
        Set<String> toRead = new LinkedHashSet<>();
        Set<String> revokedToRead = new HashSet<>();
        boolean all = false;
        for (String payload : payloads) {
            ResultNotice notice;
            try {
                notice = ResultNotice.parse(payload);
            } catch (IllegalArgumentException e) {
                log.warn("Ignoring a malformed notice on {}: {}", channel, e.getMessage());
                continue;
            }
            if (notice.isAll()) {
                all = true;
                continue;
            }
            String id = notice.taskId();
            if (notice.state().isReady()) {
                updateListeners.remove(id);
                boolean revocation = notice.state() == TaskState.REVOKED && !revocationListeners.isEmpty();
                if (!revocation && !watchers.isWatched(id)) {
                    continue;   // a worker hears every final record; decoding those nobody waits for would cost it dearly
                }
                TaskRecord record = notice.record() == null ? null : decode(id, notice.state().name(), notice.record());
                if (record == null) {
                    toRead.add(id);
                    if (revocation) {
                        revokedToRead.add(id);
                    }
                    continue;
                }
                fire(record);
                if (revocation) {
                    tell(revocationListeners, record);
                }
            } else {
                Set<Consumer<TaskRecord>> listeners = updateListeners.get(id);
                if (listeners == null) {
                    continue;
                }
                TaskRecord record = notice.record() == null ? readQuietly(id) : decode(id, notice.state().name(), notice.record());
                if (record != null && !record.state().isReady()) {
                    tell(listeners, record);
                }
            }
        }
        if (all) {
            recheckAll();
        }
        if (!toRead.isEmpty()) {
            try {
                for (TaskRecord record : read(toRead).values()) {
                    if (record.state().isReady()) {
                        fire(record);
                    }
                    if (record.state() == TaskState.REVOKED && revokedToRead.contains(record.taskId())) {
                        tell(revocationListeners, record);
                    }
                }
            } catch (RuntimeException e) {
                log.warn("Could not read {} result(s) after their notices ({}); trying again within {} s", toRead.size(),
                        e.getMessage(), FALLBACK_RECHECK.toSeconds());
            }
        }
    }

    private TaskRecord readQuietly(String taskId) {
        try {
            return read(List.of(taskId)).get(taskId);
        } catch (RuntimeException e) {
            log.warn("Could not read the record of task {} after its notice: {}", taskId, e.getMessage());
            return null;
        }
    }

    private void dispatch(Runnable work) {
        try {
            callbacks.execute(work);
        } catch (RejectedExecutionException e) {
            log.debug("Result notice after close ignored");
        }
    }

    // ---------------------------------------------------------------- cleanup

    /**
     * Deletes expired rows, at most every {@code cleanup-interval} from whichever client of the schema wins the claim
     * of that interval, in transactions of {@link #CLEANUP_BATCH} rows each holding an advisory try-lock, so a sweep
     * that outlasts its interval is not joined by a second one. Expired rows are absent to reads already; this only
     * gives their space back, so tables and indexes stay the size of what is live; then it vacuums what churns.
     */
    void cleanup() {
        if (closed.get()) {
            return;
        }
        try {
            if (!claim("amdahl:cleanup", backendSettings.cleanupInterval())) {
                return;
            }
            Instant now = clock.instant();
            long deleted = 0;
            for (String table : List.of("results", "counters", "keys")) {
                deleted += sweep(table, now);
            }
            if (deleted > 0) {
                log.debug("PostgreSQL at {}: deleted {} expired row(s)", settings.address(), deleted);
            }
            vacuumWhereDead();
        } catch (RuntimeException | SQLException e) {
            if (!closed.get()) {
                log.warn("PostgreSQL at {}: deleting expired results failed ({}); trying again in {}", settings.address(),
                        e.getMessage(), backendSettings.cleanupInterval());
            }
        }
    }

    /**
     * Vacuums the tables that churn, messages and results, once they hold {@link #VACUUM_DEAD_ROWS} dead rows: at
     * thousands of tasks a second, autovacuum's nap between looks at a database (a minute by default, and one setting
     * for the whole server) is long enough for the tables to grow by hundreds of megabytes of dead rows, which the
     * vacuum after it makes reusable but does not give back. {@code SKIP_LOCKED}: when autovacuum is at it already,
     * this leaves it be. It needs to own the tables; a client that does not is warned by the server and goes on.
     */
    private void vacuumWhereDead() throws SQLException {
        List<String> dead = new ArrayList<>();
        try (Connection c = pool.getConnection();
             PreparedStatement s = c.prepareStatement("select relname from pg_stat_user_tables where schemaname = ?"
                     + " and relname in ('messages', 'results') and n_dead_tup >= ?")) {
            s.setString(1, schema);
            s.setLong(2, VACUUM_DEAD_ROWS);
            try (ResultSet r = s.executeQuery()) {
                while (r.next()) {
                    dead.add(r.getString(1));
                }
            }
            for (String table : dead) {
                try (Statement vacuum = c.createStatement()) {
                    vacuum.execute("vacuum (skip_locked) " + schema + "." + table);
                }
            }
        }
    }

    /**
     * Deletes the expired rows of {@code table} a batch at a time; returns how many. The b-tree tables give theirs
     * oldest first; {@code results}' expiry index is a block-range one (migration 3), which yields blocks, not rows in
     * order: ordered, each batch would read and sort every expired row to take the first {@link #CLEANUP_BATCH}, so
     * it takes the first it finds, stopping there.
     */
    long sweep(String table, Instant now) throws SQLException {
        long deleted = 0;
        boolean blockRanges = table.equals("results");
        String order = blockRanges ? "" : " order by expires_at";
        if (blockRanges) {
            // Block ranges written since the last summary are not summarized until a vacuum (never, for a table that
            // is only inserted into, on a server without autovacuum), and a scan reads every unsummarized block:
            // summarized first, a sweep with nothing expired reads none of the table, not all of it
            try (Connection c = pool.getConnection(); PreparedStatement s = c.prepareStatement(
                    "select brin_summarize_new_values(?::regclass)")) {
                s.setString(1, schema + ".results_expiry");
                s.execute();
            }
        }
        try (Connection c = pool.getConnection()) {
            c.setAutoCommit(false);
            try (PreparedStatement lock = c.prepareStatement("select pg_try_advisory_xact_lock(hashtext(?))");
                 PreparedStatement delete = c.prepareStatement("delete from " + schema + "." + table
                         + " where ctid = any(array(select ctid from " + schema + "." + table + " where expires_at <= ?"
                         + order + " limit " + CLEANUP_BATCH + " for update skip locked))")) {
                for (int batch = 0; batch < CLEANUP_MAX_BATCHES && !closed.get(); batch++) {
                    lock.setString(1, "amdahl cleanup " + schema);
                    try (ResultSet r = lock.executeQuery()) {
                        r.next();
                        if (!r.getBoolean(1)) {
                            c.rollback();
                            break;
                        }
                    }
                    delete.setTimestamp(1, Timestamp.from(now));
                    int n = delete.executeUpdate();
                    c.commit();
                    deleted += n;
                    if (n < CLEANUP_BATCH) {
                        break;
                    }
                }
            } catch (SQLException e) {
                c.rollback();
                throw e;
            } finally {
                c.setAutoCommit(true);
            }
        }
        return deleted;
    }

    // ---------------------------------------------------------------- closing

    /** How many task ids have watchers now (for tests and metrics). */
    public int watching() {
        return watchers.size();
    }

    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        watchers.clear();
        callbacks.shutdownNow();
        cleaner.shutdownNow();
        listener.interrupt();
        try {
            listener.join(2_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        pool.close();
    }

    private void checkOpen() {
        if (closed.get()) {
            throw new IllegalStateException("this PostgreSQL result backend client is closed");
        }
    }

    private IllegalStateException failure(String what, SQLException e) {
        return new IllegalStateException("PostgreSQL at " + settings.address() + ": " + what + " failed: " + e.getMessage(), e);
    }

    @Override
    public String toString() {
        return "PostgresResultBackend[" + settings.address() + "]";
    }
}
