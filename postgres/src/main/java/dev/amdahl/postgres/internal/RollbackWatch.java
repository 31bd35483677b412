package dev.amdahl.postgres.internal;

import dev.amdahl.ErrorType;
import dev.amdahl.TaskState;
import dev.amdahl.spi.ResultBackend;
import dev.amdahl.spi.TaskError;
import dev.amdahl.spi.TaskRecord;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Completes the futures of submissions whose transaction rolled back, so that nobody waits forever on a task that was
 * never enqueued: their records become REVOKED with {@link ErrorType#ROLLED_BACK} and the reason.
 *
 * <p>A transaction's outcome is not told to anyone when the caller ends it on its own connection, so this asks the
 * server: {@code pg_xact_status} of each transaction that enqueued something, once a {@link #PERIOD}, in one query
 * for all of them, and only while some are still open; a committed one is forgotten, an aborted one revoked. One
 * thread, started when there is something to watch and gone a while after there is nothing.
 *
 * <p>Records are stored only for tasks that can never run: an aborted transaction's rows are gone. A transaction whose
 * status the server no longer knows (long past, or the server's history was reset) is forgotten with a warning.
 */
public final class RollbackWatch {

    private static final Logger log = LoggerFactory.getLogger(RollbackWatch.class);
    static final Duration PERIOD = Duration.ofSeconds(1);

    private final PostgresBroker broker;
    private final ResultBackend backend;
    private final Clock clock;
    /** Guarded by itself: transaction id to the ids of the futures its submissions returned. */
    private final Map<String, List<String>> open = new HashMap<>();
    private final ScheduledThreadPoolExecutor timer;
    /** Guarded by {@link #open}: whether a check is scheduled. */
    private boolean scheduled;

    public RollbackWatch(PostgresBroker broker, ResultBackend backend, Clock clock) {
        this.broker = broker;
        this.backend = backend;
        this.clock = clock;
        this.timer = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "amdahl-postgres-rollback-watch");
            t.setDaemon(true);
            return t;
        });
        timer.setKeepAliveTime(10, TimeUnit.SECONDS);
        timer.allowCoreThreadTimeOut(true);
    }

    /** Watches transaction {@code transactionId} until it ends; if it rolls back, revokes {@code taskIds}. */
    public void watch(String transactionId, List<String> taskIds) {
        if (taskIds.isEmpty()) {
            return;
        }
        synchronized (open) {
            open.computeIfAbsent(transactionId, x -> new ArrayList<>()).addAll(taskIds);
            if (!scheduled) {
                scheduled = true;
                timer.schedule(this::check, PERIOD.toMillis(), TimeUnit.MILLISECONDS);
            }
        }
    }

    /** Revokes {@code taskIds} now: their transaction is known to have rolled back. */
    public void rolledBack(List<String> taskIds) {
        if (taskIds.isEmpty()) {
            return;
        }
        List<TaskRecord> records = new ArrayList<>(taskIds.size());
        for (String id : taskIds) {
            records.add(new TaskRecord(id, null, TaskState.REVOKED, null, TaskError.of(ErrorType.ROLLED_BACK.typeName(),
                    "the transaction that submitted task " + id + " rolled back, so it was never enqueued and will not run"),
                    0, null, null, clock.instant(), 0));
        }
        backend.storeAllUnlessFinal(records);
    }

    private void check() {
        Map<String, List<String>> watched;
        synchronized (open) {
            watched = Map.copyOf(open);
        }
        try {
            List<String> aborted = new ArrayList<>();
            List<String> ended = new ArrayList<>();
            try (Connection c = broker.connection();
                 PreparedStatement s = c.prepareStatement("select x, pg_xact_status(x::xid8) from unnest(?::text[]) as x")) {
                s.setArray(1, c.createArrayOf("text", watched.keySet().toArray()));
                try (ResultSet r = s.executeQuery()) {
                    while (r.next()) {
                        String status = r.getString(2);
                        if (status == null) {
                            log.warn("PostgreSQL at {} no longer knows whether transaction {} committed; the futures of"
                                    + " the {} task(s) it submitted are no longer watched for a rollback", broker.address(),
                                    r.getString(1), watched.get(r.getString(1)).size());
                            ended.add(r.getString(1));
                        } else if (status.equals("aborted")) {
                            aborted.add(r.getString(1));
                            ended.add(r.getString(1));
                        } else if (status.equals("committed")) {
                            ended.add(r.getString(1));
                        }
                    }
                }
            }
            for (String x : aborted) {
                rolledBack(watched.get(x));
            }
            synchronized (open) {
                ended.forEach(open::remove);
            }
        } catch (SQLException | RuntimeException e) {
            if (broker.isClosed()) {
                synchronized (open) {
                    open.clear();
                }
                return;
            }
            // the database is away: try again while anything is open
            log.debug("checking the outcome of {} transaction(s) failed: {}", watched.size(), e.toString());
        } finally {
            synchronized (open) {
                scheduled = !open.isEmpty();
                if (scheduled) {
                    try {
                        timer.schedule(this::check, PERIOD.toMillis(), TimeUnit.MILLISECONDS);
                    } catch (RuntimeException e) {
                        scheduled = false;
                    }
                }
            }
        }
    }

    /** Stops watching; futures of transactions still open then are left as they are. */
    public void close() {
        timer.shutdownNow();
    }
}
