package dev.amdahl.postgres.internal;

import java.sql.Connection;
import java.sql.SQLException;

/** The migrations run on a connection of their own, outside any broker client: what {@code amdahl migrate} does. */
public final class SchemaMigration {

    /**
     * @param version the schema's version now
     * @param applied how many migrations this run applied
     */
    public record Result(int version, int applied) {
    }

    private SchemaMigration() {
    }

    /** Brings the URL's schema to the latest version. */
    public static Result run(PostgresSettings settings) {
        Connection c;
        try {
            c = Connections.direct(settings);
        } catch (SQLException e) {
            throw Connections.unreachable(settings, e);
        }
        try (c) {
            int applied = Migrations.run(c, settings.schema());
            return new Result(Migrations.latest(), applied);
        } catch (SQLException e) {
            throw new IllegalStateException("PostgreSQL at " + settings.address() + ": migrating schema " + settings.schema()
                    + " failed: " + e.getMessage(), e);
        }
    }
}
