package dev.amdahl.postgres;

import dev.amdahl.Amdahl;
import dev.amdahl.Task;
import dev.amdahl.TaskFuture;
import dev.amdahl.testkit.ChildJvm;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;

/**
 * The client of {@code PostgresTransactionalEnqueueIT}'s crash: {@code TransactionalClientMain <broker url> <backend url>
 * <schema>}. Opens a transaction, inserts an order of its own and submits a task in it, then prints
 * {@code READY <task id> <its server process id>} and waits, never committing, to be killed.
 */
public final class TransactionalClientMain {

    static final String ARGUMENT = "killed-before-commit";

    private TransactionalClientMain() {
    }

    public static void main(String[] args) throws Exception {
        Amdahl app = Amdahl.builder().broker(args[0]).resultBackend(args[1]).build();
        Task<String, String> record = app.task("tx.record", String.class, String.class, s -> s);
        PostgresTransactions transactions = PostgresTransactions.of(app);
        Connection connection = PostgresTransactionalEnqueueIT.connect();
        connection.setAutoCommit(false);
        TaskFuture<String> future = transactions.enqueueIn(connection, c -> {
            try (Statement s = c.createStatement()) {
                s.execute("insert into " + args[2] + ".orders (item) values ('" + ARGUMENT + "')");
            }
            return record.submit(ARGUMENT);
        });
        int pid;
        try (Statement s = connection.createStatement(); ResultSet r = s.executeQuery("select pg_backend_pid()")) {
            r.next();
            pid = r.getInt(1);
        }
        System.out.println("READY " + future.id() + " " + pid); // the parent test reads this line, then kills this JVM
        System.out.flush();
        ChildJvm.liveWhileParentDoes();
    }
}
