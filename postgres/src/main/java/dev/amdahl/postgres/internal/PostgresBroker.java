package dev.amdahl.postgres.internal;

import com.zaxxer.hikari.HikariDataSource;
import dev.amdahl.spi.Broker;
import dev.amdahl.spi.DeadLetter;
import dev.amdahl.spi.Delivery;
import dev.amdahl.spi.OutboundMessage;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.sql.Array;
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
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link Broker} on PostgreSQL: one table of messages, claimed with {@code FOR UPDATE SKIP LOCKED}.
 *
 * <h2>Invariants</h2>
 * <ul>
 *   <li>A message is ready when it has no lease and its due time has come; a claim gives it a lease (until, token)
 *       and counts the delivery in the same statement, so a delivery is counted exactly when a consumer gets it.</li>
 *   <li>Every settlement names the row and the lease token: a consumer whose lease lapsed and was taken over settles
 *       nothing, and extending such a lease reports it lost.</li>
 *   <li>A lapsed lease goes back to ready (its count kept) at the next poll of its queue; one past the maximum goes to
 *       the dead letters instead, in the same statement that finds it.</li>
 *   <li>Time is the clock the broker was handed, passed to every statement, never the server's {@code now()}: leases
 *       and due times are one time line whatever the clients' and server's clocks say of each other.</li>
 *   <li>Consumers wait on {@code LISTEN}: a publish notifies in its own transaction, so a notification means
 *       committed messages. A poll also wakes at least every {@link #FALLBACK_POLL} for what no notification
 *       announces (a due time, a lapsed lease) and for notifications missed while the listener reconnected.</li>
 * </ul>
 */
public final class PostgresBroker implements Broker {

    private static final Logger log = LoggerFactory.getLogger(PostgresBroker.class);
    static final Duration FALLBACK_POLL = Duration.ofSeconds(1);
    /** How the pool's sessions run the broker's statements; see the constructor. */
    static final String SESSION_SETTINGS = "set synchronous_commit = off; set plan_cache_mode = force_custom_plan";
    /** Dead row versions of {@code messages} after which this client vacuums it; see {@link #vacuumByChurn}. */
    static final long VACUUM_CHURN = 20_000;
    static final Duration VACUUM_EVERY_AT_MOST = Duration.ofSeconds(1);
    private static final Duration DEAD_LETTER_AGE = Duration.ofDays(7);

    private final PostgresSettings settings;
    private final Clock clock;
    private final HikariDataSource pool;
    private final String schema;
    private final String channel;
    private final AtomicBoolean closed = new AtomicBoolean();
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition notified = lock.newCondition();
    /** Guarded by {@link #lock}: bumped by every notification, so a waiting poll sees one that came before it waited. */
    private long notifications;
    private final Thread listener;
    private final Set<Receipt> held = ConcurrentHashMap.newKeySet();
    private final AtomicInteger nextQueue = new AtomicInteger();
    private volatile long lastDeadLetterSweep;
    /**
     * Row versions this client has left dead in {@code messages} since it last vacuumed it (each claim updates a row,
     * each ack or dead-lettering deletes it); see {@link #vacuumByChurn}.
     */
    private final AtomicLong churn = new AtomicLong();
    private final AtomicBoolean vacuuming = new AtomicBoolean();
    private volatile long lastVacuum = System.nanoTime();
    /** System.nanoTime() of this client's last reclaim of lapsed leases, by the queues polled; see {@link #claim}. */
    private final ConcurrentHashMap<List<String>, Long> lastReclaim = new ConcurrentHashMap<>();

    /**
     * The results table whose records the claims read with their messages ({@link PostgresResultBackend}'s
     * read-ahead), or null while none asked: set once, by {@link #readRecordsFrom}, and kept for this client's life.
     */
    private final AtomicReference<String> readsFrom = new AtomicReference<>();

    /**
     * A delivery's handle: its row, the token of the lease it was claimed under, its count then, and the read of its
     * task's record that its claim made, or null where the claim read none.
     */
    record Receipt(long id, UUID token, int deliveries, Read read) {
    }

    /**
     * A claim's read of a results table's row by the message's id: the row's state, bytes and expiry as the claiming
     * statement saw them, all null where it found no row. Raw, for the backend to decode and to judge the expiry by
     * its own clock, as its reads do.
     */
    record Read(String table, String state, byte[] record, Instant expiresAt) {
    }

    public PostgresBroker(PostgresSettings settings, Clock clock) {
        this.settings = settings;
        this.clock = clock;
        this.schema = settings.schema();
        this.channel = "amdahl_" + schema;
        // Claims, acknowledgements and lease extensions commit without waiting for the WAL flush: a crash that loses
        // one loses the suffix of the WAL after it, so a lost ack was not followed by anything that depends on it,
        // and the message runs again (at least once, as after any crash); a lost claim leaves the message ready.
        // Publishes, which must not be lost once they return, turn it back on for their own transaction.
        // Statements are planned for the table as it is at each run: a plan cached while the table was a page or two
        // (a fresh schema, a server without autovacuum's ANALYZE) scans it whole when it has grown.
        this.pool = Connections.pool(settings, "amdahl-postgres", SESSION_SETTINGS);
        try (Connection c = pool.getConnection()) {
            Migrations.run(c, schema);
        } catch (SQLException e) {
            pool.close();
            throw failure("preparing schema " + schema, e);
        }
        this.listener = new Thread(this::listen, "amdahl-postgres-listen");
        listener.setDaemon(true);
        listener.start();
    }

    private IllegalStateException failure(String what, SQLException e) {
        return new IllegalStateException("PostgreSQL at " + settings.address() + ": " + what + " failed: " + e.getMessage(), e);
    }

    // ---------------------------------------------------------------- publishing

    @Override
    public void publish(String queue, OutboundMessage message) {
        publishAll(queue, List.of(message));
    }

    @Override
    public void publishAll(String queue, List<OutboundMessage> messages) {
        checkOpen();
        // the pool's connections are in autocommit: the one statement of insert is its own transaction
        try (Connection c = pool.getConnection()) {
            insert(c, queue, messages);
        } catch (SQLException e) {
            throw failure("publishing " + messages.size() + " message(s) to queue '" + queue + "'", e);
        }
    }

    /**
     * Inserts {@code messages} and notifies the listeners, in {@code c}'s transaction, which the caller ends: the rows
     * and the notification become visible together when it commits, and neither ever does if it rolls back.
     */
    public void insert(Connection c, String queue, List<OutboundMessage> messages) throws SQLException {
        Instant now = clock.instant();
        int n = messages.size();
        String[] ids = new String[n];
        byte[][] bodies = new byte[n][];
        Short[] priorities = new Short[n];
        Timestamp[] due = new Timestamp[n];
        for (int i = 0; i < n; i++) {
            OutboundMessage m = messages.get(i);
            ids[i] = m.id();
            bodies[i] = m.body();
            priorities[i] = (short) m.priority();
            due[i] = Timestamp.from(m.notBefore() != null && m.notBefore().isAfter(now) ? m.notBefore() : now);
        }
        // One statement, so one round trip: the rows, the notification, and the commit's durability. A transaction
        // that enqueues commits only once its WAL is flushed, whatever its session says (the pool's sessions commit
        // without waiting, see the constructor): set_config(..., true) holds to the end of the transaction, where the
        // commit reads it. The rows come in the arrays' order (WITH ORDINALITY), so ids rise as the list goes.
        try (PreparedStatement s = c.prepareStatement("with durable as (select set_config('synchronous_commit', 'on', true)),"
                + " inserted as (insert into " + schema + ".messages (queue, message_id, body, priority, due_at)"
                + " select ?, m.id, m.body, m.priority, m.due from unnest(?::text[], ?::bytea[], ?::smallint[],"
                + " ?::timestamptz[]) with ordinality as m(id, body, priority, due, n) order by m.n)"
                + " select pg_notify(?, ?) from durable")) {
            s.setString(1, queue);
            s.setArray(2, c.createArrayOf("text", ids));
            s.setArray(3, c.createArrayOf("bytea", bodies));
            s.setArray(4, c.createArrayOf("int2", priorities));
            s.setArray(5, c.createArrayOf("timestamptz", due));
            s.setString(6, channel);
            s.setString(7, queue);
            s.execute();
        }
    }

    /**
     * A connection of this client's pool, for the caller to close. Its session commits durably, as the server is
     * configured, not as the pool's own statements do: the caller's own writes go through it.
     */
    public Connection connection() throws SQLException {
        checkOpen();
        Connection c = pool.getConnection();
        try (Statement s = c.createStatement()) {
            s.execute("set synchronous_commit to default; set plan_cache_mode to default");
        } catch (SQLException e) {
            c.close();
            throw e;
        }
        // back in the pool, the session commits without waiting again, as the pool's statements expect
        return (Connection) Proxy.newProxyInstance(Connection.class.getClassLoader(), new Class<?>[] {Connection.class},
                (proxy, method, args) -> {
                    if (method.getName().equals("close") && method.getParameterCount() == 0 && !c.isClosed()) {
                        try (Statement s = c.createStatement()) {
                            if (!c.getAutoCommit()) {
                                c.rollback();
                            }
                            s.execute(SESSION_SETTINGS);
                        } catch (SQLException e) {
                            log.debug("could not reset a connection given back to the pool", e);
                        }
                    }
                    try {
                        return method.invoke(c, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
    }

    /** Whether this client was closed. */
    public boolean isClosed() {
        return closed.get();
    }

    /** Where this client's tables are. */
    public String schema() {
        return schema;
    }

    /** Where this client connects, without credentials: for messages. */
    public String address() {
        return settings.address();
    }

    // ---------------------------------------------------------------- consuming

    @Override
    public List<Delivery> poll(List<String> queues, int max, Duration timeout) throws InterruptedException {
        if (max < 1) {
            throw new IllegalArgumentException("max must be at least 1, was " + max);
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!closed.get()) {
            long seen;
            lock.lock();
            try {
                seen = notifications;
            } finally {
                lock.unlock();
            }
            List<Delivery> got = claim(queues, max);
            if (!got.isEmpty()) {
                return got;
            }
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                break;
            }
            lock.lockInterruptibly();
            try {
                if (notifications == seen) {
                    notified.awaitNanos(Math.min(left, FALLBACK_POLL.toNanos()));
                }
            } finally {
                lock.unlock();
            }
        }
        return List.of();
    }

    /**
     * Claims up to {@code max} ready messages, a queue at a time from a rotating start so a busy queue does not
     * starve a quiet one. Lapsed leases of {@code queues} are reclaimed first (dead-lettering those past the
     * maximum) at most once per {@link #FALLBACK_POLL} while there is ready work, and whenever there is none: a busy
     * worker's polls then cost one statement per queue, and a lapsed lease waits at most that long behind work that
     * was ready anyway.
     */
    private List<Delivery> claim(List<String> queues, int max) {
        Instant now = clock.instant();
        Timestamp at = Timestamp.from(now);
        Timestamp leaseUntil = Timestamp.from(now.plus(settings.visibilityTimeout()));
        UUID token = UUID.randomUUID();
        List<Delivery> out = new ArrayList<>();
        try (Connection c = pool.getConnection()) {
            Long last = lastReclaim.get(queues);
            boolean reclaimed = false;
            if (last == null || System.nanoTime() - last >= FALLBACK_POLL.toNanos()) {
                reclaim(c, queues, at);
                reclaimed = true;
            }
            claimInto(out, c, queues, max, at, leaseUntil, token);
            if (out.isEmpty() && !reclaimed && reclaim(c, queues, at) > 0) {
                claimInto(out, c, queues, max, at, leaseUntil, token);
            }
            sweepDeadLetters(c, now);
        } catch (SQLException e) {
            throw failure("polling " + queues, e);
        }
        return out;
    }

    private void claimInto(List<Delivery> out, Connection c, List<String> queues, int max, Timestamp at,
                           Timestamp leaseUntil, UUID token) throws SQLException {
        int start = Math.floorMod(nextQueue.getAndIncrement(), queues.size());
        for (int i = 0; i < queues.size() && out.size() < max; i++) {
            String queue = queues.get((start + i) % queues.size());
            out.addAll(claimFrom(c, queue, max - out.size(), at, leaseUntil, token));
        }
    }

    private List<Delivery> claimFrom(Connection c, String queue, int max, Timestamp at, Timestamp leaseUntil, UUID token)
            throws SQLException {
        String results = readsFrom.get();
        String pick = "with picked as (select id from " + schema + ".messages"
                + " where queue = ? and lease_until is null and due_at <= ?"
                + " order by priority desc, due_at, id limit ? for update skip locked)";
        String update = "update " + schema + ".messages m set deliveries = m.deliveries + 1, lease_until = ?,"
                + " lease_token = ? from picked where m.id = picked.id"
                + " returning m.id, m.message_id, m.body, m.priority, m.deliveries, m.due_at";
        // Read ahead, the record read rides in the claim: a primary-key probe of the results table per claimed row,
        // in the statement's snapshot, which holds every record committed before the message became ready for this
        // claim (a row the snapshot does not show ready is not picked). The expiry goes back raw: the backend judges it.
        String sql = results == null ? pick + " " + update
                : pick + ", claimed as (" + update + ") select c.*, r.state, r.record, r.expires_at from claimed c"
                + " left join " + results + " r on r.task_id = c.message_id";
        record Row(Delivery delivery, Timestamp due) {
        }
        List<Row> rows = new ArrayList<>();
        try (PreparedStatement s = c.prepareStatement(sql)) {
            s.setString(1, queue);
            s.setTimestamp(2, at);
            s.setInt(3, max);
            s.setTimestamp(4, leaseUntil);
            s.setObject(5, token);
            try (ResultSet r = s.executeQuery()) {
                while (r.next()) {
                    int deliveries = r.getInt(5);
                    Read read = null;
                    if (results != null) {
                        Timestamp expires = r.getTimestamp(9);
                        read = new Read(results, r.getString(7), r.getBytes(8), expires == null ? null : expires.toInstant());
                    }
                    Receipt receipt = new Receipt(r.getLong(1), token, deliveries, read);
                    held.add(receipt);
                    rows.add(new Row(new Delivery(queue, r.getString(2), r.getBytes(3), r.getShort(4), deliveries, receipt,
                            deliveries > settings.maxDeliveries()), r.getTimestamp(6)));
                }
            }
        }
        churned(rows.size());
        // UPDATE ... RETURNING keeps no order: hand them out as the claim chose them
        rows.sort(Comparator.<Row>comparingInt(x -> -x.delivery().priority()).thenComparing(Row::due)
                .thenComparingLong(x -> ((Receipt) x.delivery().receipt()).id()));
        return rows.stream().map(Row::delivery).toList();
    }

    /**
     * Lapsed leases of {@code queues}: ready again with their count, or dead letters once past the maximum.
     *
     * @return how many became ready again
     */
    private int reclaim(Connection c, List<String> queueNames, Timestamp at) throws SQLException {
        lastReclaim.put(List.copyOf(queueNames), System.nanoTime());
        Array queues = c.createArrayOf("text", queueNames.toArray());
        // Nearly always nothing has lapsed, and the two statements below, planned on a table without statistics (no
        // ANALYZE: autovacuum may be off), read all of it, dead rows too: a poll that found nothing (every round trip
        // of a lone task) paid two sequential scans. This probe walks the lapsed-lease index from its start and stops
        // at the first lapsed row of these queues (ORDER BY its key, LIMIT 1: the plan takes the index).
        try (PreparedStatement probe = c.prepareStatement("select 1 from " + schema + ".messages"
                + " where lease_until < ? and queue = any(?) order by lease_until limit 1")) {
            probe.setTimestamp(1, at);
            probe.setArray(2, queues);
            try (ResultSet r = probe.executeQuery()) {
                if (!r.next()) {
                    return 0;
                }
            }
        }
        try (PreparedStatement dead = c.prepareStatement("with gone as (delete from " + schema + ".messages"
                + " where lease_until < ? and queue = any(?) and deliveries > ? returning queue, message_id, body, deliveries)"
                + " insert into " + schema + ".dead_letters (queue, message_id, body, reason, rejected_at)"
                + " select queue, message_id, body, 'delivered ' || deliveries || ' times without an acknowledgement, more"
                + " than max-deliveries=" + settings.maxDeliveries() + ": its consumers died, hung or gave it back', ?"
                + " from gone");
             PreparedStatement ready = c.prepareStatement("update " + schema + ".messages set lease_until = null,"
                     + " lease_token = null where lease_until < ? and queue = any(?)")) {
            dead.setTimestamp(1, at);
            dead.setArray(2, queues);
            dead.setInt(3, settings.maxDeliveries());
            dead.setTimestamp(4, at);
            dead.executeUpdate();
            ready.setTimestamp(1, at);
            ready.setArray(2, queues);
            return ready.executeUpdate();
        }
    }

    /** Dead letters older than a week go, at most once a minute, so the table does not grow without bound. */
    private void sweepDeadLetters(Connection c, Instant now) throws SQLException {
        long nowNanos = System.nanoTime();
        if (nowNanos - lastDeadLetterSweep < TimeUnit.MINUTES.toNanos(1) && lastDeadLetterSweep != 0) {
            return;
        }
        lastDeadLetterSweep = nowNanos;
        try (PreparedStatement s = c.prepareStatement("delete from " + schema + ".dead_letters where rejected_at < ?")) {
            s.setTimestamp(1, Timestamp.from(now.minus(DEAD_LETTER_AGE)));
            s.executeUpdate();
        }
    }

    private Receipt settling(Delivery delivery) {
        if (!(delivery.receipt() instanceof Receipt r) || !held.remove(r)) {
            throw new IllegalStateException(delivery + " was settled already, or is not a delivery of this broker");
        }
        return r;
    }

    @Override
    public void ack(Delivery delivery) {
        ackAll(List.of(delivery));
    }

    @Override
    public void ackAll(List<Delivery> deliveries) {
        List<Receipt> receipts = new ArrayList<>(deliveries.size());
        for (Delivery d : deliveries) {
            receipts.add(settling(d));
        }
        try (Connection c = pool.getConnection();
             PreparedStatement s = c.prepareStatement("delete from " + schema + ".messages m using unnest(?::bigint[],"
                     + " ?::uuid[]) as r(id, token) where m.id = r.id and m.lease_token = r.token")) {
            s.setArray(1, c.createArrayOf("bigint", receipts.stream().map(Receipt::id).toArray()));
            s.setArray(2, c.createArrayOf("uuid", receipts.stream().map(Receipt::token).toArray()));
            churned(s.executeUpdate());
        } catch (SQLException e) {
            throw failure("acknowledging " + deliveries.size() + " message(s)", e);
        }
    }

    /**
     * Whether a client of {@code other} reaches this broker's tables in the same database as the same user, so a
     * statement of its own can acknowledge this broker's deliveries ({@link PostgresResultBackend}'s store).
     */
    boolean sharesDatabaseWith(PostgresSettings other) {
        return !closed.get() && settings.jdbcUrl().equals(other.jdbcUrl()) && java.util.Objects.equals(settings.user(), other.user());
    }

    /**
     * From now on, every claim of this client reads the row of each claimed message's task in {@code resultsTable}
     * (a {@link PostgresResultBackend}'s, of a client of {@code backend}) and hands it out in the delivery's receipt.
     * True when the claims read that table from now on: the first table asked for, of a database this broker
     * {@linkplain #sharesDatabaseWith shares}, is the one kept; a second is refused.
     */
    boolean readRecordsFrom(String resultsTable, PostgresSettings backend) {
        if (resultsTable.equals(readsFrom.get())) {
            return true;
        }
        return sharesDatabaseWith(backend) && (readsFrom.compareAndSet(null, resultsTable) || resultsTable.equals(readsFrom.get()));
    }

    /** The table a statement acknowledging this broker's deliveries deletes from. */
    String messagesTable() {
        return schema + ".messages";
    }

    /**
     * The receipts of {@code deliveries}, settled from here on as by {@link #ackAll}, for another client's statement
     * to acknowledge: {@code delete from messagesTable() ... where id and lease_token match}, as the ack does. If that
     * statement fails, {@link #unsettled} holds them again, so their consumer can still give them back.
     */
    List<Receipt> settlingAll(List<Delivery> deliveries) {
        List<Receipt> receipts = new ArrayList<>(deliveries.size());
        try {
            for (Delivery d : deliveries) {
                receipts.add(settling(d));
            }
        } catch (RuntimeException e) {
            held.addAll(receipts);
            throw e;
        }
        return receipts;
    }

    /** The acknowledging statement of {@link #settlingAll} failed: the receipts are held again. */
    void unsettled(List<Receipt> receipts) {
        held.addAll(receipts);
    }

    /** Another client's statement deleted {@code rows} of this broker's messages; see {@link #churned}. */
    void acknowledged(int rows) {
        churned(rows);
    }

    @Override
    public void requeue(Delivery delivery) {
        giveBack(settling(delivery));
    }

    /** Back to ready, counted already by its claim; the exhausted delivery becomes a dead letter instead. */
    private void giveBack(Receipt r) {
        if (r.deliveries() > settings.maxDeliveries()) {
            deadLetter(r, "delivered " + r.deliveries() + " times without an acknowledgement, more than"
                    + " max-deliveries=" + settings.maxDeliveries() + ": it was given back every time");
            return;
        }
        try (Connection c = pool.getConnection();
             PreparedStatement s = c.prepareStatement("update " + schema + ".messages set lease_until = null,"
                     + " lease_token = null where id = ? and lease_token = ?")) {
            s.setLong(1, r.id());
            s.setObject(2, r.token());
            s.executeUpdate();
        } catch (SQLException e) {
            throw failure("giving a message back", e);
        }
        wake();
    }

    @Override
    public void reject(Delivery delivery, String reason) {
        deadLetter(settling(delivery), reason);
    }

    private void deadLetter(Receipt r, String reason) {
        try (Connection c = pool.getConnection();
             PreparedStatement s = c.prepareStatement("with gone as (delete from " + schema + ".messages"
                     + " where id = ? and lease_token = ? returning queue, message_id, body)"
                     + " insert into " + schema + ".dead_letters (queue, message_id, body, reason, rejected_at)"
                     + " select queue, message_id, body, ?, ? from gone")) {
            s.setLong(1, r.id());
            s.setObject(2, r.token());
            s.setString(3, reason);
            s.setTimestamp(4, Timestamp.from(clock.instant()));
            s.executeUpdate();
        } catch (SQLException e) {
            throw failure("dead-lettering a message", e);
        }
    }

    @Override
    public boolean extendLease(Delivery delivery) {
        if (!(delivery.receipt() instanceof Receipt r) || !held.contains(r)) {
            return false;
        }
        try (Connection c = pool.getConnection();
             PreparedStatement s = c.prepareStatement("update " + schema + ".messages set lease_until = ?"
                     + " where id = ? and lease_token = ?")) {
            s.setTimestamp(1, Timestamp.from(clock.instant().plus(settings.visibilityTimeout())));
            s.setLong(2, r.id());
            s.setObject(3, r.token());
            return s.executeUpdate() == 1;
        } catch (SQLException e) {
            throw failure("extending a lease", e);
        }
    }

    @Override
    public Optional<Duration> visibilityTimeout() {
        return Optional.of(settings.visibilityTimeout());
    }

    /**
     * Every claim leaves a dead row version behind and every ack another, and until a vacuum makes them reusable the
     * claim's index scan walks past them: with tens of thousands dead, a claim took some 200 ms instead of one
     * (bench/postgres-vs-peers, on a server without autovacuum; autovacuum looks at a database once a minute at best).
     * So a client that has left {@link #VACUUM_CHURN} dead versions vacuums the table itself, at most once a
     * {@link #VACUUM_EVERY_AT_MOST}, on a thread of its own so that no poll waits for it; {@code SKIP_LOCKED} lets a
     * vacuum another client runs already make this one a no-op.
     */
    private void churned(int rows) {
        if (churn.addAndGet(rows) < VACUUM_CHURN || System.nanoTime() - lastVacuum < VACUUM_EVERY_AT_MOST.toNanos()
                || !vacuuming.compareAndSet(false, true)) {
            return;
        }
        churn.set(0);
        lastVacuum = System.nanoTime();
        Thread vacuum = new Thread(this::vacuumByChurn, "amdahl-postgres-vacuum");
        vacuum.setDaemon(true);
        vacuum.start();
    }

    private void vacuumByChurn() {
        try (Connection c = pool.getConnection(); Statement s = c.createStatement()) {
            s.execute("vacuum (skip_locked) " + schema + ".messages");
        } catch (SQLException e) {
            if (!closed.get()) {
                log.debug("PostgreSQL at {}: vacuuming {}.messages failed ({}); autovacuum or the next try will",
                        settings.address(), schema, e.getMessage());
            }
        } finally {
            vacuuming.set(false);
        }
    }

    // ---------------------------------------------------------------- wake-ups

    /** Holds one connection (outside the pool) in {@code LISTEN}; reconnects when it breaks. */
    private void listen() {
        long backoff = 100;
        while (!closed.get()) {
            try (Connection c = Connections.direct(settings)) {
                try (Statement s = c.createStatement()) {
                    s.execute("listen " + channel);
                }
                wake();  // what was published while this did not listen
                backoff = 100;
                PGConnection pg = c.unwrap(PGConnection.class);
                while (!closed.get()) {
                    PGNotification[] got = pg.getNotifications(500);
                    if (got != null && got.length > 0) {
                        wake();
                    }
                }
            } catch (SQLException e) {
                if (closed.get()) {
                    return;
                }
                log.warn("PostgreSQL at {}: listening for new messages failed ({}); polling every {} ms meanwhile,"
                        + " listening again in {} ms", settings.address(), e.getMessage(), FALLBACK_POLL.toMillis(), backoff);
                try {
                    Thread.sleep(backoff);
                } catch (InterruptedException ie) {
                    return;
                }
                backoff = Math.min(5_000, backoff * 2);
            }
        }
    }

    private void wake() {
        lock.lock();
        try {
            notifications++;
            notified.signalAll();
        } finally {
            lock.unlock();
        }
    }

    // ---------------------------------------------------------------- inspection

    @Override
    public long depth(String queue) {
        try (Connection c = pool.getConnection();
             PreparedStatement s = c.prepareStatement("select count(*) from " + schema + ".messages"
                     + " where queue = ? and lease_until is null and due_at <= ?")) {
            s.setString(1, queue);
            s.setTimestamp(2, Timestamp.from(clock.instant()));
            try (ResultSet r = s.executeQuery()) {
                r.next();
                return r.getLong(1);
            }
        } catch (SQLException e) {
            throw failure("counting queue '" + queue + "'", e);
        }
    }

    @Override
    public long purge(String queue) {
        try (Connection c = pool.getConnection();
             PreparedStatement s = c.prepareStatement("delete from " + schema + ".messages where queue = ? and lease_until is null")) {
            s.setString(1, queue);
            return s.executeUpdate();
        } catch (SQLException e) {
            throw failure("purging queue '" + queue + "'", e);
        }
    }

    @Override
    public List<DeadLetter> deadLetters(String queue, int max) {
        try (Connection c = pool.getConnection();
             PreparedStatement s = c.prepareStatement("select message_id, body, reason, rejected_at from " + schema
                     + ".dead_letters where queue = ? order by id limit ?")) {
            s.setString(1, queue);
            s.setInt(2, max);
            List<DeadLetter> out = new ArrayList<>();
            try (ResultSet r = s.executeQuery()) {
                while (r.next()) {
                    out.add(new DeadLetter(queue, r.getString(1), r.getBytes(2), r.getString(3), r.getTimestamp(4).toInstant()));
                }
            }
            return out;
        } catch (SQLException e) {
            throw failure("reading the dead letters of queue '" + queue + "'", e);
        }
    }

    /** The delete and the insert are one transaction, and the delete's row locks make a second caller find nothing. */
    @Override
    public int requeueDeadLetter(String queue, String messageId) {
        checkOpen();
        try (Connection c = pool.getConnection()) {
            c.setAutoCommit(false);
            try {
                List<OutboundMessage> again = new ArrayList<>();
                try (PreparedStatement s = c.prepareStatement("delete from " + schema + ".dead_letters"
                        + " where queue = ? and message_id = ? returning body")) {
                    s.setString(1, queue);
                    s.setString(2, messageId);
                    try (ResultSet r = s.executeQuery()) {
                        while (r.next()) {
                            again.add(OutboundMessage.of(messageId, r.getBytes(1)));
                        }
                    }
                }
                if (!again.isEmpty()) {
                    insert(c, queue, again);
                }
                c.commit();
                return again.size();
            } catch (SQLException e) {
                c.rollback();
                throw e;
            }
        } catch (SQLException e) {
            throw failure("requeueing the dead letter " + messageId + " of queue '" + queue + "'", e);
        }
    }

    @Override
    public int dropDeadLetter(String queue, String messageId) {
        checkOpen();
        try (Connection c = pool.getConnection();
             PreparedStatement s = c.prepareStatement("delete from " + schema + ".dead_letters where queue = ? and message_id = ?")) {
            s.setString(1, queue);
            s.setString(2, messageId);
            return s.executeUpdate();
        } catch (SQLException e) {
            throw failure("dropping the dead letter " + messageId + " of queue '" + queue + "'", e);
        }
    }

    // ---------------------------------------------------------------- closing

    private void checkOpen() {
        if (closed.get()) {
            throw new IllegalStateException("this PostgreSQL broker client is closed");
        }
    }

    /** Gives back what this client holds (each counted: its consumer had it), then closes the pool. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        wake();
        try {
            for (Receipt r : List.copyOf(held)) {
                if (held.remove(r)) {
                    giveBack(r);
                }
            }
        } catch (RuntimeException e) {
            log.warn("closing the PostgreSQL broker client: giving back what it held failed ({}); its leases run out"
                    + " instead", e.toString());
        } finally {
            listener.interrupt();
            pool.close();
        }
    }

    @Override
    public String toString() {
        return "PostgresBroker[" + settings.address() + "]";
    }
}
