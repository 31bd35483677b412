package dev.amdahl.postgres.internal;

import dev.amdahl.spi.OutboundMessage;
import dev.amdahl.spi.PublishRedirect;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Publishes the submissions of one transactional scope into the caller's connection, without committing: the broker's
 * insert and notify, in the caller's transaction. Used by one thread, for one scope.
 *
 * <p>Before its first insert it checks that the connection reaches the broker's tables (the same server, the same
 * database, the schema there): an insert into a look-alike schema elsewhere would hand the task to other workers or
 * to none. In the same round trip it learns the transaction's id, by which {@link RollbackWatch} later asks whether
 * the transaction committed.
 */
public final class TransactionalPublisher implements PublishRedirect.Publisher {

    private final PostgresBroker broker;
    private final AtomicReference<String> brokerServer;
    private final Connection connection;
    private final List<String> submitted = new ArrayList<>();
    /** The caller's transaction, once something was inserted into it; {@code null} before. */
    private String transactionId;

    /**
     * @param brokerServer the broker's server as last seen from its pool, shared by the scopes of one application and
     *                     looked up again when a connection disagrees (the server restarted since)
     */
    public TransactionalPublisher(PostgresBroker broker, AtomicReference<String> brokerServer, Connection connection) {
        this.broker = broker;
        this.brokerServer = brokerServer;
        this.connection = connection;
    }

    @Override
    public void publishAll(String queue, List<OutboundMessage> messages) {
        try {
            if (transactionId == null) {
                transactionId = checkConnection();
            }
            broker.insert(connection, queue, messages);
        } catch (SQLException e) {
            throw new IllegalStateException("PostgreSQL at " + broker.address() + ": enqueueing " + messages.size()
                    + " message(s) to queue '" + queue + "' in the caller's transaction failed: " + e.getMessage(), e);
        }
    }

    @Override
    public void submitted(String taskId) {
        submitted.add(taskId);
    }

    /** The ids of the futures the scope's submissions returned. */
    public List<String> submitted() {
        return List.copyOf(submitted);
    }

    /** The id of the caller's transaction if the scope inserted into it, else {@code null} (nothing to watch). */
    public String transactionId() {
        return transactionId;
    }

    /** The broker's server and database, as seen from its pool and from the caller's connection, must agree. */
    private String checkConnection() throws SQLException {
        Identity theirs = identity(connection, broker.schema());
        if (!theirs.server().equals(brokerServer.get())) {
            try (Connection c = broker.connection()) {
                brokerServer.set(identity(c, broker.schema()).server());
            }
        }
        if (!theirs.server().equals(brokerServer.get())) {
            throw new IllegalStateException("the connection given for a transactional enqueue reaches " + theirs.server()
                    + ", but the application's broker is " + broker.address() + " (" + brokerServer.get() + "): the tasks"
                    + " would be written where no worker of this broker looks. Give a connection to the broker's own database");
        }
        if (!theirs.tables()) {
            throw new IllegalStateException("the connection given for a transactional enqueue reaches the broker's"
                    + " database but sees no table " + broker.schema() + ".messages (the schema the broker's URL names):"
                    + " does its role lack the rights on schema " + broker.schema() + "?");
        }
        return theirs.transaction();
    }

    /**
     * @param server      the database, and the server by its start time: enough to tell two servers apart without the
     *                    superuser's view of the cluster's system identifier
     * @param tables      whether the broker's table is there
     * @param transaction the connection's transaction id (assigned now if it had none)
     */
    private record Identity(String server, boolean tables, String transaction) {
    }

    private static Identity identity(Connection c, String schema) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("select current_database(), pg_postmaster_start_time(),"
                + " to_regclass(?) is not null, pg_current_xact_id()::text")) {
            s.setString(1, schema + ".messages");
            try (ResultSet r = s.executeQuery()) {
                r.next();
                Timestamp started = r.getTimestamp(2);
                return new Identity("database '" + r.getString(1) + "' of the server started at " + started.toInstant(),
                        r.getBoolean(3), Objects.requireNonNull(r.getString(4)));
            }
        }
    }
}
