package dev.amdahl.postgres.internal;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Properties;

/**
 * How every part of the module reaches the server: a pool for statements, a plain connection for what must outlive a
 * pool's recycling ({@code LISTEN}) or must not hold a pool open (migrations). One place, so a server that cannot be
 * reached is reported in the same words whichever part met it first.
 */
final class Connections {

    private Connections() {
    }

    /** A pool whose connections each run {@code sessionSql} once when opened. */
    static HikariDataSource pool(PostgresSettings settings, String name, String sessionSql) {
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(settings.jdbcUrl());
        if (settings.user() != null) {
            config.setUsername(settings.user());
        }
        if (settings.password() != null) {
            config.setPassword(settings.password());
        }
        config.setMaximumPoolSize(settings.pool());
        config.setMinimumIdle(1);
        config.setPoolName(name);
        config.setConnectionTimeout(10_000);
        config.setConnectionInitSql(sessionSql);
        try {
            return new HikariDataSource(config);
        } catch (RuntimeException e) {
            throw unreachable(settings, e);
        }
    }

    /** A connection of its own, outside any pool. */
    static Connection direct(PostgresSettings settings) throws SQLException {
        Properties props = new Properties();
        if (settings.user() != null) {
            props.setProperty("user", settings.user());
        }
        if (settings.password() != null) {
            props.setProperty("password", settings.password());
        }
        return DriverManager.getConnection(settings.jdbcUrl(), props);
    }

    static IllegalStateException unreachable(PostgresSettings settings, Exception e) {
        return new IllegalStateException("cannot connect to PostgreSQL at " + settings.address() + " (" + rootMessage(e)
                + "): is it running, and are the URL's host, port, database, user and password right?", e);
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t.getMessage();
    }
}
