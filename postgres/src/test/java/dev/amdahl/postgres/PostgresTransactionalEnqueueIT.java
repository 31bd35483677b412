package dev.amdahl.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.amdahl.Amdahl;
import dev.amdahl.AmdahlException;
import dev.amdahl.GroupFuture;
import dev.amdahl.SubmitOptions;
import dev.amdahl.Task;
import dev.amdahl.TaskFuture;
import dev.amdahl.TaskState;
import dev.amdahl.TypeRef;
import dev.amdahl.WorkerOptions;
import dev.amdahl.testkit.Await;
import dev.amdahl.testkit.ChildJvm;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Transactional enqueue on the shared PostgreSQL, results in Redis: a task submitted in a transaction runs once if it
 * commits and never if it rolls back, for every form of submission, and a client killed before its commit leaves
 * neither its own row nor its task. "Never ran" is proven with a worker running: a task committed after it completes,
 * and the rolled-back task has no row in the broker's table and no execution.
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class PostgresTransactionalEnqueueIT {

    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final String SCHEMA = PostgresTestSupport.newSchema("tx");

    /** Executions by argument, counted by the tasks of the worker in this JVM. */
    private static final Map<String, AtomicInteger> RUNS = new ConcurrentHashMap<>();

    private Amdahl app;
    private PostgresTransactions transactions;
    private Task<String, String> record;
    private Task<String, String> shout;
    private Task<List<String>, String> join;

    @BeforeAll
    static void createTheApplicationsTable() throws SQLException {
        try (Connection c = connect(); Statement s = c.createStatement()) {
            s.execute("create schema if not exists " + SCHEMA);
            s.execute("create table " + SCHEMA + ".orders (id bigserial primary key, item text not null)");
        }
    }

    @AfterAll
    static void drop() throws SQLException {
        PostgresTestSupport.dropSchema(SCHEMA);
    }

    @BeforeEach
    void open() {
        RUNS.clear();
        app = application(PostgresTestSupport.url(SCHEMA, "").toString(), redisUrl());
        record = app.task("tx.record", String.class, String.class, PostgresTransactionalEnqueueIT::run);
        shout = app.task("tx.shout", String.class, String.class, s -> {
            run("shout:" + s);
            return s.toUpperCase();
        });
        join = app.task("tx.join", new TypeRef<List<String>>() { }, TypeRef.of(String.class), parts -> {
            run("join:" + String.join(",", parts));
            return String.join("+", parts);
        });
        app.startWorker(WorkerOptions.builder().concurrency(2).build());
        transactions = PostgresTransactions.of(app);
    }

    @AfterEach
    void close() {
        app.close();
    }

    private static String redisUrl() {
        return "redis://127.0.0.1:6379/0?prefix=pgtx-" + UUID.randomUUID();
    }

    static Amdahl application(String broker, String backend) {
        return Amdahl.builder().broker(broker).resultBackend(backend).build();
    }

    private static String run(String argument) {
        RUNS.computeIfAbsent(argument, a -> new AtomicInteger()).incrementAndGet();
        return argument;
    }

    private static int runs(String argument) {
        AtomicInteger n = RUNS.get(argument);
        return n == null ? 0 : n.get();
    }

    static Connection connect() throws SQLException {
        return DriverManager.getConnection(PostgresTestSupport.JDBC, PostgresTestSupport.USER, null);
    }

    static long insertOrder(Connection connection, String item) throws SQLException {
        try (PreparedStatement s = connection.prepareStatement("insert into " + SCHEMA + ".orders (item) values (?) returning id")) {
            s.setString(1, item);
            try (ResultSet r = s.executeQuery()) {
                r.next();
                return r.getLong(1);
            }
        }
    }

    private static int orders(String item) throws SQLException {
        try (Connection c = connect();
             PreparedStatement s = c.prepareStatement("select count(*) from " + SCHEMA + ".orders where item = ?")) {
            s.setString(1, item);
            try (ResultSet r = s.executeQuery()) {
                r.next();
                return r.getInt(1);
            }
        }
    }

    /** Rows of the broker's table for these task ids, ready or leased. */
    private static int messages(List<String> taskIds) throws SQLException {
        try (Connection c = connect();
             PreparedStatement s = c.prepareStatement("select count(*) from " + SCHEMA + ".messages where message_id = any(?)")) {
            s.setArray(1, c.createArrayOf("text", taskIds.toArray()));
            try (ResultSet r = s.executeQuery()) {
                r.next();
                return r.getInt(1);
            }
        }
    }

    /** A task committed after the ones under test, run by the same worker: once it is done, the worker is live. */
    private void markerCompletes() throws SQLException {
        String marker = "marker-" + UUID.randomUUID();
        TaskFuture<String> done = transactions.inTransaction(c -> record.submit(marker));
        assertThat(done.result(WAIT)).isEqualTo(marker);
    }

    private static void assertRolledBack(TaskFuture<?> future) {
        Await.until(WAIT, "the future of rolled-back task " + future.id() + " to complete", future::isDone);
        assertThatThrownBy(future::get).isInstanceOf(CancellationException.class).hasMessageContaining("rolled back");
        assertThat(future.state()).isEqualTo(TaskState.REVOKED);
    }

    // ---------------------------------------------------------------- a transaction the API opens

    @Test
    void aTaskSubmittedInATransactionThatCommitsRunsExactlyOnce() throws Exception {
        TaskFuture<String> future = transactions.inTransaction(c -> {
            insertOrder(c, "committed");
            return record.submit("committed");
        });

        assertThat(future.result(WAIT)).isEqualTo("committed");
        markerCompletes();
        assertThat(runs("committed")).isEqualTo(1);
        assertThat(orders("committed")).isEqualTo(1);
        assertThat(messages(List.of(future.id()))).isZero();
    }

    @Test
    void aTaskSubmittedInATransactionThatRollsBackNeverRunsAndItsFutureSaysWhy() throws Exception {
        List<TaskFuture<String>> submitted = new ArrayList<>();
        assertThatThrownBy(() -> transactions.inTransaction(c -> {
            insertOrder(c, "rolled-back");
            submitted.add(record.submit("rolled-back"));
            throw new IllegalStateException("the payment was declined");
        })).isInstanceOf(IllegalStateException.class).hasMessage("the payment was declined");

        assertRolledBack(submitted.get(0));
        markerCompletes();
        assertThat(runs("rolled-back")).isZero();
        assertThat(orders("rolled-back")).isZero();
        assertThat(messages(List.of(submitted.get(0).id()))).isZero();
    }

    @Test
    void aTransactionOnTheApplicationsOwnDataSourceCommitsAndRollsBackAsWell() throws Exception {
        org.postgresql.ds.PGSimpleDataSource dataSource = new org.postgresql.ds.PGSimpleDataSource();
        dataSource.setURL(PostgresTestSupport.JDBC);
        dataSource.setUser(PostgresTestSupport.USER);

        TaskFuture<String> committed = transactions.inTransaction(dataSource, c -> record.submit("ds-committed"));
        List<TaskFuture<String>> rolledBack = new ArrayList<>();
        assertThatThrownBy(() -> transactions.inTransaction(dataSource, c -> {
            rolledBack.add(record.submit("ds-rolled-back"));
            throw new SQLException("a constraint of the application failed");
        })).isInstanceOf(SQLException.class);

        assertThat(committed.result(WAIT)).isEqualTo("ds-committed");
        assertRolledBack(rolledBack.get(0));
        markerCompletes();
        assertThat(runs("ds-committed")).isEqualTo(1);
        assertThat(runs("ds-rolled-back")).isZero();
    }

    // ---------------------------------------------------------------- the caller's own connection

    @Test
    void onTheCallersConnectionTheTaskIsInvisibleUntilTheCallerCommits() throws Exception {
        try (Connection connection = connect()) {
            connection.setAutoCommit(false);
            insertOrder(connection, "own-committed");
            TaskFuture<String> future = transactions.enqueueIn(connection, c -> record.submit("own-committed"));

            assertThat(messages(List.of(future.id()))).as("seen from another connection before the commit").isZero();
            markerCompletes();
            assertThat(runs("own-committed")).isZero();
            assertThat(future.isDone()).isFalse();

            connection.commit();
            assertThat(future.result(WAIT)).isEqualTo("own-committed");
        }
        markerCompletes();
        assertThat(runs("own-committed")).isEqualTo(1);
        assertThat(orders("own-committed")).isEqualTo(1);
    }

    @Test
    void onTheCallersConnectionARollbackMeansTheTaskNeverRunsAndItsFutureIsToldSoon() throws Exception {
        TaskFuture<String> future;
        try (Connection connection = connect()) {
            connection.setAutoCommit(false);
            insertOrder(connection, "own-rolled-back");
            future = transactions.enqueueIn(connection, c -> record.submit("own-rolled-back"));
            connection.rollback();
        }

        assertRolledBack(future);
        markerCompletes();
        assertThat(runs("own-rolled-back")).isZero();
        assertThat(orders("own-rolled-back")).isZero();
        assertThat(messages(List.of(future.id()))).isZero();
    }

    // ---------------------------------------------------------------- workflows

    @Test
    void aChainAGroupAndAChordCommittedTogetherRun() throws Exception {
        record Submitted(TaskFuture<String> chain, GroupFuture<String> group, TaskFuture<String> chord, GroupFuture<String> map) {
        }
        Submitted s = transactions.inTransaction(c -> new Submitted(
                record.sig("chain-a").then(shout).submit(),
                app.group(List.of(record.sig("group-a"), record.sig("group-b"))).submit(),
                app.group(List.of(record.sig("chord-a"), record.sig("chord-b"))).then(join.sig()).submit(),
                record.map(List.of("map-a", "map-b", "map-c"), 2)));

        assertThat(s.chain().result(WAIT)).isEqualTo("CHAIN-A");
        List<String> group = s.group().combine(WAIT, List::copyOf);
        assertThat(group).containsExactly("group-a", "group-b");
        assertThat(s.chord().result(WAIT)).isEqualTo("chord-a+chord-b");
        List<String> map = s.map().combine(WAIT, List::copyOf);
        assertThat(map).containsExactly("map-a", "map-b", "map-c");
        markerCompletes();
        for (String a : List.of("chain-a", "shout:chain-a", "group-a", "group-b", "chord-a", "chord-b", "join:chord-a,chord-b", "map-a", "map-b", "map-c")) {
            assertThat(runs(a)).as(a).isEqualTo(1);
        }
    }

    @Test
    void aChainAGroupAndAChordRolledBackTogetherNeverRunAndAllTheirFuturesComplete() throws Exception {
        List<TaskFuture<String>> futures = new ArrayList<>();
        try (Connection connection = connect()) {
            connection.setAutoCommit(false);
            transactions.enqueueIn(connection, c -> {
                futures.add(record.sig("rb-chain-a").then(shout).submit());
                futures.addAll(app.group(List.of(record.sig("rb-group-a"), record.sig("rb-group-b"))).submit().members());
                futures.add(app.group(List.of(record.sig("rb-chord-a"), record.sig("rb-chord-b"))).then(join.sig()).submit());
                futures.addAll(record.map(List.of("rb-map-a", "rb-map-b", "rb-map-c"), 2).members());
                return null;
            });
            connection.rollback();
        }

        futures.forEach(PostgresTransactionalEnqueueIT::assertRolledBack);
        markerCompletes();
        assertThat(RUNS.keySet()).allMatch(a -> !a.contains("rb-"));
        try (Connection c = connect(); Statement st = c.createStatement();
             // the rolled-back tasks' rows, by their arguments: the marker's own row may still be there, since its
             // future completes when its result is stored, a moment before its worker acks (deletes) it
             ResultSet r = st.executeQuery("select count(*) from " + SCHEMA + ".messages"
                     + " where position('rb-' in convert_from(body, 'UTF8')) > 0")) {
            r.next();
            assertThat(r.getInt(1)).as("rows of rolled-back tasks left in the broker's table").isZero();
        }
    }

    // ---------------------------------------------------------------- refusals

    @Test
    void aConnectionWithAutocommitOnIsRefusedNamingTheFix() throws Exception {
        try (Connection connection = connect()) {
            assertThatThrownBy(() -> transactions.enqueueIn(connection, c -> record.submit("autocommit")))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("autocommit on", "setAutoCommit(false)", "inTransaction");
        }
        markerCompletes();
        assertThat(runs("autocommit")).isZero();
    }

    @Test
    void anApplicationWhoseBrokerIsNotPostgresIsRefused() {
        try (Amdahl redis = application("redis://127.0.0.1:6379", redisUrl())) {
            assertThatThrownBy(() -> PostgresTransactions.of(redis)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("broker must be PostgreSQL", "postgres://");
        }
    }

    @Test
    void anIdempotencyKeyIsRefusedInsideTheTransaction() throws Exception {
        Task<String, String> keyed = record.withOptions(SubmitOptions.builder().idempotencyKey("order-7").build());
        assertThatThrownBy(() -> transactions.inTransaction(c -> keyed.submit("keyed")))
                .isInstanceOf(AmdahlException.class).hasMessageContaining("idempotency key 'order-7'");
        markerCompletes();
        assertThat(runs("keyed")).isZero();
    }

    // ---------------------------------------------------------------- a client killed before its commit

    @Test
    void aClientKilledBetweenItsInsertsAndItsCommitLeavesNeitherItsRowNorItsTask() throws Exception {
        Process child = ChildJvm.command(TransactionalClientMain.class, PostgresTestSupport.url(SCHEMA, "").toString(),
                redisUrl(), SCHEMA).redirectErrorStream(true).start();
        String taskId;
        int backendPid;
        try (BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            do {
                line = out.readLine();
                assertThat(line).as("the child's output ended before it was ready").isNotNull();
            } while (!line.startsWith("READY "));
            String[] parts = line.split(" ");
            taskId = parts[1];
            backendPid = Integer.parseInt(parts[2]);

            child.destroyForcibly();   // SIGKILL: no rollback, no close, no goodbye to the server
            assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();
        }
        Await.until(WAIT, "the server to end the killed client's session (and abort its transaction)", () -> {
            try (Connection c = connect();
                 PreparedStatement s = c.prepareStatement("select count(*) from pg_stat_activity where pid = ?")) {
                s.setInt(1, backendPid);
                try (ResultSet r = s.executeQuery()) {
                    r.next();
                    return r.getInt(1) == 0;
                }
            } catch (SQLException e) {
                throw new IllegalStateException(e);
            }
        });

        markerCompletes();
        assertThat(runs(TransactionalClientMain.ARGUMENT)).isZero();
        assertThat(orders(TransactionalClientMain.ARGUMENT)).isZero();
        assertThat(messages(List.of(taskId))).isZero();
    }

    // ---------------------------------------------------------------- the README's example

    @Test
    void theReadmeExample() throws Exception {
        Task<Long, String> sendConfirmation = app.task("shop.send-confirmation", Long.class, String.class,
                id -> run("confirmation-" + id));
        String order = "readme";
        org.postgresql.ds.PGSimpleDataSource dataSource = new org.postgresql.ds.PGSimpleDataSource();
        dataSource.setURL(PostgresTestSupport.JDBC);
        dataSource.setUser(PostgresTestSupport.USER);

        // --- guide: transactional ---
        PostgresTransactions transactions = PostgresTransactions.of(app);      // one per application

        long orderId = transactions.inTransaction(connection -> {
            long id = insertOrder(connection, order);
            sendConfirmation.submit(id);                 // enqueued by this transaction: runs only if it commits
            return id;
        });

        try (Connection connection = dataSource.getConnection()) {   // or in a transaction of your own, which you end
            connection.setAutoCommit(false);
            transactions.enqueueIn(connection, c -> sendConfirmation.submit(orderId));
            connection.commit();                         // now it runs; after a rollback it never would
        }
        // --- end ---

        Await.until(WAIT, "both confirmations to run", () -> runs("confirmation-" + orderId) == 2);
        assertThat(orders(order)).isEqualTo(1);
    }

    /** The README shows the code {@link #theReadmeExample} runs, as it is (less its indentation). */
    @Test
    void theReadmeShowsTheExampleAsItRuns() throws Exception {
        String source = Files.readString(Path.of("src/test/java", getClass().getName().replace('.', '/') + ".java"));
        Matcher m = Pattern.compile("\\n( *)// --- guide: transactional ---\\n(.*?)\\n *// --- end ---", Pattern.DOTALL)
                .matcher(source);
        assertThat(m.find()).isTrue();
        int indent = m.group(1).length();
        String snippet = m.group(2).lines().map(line -> line.length() >= indent ? line.substring(indent) : line.strip())
                .collect(Collectors.joining("\n"));
        assertThat(Files.readString(Path.of("README.md"))).contains(snippet);
    }
}
