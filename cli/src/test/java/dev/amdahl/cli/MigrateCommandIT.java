package dev.amdahl.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** {@code amdahl migrate} against the shared PostgreSQL, in a schema of its own, and against what it must refuse. */
@Timeout(value = 1, unit = TimeUnit.MINUTES)
class MigrateCommandIT {

    private static final String JDBC = "jdbc:postgresql://127.0.0.1:5432/test";
    private final String schema = "it_cli_migrate_" + UUID.randomUUID().toString().replace("-", "").substring(0, 10);
    /** The shared server trusts loopback, so the password is ignored: here to show it is never printed. */
    private final String url = "postgres://root:s3cret-pw@127.0.0.1:5432/test?schema=" + schema;

    @AfterEach
    void drop() throws Exception {
        try (Connection c = DriverManager.getConnection(JDBC, "root", null); Statement s = c.createStatement()) {
            s.execute("drop schema if exists " + schema + " cascade");
        }
    }

    @Test
    void migratesOnceAndPrintsTheVersionWithTheUrlMasked() throws Exception {
        Cli.Result first = Cli.run("migrate", "--broker", url);
        Cli.Result again = Cli.run("migrate", "--broker", url);

        assertThat(first.exitCode()).as(first.toString()).isZero();
        // migration 1: the broker's tables; 2: the result backend's; 3: the results' expiry index as BRIN
        assertThat(first.out()).contains("schema version 3 (3 migration(s) applied)").doesNotContain("s3cret-pw");
        assertThat(again.exitCode()).as(again.toString()).isZero();
        assertThat(again.out()).contains("schema version 3 (up to date)");
        try (Connection c = DriverManager.getConnection(JDBC, "root", null); Statement s = c.createStatement();
             ResultSet r = s.executeQuery("select max(version) from " + schema + ".schema_version")) {
            r.next();
            assertThat(r.getInt(1)).isEqualTo(3);
        }
    }

    @Test
    void aUrlThatIsNotPostgresIsAUsageError() {
        Cli.Result result = Cli.run("migrate", "--broker", "redis://:s3cret-pw@127.0.0.1:6379");

        assertThat(result.exitCode()).as(result.toString()).isEqualTo(2);
        assertThat(result.err()).contains("is not one: give a postgres:// or postgresql:// URL").doesNotContain("s3cret-pw");
    }

    @Test
    void anUnreachableDatabaseSaysSoAndShowsTheStackTraceOnlyWithVerbose() {
        String nowhere = "postgres://root:s3cret-pw@127.0.0.1:1/test?schema=" + schema + "&timeout=2s";
        Cli.Result quiet = Cli.run("migrate", "--broker", nowhere);
        Cli.Result verbose = Cli.run("migrate", "--verbose", "--broker", nowhere);

        assertThat(quiet.exitCode()).as(quiet.toString()).isEqualTo(1);
        assertThat(quiet.err()).contains("cannot connect to PostgreSQL at postgres://127.0.0.1:1/test", "is it running",
                "add --verbose").doesNotContain("\tat ", "s3cret-pw");
        assertThat(verbose.exitCode()).as(verbose.toString()).isEqualTo(1);
        assertThat(verbose.err()).contains("cannot connect", "\tat ").doesNotContain("s3cret-pw");
    }
}
