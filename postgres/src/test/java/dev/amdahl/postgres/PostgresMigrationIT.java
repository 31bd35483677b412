package dev.amdahl.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import dev.amdahl.spi.Broker;
import dev.amdahl.spi.ProviderContext;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Workers that start at once on a new schema: one creates it, the others find it done, none fails. */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class PostgresMigrationIT {

    private final String schema = PostgresTestSupport.newSchema("migration");

    @AfterEach
    void drop() throws Exception {
        PostgresTestSupport.dropSchema(schema);
    }

    @Test
    void clientsOpeningTogetherMigrateTheSchemaOnce() throws Exception {
        int clients = 6;
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        CountDownLatch go = new CountDownLatch(1);
        List<Future<Broker>> opened = new ArrayList<>();
        try {
            for (int i = 0; i < clients; i++) {
                opened.add(pool.submit(() -> {
                    go.await();
                    return new PostgresBrokerProvider().open(PostgresTestSupport.url(schema, "pool=1"), ProviderContext.ofDefaults());
                }));
            }
            go.countDown();
            for (Future<Broker> f : opened) {
                f.get(60, TimeUnit.SECONDS).close();
            }
        } finally {
            pool.shutdownNow();
        }
        try (Connection c = DriverManager.getConnection(PostgresTestSupport.JDBC, PostgresTestSupport.USER, null);
             Statement s = c.createStatement();
             ResultSet r = s.executeQuery("select version, count(*) from " + schema + ".schema_version group by version order by version")) {
            List<String> versions = new ArrayList<>();
            while (r.next()) {
                versions.add(r.getInt(1) + "x" + r.getInt(2));
            }
            assertThat(versions).containsExactly("1x1", "2x1", "3x1");
        }
    }
}
