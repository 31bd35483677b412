package dev.amdahl.postgres;

import java.net.URI;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.UUID;

/** The shared PostgreSQL of the tests (127.0.0.1:5432, database test, trust auth) and a schema per test class. */
final class PostgresTestSupport {

    static final String JDBC = "jdbc:postgresql://127.0.0.1:5432/test";
    static final String USER = "root";

    private PostgresTestSupport() {
    }

    /** A schema name no other test run uses. */
    static String newSchema(String test) {
        return "it_" + test + "_" + UUID.randomUUID().toString().replace("-", "").substring(0, 10);
    }

    /** The broker URL on {@code schema}, with {@code options}. */
    static URI url(String schema, String options) {
        return URI.create("postgres://" + USER + "@127.0.0.1:5432/test?schema=" + schema + (options.isEmpty() ? "" : "&" + options));
    }

    /** Drops {@code schema} and all it holds. */
    static void dropSchema(String schema) throws SQLException {
        try (Connection c = DriverManager.getConnection(JDBC, USER, null); Statement s = c.createStatement()) {
            s.execute("drop schema if exists " + schema + " cascade");
        }
    }
}
