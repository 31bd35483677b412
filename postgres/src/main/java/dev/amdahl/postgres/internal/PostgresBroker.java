package dev.amdahl.postgres.internal;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.amdahl.spi.Broker;
import dev.amdahl.spi.DeadLetter;
import dev.amdahl.spi.Delivery;
import dev.amdahl.spi.OutboundMessage;
import java.sql.Array;
import java.sql.Connection;
import java.sql.DriverManager;
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
import java.util.Properties;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
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

    /** A delivery's handle: its row, the token of the lease it was claimed under, and its count then. */
    private record Receipt(long id, UUID token, int deliveries) {
    }

    public PostgresBroker(PostgresSettings settings, Clock clock) {
        this.settings = settings;
        this.clock = clock;
        this.schema = settings.schema();
        this.channel = "amdahl_" + schema;
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(settings.jdbcUrl());
        if (settings.user() != null) {
            config.setUsername(settings.user());
        }
        if (settings.password() != null) {
            config.setPassword(settings.password());
        }
        config.setMaximumPoolSize(settings.pool());
        config.setMinimumIdle(1);
        config.setPoolName("amdahl-postgres");
        config.setConnectionTimeout(10_000);
        try {
            this.pool = new HikariDataSource(config);
        } catch (RuntimeException e) {
            throw new IllegalStateException("cannot connect to PostgreSQL at " + settings.address() + " (" + rootMessage(e)
                    + "): is it running, and are the URL's host, port, database, user and password right?", e);
        }
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

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t.getMessage();
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
        Timestamp now = Timestamp.from(clock.instant());
        try (Connection c = pool.getConnection()) {
            c.setAutoCommit(false);
            try (PreparedStatement insert = c.prepareStatement("insert into " + schema + ".messages"
                    + " (queue, message_id, body, priority, due_at) values (?, ?, ?, ?, ?)");
                 PreparedStatement notify = c.prepareStatement("select pg_notify(?, ?)")) {
                for (OutboundMessage m : messages) {
                    insert.setString(1, queue);
                    insert.setString(2, m.id());
                    insert.setBytes(3, m.body());
                    insert.setShort(4, (short) m.priority());
                    insert.setTimestamp(5, m.notBefore() != null && m.notBefore().isAfter(now.toInstant())
                            ? Timestamp.from(m.notBefore()) : now);
                    insert.addBatch();
                }
                insert.executeBatch();
                notify.setString(1, channel);
                notify.setString(2, queue);
                notify.execute();
                c.commit();
            } catch (SQLException e) {
                c.rollback();
                throw e;
            }
        } catch (SQLException e) {
            throw failure("publishing " + messages.size() + " message(s) to queue '" + queue + "'", e);
        }
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
     * Reclaims the lapsed leases of {@code queues} (dead-lettering those past the maximum), then claims up to
     * {@code max} ready messages, a queue at a time from a rotating start so a busy queue does not starve a quiet one.
     */
    private List<Delivery> claim(List<String> queues, int max) {
        Instant now = clock.instant();
        Timestamp at = Timestamp.from(now);
        Timestamp leaseUntil = Timestamp.from(now.plus(settings.visibilityTimeout()));
        UUID token = UUID.randomUUID();
        List<Delivery> out = new ArrayList<>();
        try (Connection c = pool.getConnection()) {
            Array names = c.createArrayOf("text", queues.toArray());
            reclaim(c, names, at);
            int start = Math.floorMod(nextQueue.getAndIncrement(), queues.size());
            for (int i = 0; i < queues.size() && out.size() < max; i++) {
                String queue = queues.get((start + i) % queues.size());
                out.addAll(claimFrom(c, queue, max - out.size(), at, leaseUntil, token));
            }
            sweepDeadLetters(c, now);
        } catch (SQLException e) {
            throw failure("polling " + queues, e);
        }
        return out;
    }

    private List<Delivery> claimFrom(Connection c, String queue, int max, Timestamp at, Timestamp leaseUntil, UUID token)
            throws SQLException {
        String sql = "with picked as (select id from " + schema + ".messages"
                + " where queue = ? and lease_until is null and due_at <= ?"
                + " order by priority desc, due_at, id limit ? for update skip locked)"
                + " update " + schema + ".messages m set deliveries = m.deliveries + 1, lease_until = ?, lease_token = ?"
                + " from picked where m.id = picked.id"
                + " returning m.id, m.message_id, m.body, m.priority, m.deliveries, m.due_at";
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
                    Receipt receipt = new Receipt(r.getLong(1), token, deliveries);
                    held.add(receipt);
                    rows.add(new Row(new Delivery(queue, r.getString(2), r.getBytes(3), r.getShort(4), deliveries, receipt,
                            deliveries > settings.maxDeliveries()), r.getTimestamp(6)));
                }
            }
        }
        // UPDATE ... RETURNING keeps no order: hand them out as the claim chose them
        rows.sort(Comparator.<Row>comparingInt(x -> -x.delivery().priority()).thenComparing(Row::due)
                .thenComparingLong(x -> ((Receipt) x.delivery().receipt()).id()));
        return rows.stream().map(Row::delivery).toList();
    }

    /** Lapsed leases of {@code queues}: ready again with their count, or dead letters once past the maximum. */
    private void reclaim(Connection c, Array queues, Timestamp at) throws SQLException {
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
            ready.executeUpdate();
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
            s.executeUpdate();
        } catch (SQLException e) {
            throw failure("acknowledging " + deliveries.size() + " message(s)", e);
        }
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

    // ---------------------------------------------------------------- wake-ups

    /** Holds one connection (outside the pool) in {@code LISTEN}; reconnects when it breaks. */
    private void listen() {
        long backoff = 100;
        while (!closed.get()) {
            Properties props = new Properties();
            if (settings.user() != null) {
                props.setProperty("user", settings.user());
            }
            if (settings.password() != null) {
                props.setProperty("password", settings.password());
            }
            try (Connection c = DriverManager.getConnection(settings.jdbcUrl(), props)) {
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
