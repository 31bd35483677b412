package dev.amdahl.postgres.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.amdahl.TaskState;
import dev.amdahl.spi.TaskRecord;
import java.net.URI;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The cleanup's sweep of {@code results} over its block-range expiry index (migration 3): it deletes what expired,
 * more than a batch of it, and nothing that did not, on a table whose block ranges no vacuum has summarized.
 */
@Timeout(60)
class PostgresResultSweepIT {

    private static final String JDBC = "jdbc:postgresql://127.0.0.1:5432/test";
    private final String schema = "amdahl_sweep_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);

    @AfterEach
    void drop() throws SQLException {
        try (Connection c = DriverManager.getConnection(JDBC, "root", null); Statement s = c.createStatement()) {
            s.execute("drop schema if exists " + schema + " cascade");
        }
    }

    @Test
    void theSweepDeletesEveryExpiredRecordAndNoLiveOne() throws Exception {
        PostgresBackendSettings settings = PostgresBackendSettings.parse(URI.create("postgres://root@127.0.0.1:5432/test?schema="
                + schema + "&result-ttl=1h&cleanup-interval=1h"));
        try (PostgresResultBackend backend = new PostgresResultBackend(settings, Clock.systemUTC())) {
            int n = PostgresResultBackend.CLEANUP_BATCH * 2 + 1_000;
            List<TaskRecord> records = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                records.add(new TaskRecord("t" + i, "t", TaskState.SUCCESS, null, null, 0, null, null, null, 0));
            }
            backend.storeAll(records);
            Instant now = Instant.now();
            assertThat(query("select am.amname from pg_class i join pg_am am on am.oid = i.relam"
                    + " join pg_namespace ns on ns.oid = i.relnamespace where ns.nspname = '" + schema
                    + "' and i.relname = 'results_expiry'")).isEqualTo("brin");

            assertThat(backend.sweep("results", now.plus(Duration.ofMinutes(30)))).isZero();
            assertThat(query("select count(*) from " + schema + ".results")).isEqualTo(String.valueOf(n));

            assertThat(backend.sweep("results", now.plus(Duration.ofHours(2)))).isEqualTo(n);
            assertThat(query("select count(*) from " + schema + ".results")).isEqualTo("0");
        }
    }

    private String query(String sql) throws SQLException {
        try (Connection c = DriverManager.getConnection(JDBC, "root", null); Statement s = c.createStatement();
             ResultSet r = s.executeQuery(sql)) {
            r.next();
            return r.getString(1);
        }
    }
}
