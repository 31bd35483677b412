package dev.amdahl.postgres;

import dev.amdahl.Amdahl;
import dev.amdahl.postgres.internal.PostgresBroker;
import dev.amdahl.postgres.internal.RollbackWatch;
import dev.amdahl.postgres.internal.TransactionalPublisher;
import dev.amdahl.spi.PublishRedirect;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Clock;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicReference;
import javax.sql.DataSource;

/**
 * Transactional enqueue: tasks submitted inside a database transaction are enqueued by that transaction, so they run
 * if it commits and never if it rolls back. The application's broker must be PostgreSQL, the same database as the
 * transaction's. The example below is the one {@code PostgresTransactionalEnqueueIT} runs.
 *
 * <pre>{@code
 * PostgresTransactions transactions = PostgresTransactions.of(app);      // one per application
 *
 * // a transaction this opens on a connection of the broker's pool: committed when the work returns,
 * // rolled back when it throws
 * long orderId = transactions.inTransaction(connection -> {
 *     long id = insertOrder(connection, order);
 *     sendConfirmation.submit(id);                 // enqueued by this transaction
 *     return id;
 * });
 *
 * // or on the caller's own connection, in the caller's transaction, which the caller ends
 * connection.setAutoCommit(false);
 * transactions.enqueueIn(connection, c -> sendConfirmation.submit(orderId));
 * connection.commit();                             // now it runs; after a rollback it never would
 * }</pre>
 *
 * <h2>What is inside the transaction</h2>
 * Every submission made on the calling thread while the work runs, to this application: {@code Task.submit},
 * {@code Task.map}, {@code Signature.submit} (chains), groups and chords. Their messages are rows written on the
 * transaction's connection, with the notification that wakes the workers, which PostgreSQL delivers only on commit.
 * Not inside: submissions from other threads (they are enqueued at once, as always), and whatever the workers
 * publish later (the next steps of a chain, a chord's callback), which happens only after a committed task ran.
 *
 * <h2>What is outside, and why it is harmless</h2>
 * A submission also registers its future with the result backend, which is not the transaction's (it may be Redis).
 * That watch costs nothing if the task never runs. A chord's counter is created by its first finished member, so a
 * chord rolled back leaves none. An idempotency key would stay claimed by a task that never ran, so a submission with
 * one is refused inside: the transaction is what makes the work happen once (guard it with a unique constraint of
 * your own).
 *
 * <h2>The futures after a rollback</h2>
 * They complete as cancelled ({@link java.util.concurrent.CancellationException}, the task's record REVOKED with
 * {@link dev.amdahl.ErrorType#ROLLED_BACK}): at once when {@link #inTransaction} rolls back, and within about a second
 * when the caller rolls back its own connection, which this notices by asking the server for the transaction's
 * status ({@code pg_xact_status}) while it is open. A rolled-back savepoint is not noticed: a task submitted after
 * {@code setSavepoint} and discarded by {@code rollback(savepoint)} while the transaction commits never runs, and its
 * future never completes.
 */
public final class PostgresTransactions {

    /**
     * What runs inside the transaction, given its connection.
     *
     * @param <T> what it returns
     * @param <E> what it may throw (a lambda that throws nothing checked makes this {@link RuntimeException})
     */
    @FunctionalInterface
    public interface Work<T, E extends Exception> {
        T run(Connection connection) throws E;
    }

    private final PostgresBroker broker;
    private final RollbackWatch rollbacks;
    private final AtomicReference<String> brokerServer = new AtomicReference<>();

    private PostgresTransactions(PostgresBroker broker, RollbackWatch rollbacks) {
        this.broker = broker;
        this.rollbacks = rollbacks;
    }

    /**
     * Transactional enqueue for {@code app}, whose broker must be PostgreSQL. Keep one per application: it holds a
     * thread that watches open transactions for a rollback, while there are any.
     *
     * @throws IllegalArgumentException when the application's broker is not a PostgreSQL broker
     */
    public static PostgresTransactions of(Amdahl app) {
        Objects.requireNonNull(app, "app");
        if (!(app.broker() instanceof PostgresBroker broker)) {
            throw new IllegalArgumentException("transactional enqueue writes tasks into a PostgreSQL transaction, so the"
                    + " application's broker must be PostgreSQL, but it is " + app.broker() + ": build the application with"
                    + " Amdahl.builder().broker(\"postgres://user@host/database\") on the database of your transactions");
        }
        return new PostgresTransactions(broker, new RollbackWatch(broker, app.resultBackend(), Clock.systemUTC()));
    }

