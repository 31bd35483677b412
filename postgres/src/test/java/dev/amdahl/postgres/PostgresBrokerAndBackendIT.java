package dev.amdahl.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import dev.amdahl.Amdahl;
import dev.amdahl.Task;
import dev.amdahl.TaskFuture;
import dev.amdahl.WorkerOptions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** One postgres:// URL is broker and result backend both: the module provides both, so nothing else is needed. */
@Timeout(value = 1, unit = TimeUnit.MINUTES)
class PostgresBrokerAndBackendIT {

    private final String schema = PostgresTestSupport.newSchema("broker_and_backend");

    @AfterEach
    void drop() throws Exception {
        PostgresTestSupport.dropSchema(schema);
    }

    @Test
    void anApplicationNamingOnlyThePostgresUrlKeepsItsResultsThere() throws Exception {
        String url = PostgresTestSupport.url(schema, "").toString();
        try (Amdahl app = Amdahl.builder().broker(url).build()) {
            Task<Integer, Integer> twice = app.task("twice", Integer.class, Integer.class, n -> 2 * n);
            app.startWorker(WorkerOptions.builder().concurrency(1).build());

            TaskFuture<Integer> f = twice.submit(21);

            assertThat(f.get(30, TimeUnit.SECONDS)).isEqualTo(42);
            try (Connection c = DriverManager.getConnection(PostgresTestSupport.JDBC, PostgresTestSupport.USER, null);
                 PreparedStatement s = c.prepareStatement("select state from " + schema + ".results where task_id = ?")) {
                s.setString(1, f.id());
                try (ResultSet r = s.executeQuery()) {
                    assertThat(r.next()).isTrue();
                    assertThat(r.getString(1)).isEqualTo("SUCCESS");
                }
            }
        }
    }
}
