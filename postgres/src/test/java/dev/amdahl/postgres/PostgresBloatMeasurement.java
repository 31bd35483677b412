package dev.amdahl.postgres;

import dev.amdahl.Amdahl;
import dev.amdahl.Task;
import dev.amdahl.Worker;
import dev.amdahl.WorkerOptions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;

/**
 * How big the tables of a schema grow while N no-op tasks go end to end through the PostgreSQL broker and result
 * backend (one process: a worker and a client submitting groups of {@code batch}, two in flight), results expiring
 * after {@code result-ttl} so the cleanup runs. Prints, at the start, every 100,000 tasks and at the end, each
 * table's total size, heap and index sizes, live and dead rows and how often autovacuum ran. Run by
 * {@code bench/postgres-bloat}:
 *
 * <pre>PostgresBloatMeasurement [tasks=1000000] [batch=10000] [url options, e.g. result-ttl=10s&amp;cleanup-interval=5s] [private|shared]</pre>
 *
 * By default on a private cluster (made with initdb, stock settings: autovacuum on), since the shared test server
 * may run without autovacuum; {@code shared} as a fourth argument measures on 127.0.0.1:5432 instead. A measurement,
 * not a test: the figures go in the module's README.
 */
public final class PostgresBloatMeasurement {

    public static void main(String[] args) throws Exception {
        int tasks = args.length > 0 ? Integer.parseInt(args[0]) : 1_000_000;
        int batch = args.length > 1 ? Integer.parseInt(args[1]) : 10_000;
        String options = args.length > 2 ? args[2] : "result-ttl=10s&cleanup-interval=5s";
        boolean shared = args.length > 3 && args[3].equals("shared");
        PrivatePostgres cluster = shared ? null : new PrivatePostgres();
        if (cluster != null) {
            cluster.beforeAll(null);
        }
        try {
            String jdbc = shared ? PostgresTestSupport.JDBC : "jdbc:postgresql://" + cluster.hostPort() + "/postgres";
            String schema = PostgresTestSupport.newSchema("bloat");
            String url = (shared ? PostgresTestSupport.url(schema, options).toString()
                    : "postgres://root@" + cluster.hostPort() + "/postgres?schema=" + schema + "&" + options);
            run(tasks, batch, options, jdbc, schema, url);
        } finally {
            if (cluster != null) {
                cluster.afterAll(null);
            }
        }
    }

    private static void run(int tasks, int batch, String options, String jdbc, String schema, String url) throws Exception {
        try (Connection stats = DriverManager.getConnection(jdbc, PostgresTestSupport.USER, null)) {
            StringBuilder server = new StringBuilder();
            try (ResultSet r = stats.createStatement().executeQuery("select name || '=' || setting || coalesce(unit, '')"
                    + " from pg_settings where name in ('server_version', 'autovacuum', 'autovacuum_naptime',"
                    + " 'autovacuum_vacuum_cost_limit', 'autovacuum_vacuum_cost_delay', 'shared_buffers') order by name")) {
                while (r.next()) {
                    server.append(r.getString(1)).append(' ');
                }
            }
            System.out.printf("%d no-op tasks in groups of %d through the postgres broker and backend at %s, schema %s, %s%n"
                    + "server: %s%n", tasks, batch, jdbc, schema, options, server.toString().trim());
            try (Amdahl app = Amdahl.builder().broker(url).resultBackend(url).build()) {
                Task<Integer, Integer> noop = app.task("bloat.noop", Integer.class, Integer.class, n -> n);
                Worker worker = app.startWorker(WorkerOptions.builder().concurrency(4).prefetch(256).build());
                long start = System.nanoTime();
                print(stats, schema, 0, start);
                List<Integer> args0 = IntStream.range(0, batch).boxed().toList();
                var inFlight = noop.map(args0);
                int submitted = batch;
                int done = 0;
                while (done < tasks) {
                    var next = submitted < tasks ? noop.map(args0) : null;
                    if (next != null) {
                        submitted += batch;
                    }
                    List<Integer> results = inFlight.get(600, TimeUnit.SECONDS);
                    if (results.size() != batch) {
                        throw new IllegalStateException("a group of " + batch + " gave " + results.size() + " results");
                    }
                    done += batch;
                    if (done % 100_000 == 0 || done >= tasks) {
                        print(stats, schema, done, start);
                    }
                    inFlight = next;
                }
                double seconds = (System.nanoTime() - start) / 1e9;
                System.out.printf(Locale.ROOT, "%d tasks in %.0f s: %.0f tasks/s%n", done, seconds, done / seconds);
                // what is left once every result has expired and the cleanup and autovacuum had their turn
                Thread.sleep(Duration.ofSeconds(75).toMillis());
                System.out.println("75 s after the last task:");
                print(stats, schema, done, start);
                worker.close();
            }
        }
    }

    private static void print(Connection c, String schema, int done, long start) throws Exception {
        StringBuilder out = new StringBuilder(String.format(Locale.ROOT, "-- %,d tasks, %.0f s%n", done,
                (System.nanoTime() - start) / 1e9));
        try (PreparedStatement s = c.prepareStatement("select t.relname, pg_total_relation_size(t.relid),"
                + " pg_relation_size(t.relid), t.n_live_tup, t.n_dead_tup, t.autovacuum_count,"
                + " (select string_agg(i.indexrelname || ' ' || pg_size_pretty(pg_relation_size(i.indexrelid)), ', '"
                + " order by i.indexrelname) from pg_stat_user_indexes i where i.relid = t.relid)"
                + " from pg_stat_user_tables t where t.schemaname = ? and t.relname in ('messages', 'results', 'counters', 'keys')"
                + " order by t.relname")) {
            s.setString(1, schema);
            try (ResultSet r = s.executeQuery()) {
                while (r.next()) {
                    out.append(String.format(Locale.ROOT, "   %-8s total %8s  heap %8s  live %8d  dead %8d  autovacuums %3d  indexes: %s%n",
                            r.getString(1), mib(r.getLong(2)), mib(r.getLong(3)), r.getLong(4), r.getLong(5), r.getLong(6),
                            r.getString(7)));
                }
            }
        }
        System.out.print(out);
        System.out.flush();
    }

    private static String mib(long bytes) {
        return String.format(Locale.ROOT, "%.1f MiB", bytes / 1048576.0);
    }

    private PostgresBloatMeasurement() {
    }
}