    /**
     * Runs {@code work} in the caller's transaction on {@code connection}: the tasks it submits on this thread are
     * enqueued when the caller commits that transaction, and never if it rolls back. The caller ends the transaction.
     *
     * @param connection a connection to the broker's database, with autocommit off
     * @return what {@code work} returned
     * @throws IllegalStateException when the connection has autocommit on, is not PostgreSQL, or reaches another
     *                               database than the broker's (the submission that finds it fails)
     */
    public <T, E extends Exception> T enqueueIn(Connection connection, Work<T, E> work) throws E, SQLException {
        Objects.requireNonNull(connection, "connection");
        Objects.requireNonNull(work, "work");
        if (!connection.isWrapperFor(org.postgresql.PGConnection.class)) {
            throw new IllegalStateException("the connection given for a transactional enqueue is not a PostgreSQL"
                    + " connection (" + connection.getClass().getName() + "): give one to the broker's database, "
                    + broker.address());
        }
        if (connection.getAutoCommit()) {
            throw new IllegalStateException("the connection given for a transactional enqueue has autocommit on, so every"
                    + " submission would be committed at once, whatever happens to the rest of the work: call"
                    + " connection.setAutoCommit(false) before and connection.commit() after, or let"
                    + " PostgresTransactions open the transaction with inTransaction(...)");
        }
        TransactionalPublisher publisher = new TransactionalPublisher(broker, brokerServer, connection);
        try {
            return run(publisher, connection, work);
        } finally {
            if (publisher.transactionId() != null) {
                rollbacks.watch(publisher.transactionId(), publisher.submitted());
            }
        }
    }

    /**
     * Runs {@code work} in a transaction of its own on a connection of the broker's pool: committed when it returns,
     * rolled back when it throws (and what it threw is thrown). The tasks it submits on this thread are enqueued by
     * that transaction. The connection is one of the pool's few (the URL's {@code pool} option): keep the work short.
     */
    public <T, E extends Exception> T inTransaction(Work<T, E> work) throws E, SQLException {
        try (Connection connection = broker.connection()) {
            return inTransaction(connection, work);
        }
    }

    /**
     * Runs {@code work} in a transaction of its own on a connection from {@code dataSource} (the application's pool), as
     * {@link #inTransaction(Work)} does. The data source must reach the broker's database.
     */
    public <T, E extends Exception> T inTransaction(DataSource dataSource, Work<T, E> work) throws E, SQLException {
        Objects.requireNonNull(dataSource, "dataSource");
        try (Connection connection = dataSource.getConnection()) {
            return inTransaction(connection, work);
        }
    }

    private <T, E extends Exception> T inTransaction(Connection connection, Work<T, E> work) throws E, SQLException {
        Objects.requireNonNull(work, "work");
        boolean autoCommit = connection.getAutoCommit();
        connection.setAutoCommit(false);
        TransactionalPublisher publisher = new TransactionalPublisher(broker, brokerServer, connection);
        try {
            T value;
            try {
                value = run(publisher, connection, work);
            } catch (Exception | Error e) {
                rollBack(connection, e);
                try {
                    rollbacks.rolledBack(publisher.submitted());
                } catch (RuntimeException failed) {
                    e.addSuppressed(failed);
                }
                throw e;
            }
            try {
                connection.commit();
            } catch (SQLException e) {
                // the commit may have happened before the connection broke: the server's word decides
                rollBack(connection, e);
                if (publisher.transactionId() != null) {
                    rollbacks.watch(publisher.transactionId(), publisher.submitted());
                }
                throw e;
            }
            return value;
        } finally {
            try {
                connection.setAutoCommit(autoCommit);
            } catch (SQLException ignored) {
                // a broken connection: the pool discards it
            }
        }
    }

    private static void rollBack(Connection connection, Throwable cause) {
        try {
            connection.rollback();
        } catch (SQLException e) {
            cause.addSuppressed(e);
        }
    }

    private <T, E extends Exception> T run(TransactionalPublisher publisher, Connection connection, Work<T, E> work)
            throws E {
        try {
            return PublishRedirect.call(broker, publisher, () -> work.run(connection));
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            // PublishRedirect.call throws only what the work threw, and the work throws only E or unchecked
            @SuppressWarnings("unchecked")
            E checked = (E) e;
            throw checked;
        }
    }
}
