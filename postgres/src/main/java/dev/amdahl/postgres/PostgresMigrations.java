package dev.amdahl.postgres;

import dev.amdahl.postgres.internal.PostgresSettings;
import dev.amdahl.postgres.internal.SchemaMigration;
import java.net.URI;
import java.util.Objects;

/**
 * Creates or upgrades the module's tables ahead of time, for deployments where the application's role may not change
 * the schema, or that upgrade it in a step of their own. Broker clients run the same migrations when they open, under
 * the same lock, so this is never required. {@code amdahl migrate --broker postgres://...} calls it.
 *
 * <pre>{@code
 * PostgresMigrations.Result r = PostgresMigrations.migrate(URI.create("postgres://admin@db/appdb?schema=amdahl"));
 * log.info("schema at version {} ({} applied now)", r.version(), r.applied());
 * }</pre>
 */
public final class PostgresMigrations {

    /**
     * @param version the schema's version after the run
     * @param applied how many migrations the run applied (0: it was up to date)
     */
    public record Result(int version, int applied) {
    }

    private PostgresMigrations() {
    }

    /**
     * Applies the migrations the schema of {@code url} lacks, under an advisory lock, so that several runs at once
     * migrate it once.
     *
     * @throws IllegalArgumentException when {@code url} is not a valid {@code postgres://} or {@code postgresql://} URL
     * @throws IllegalStateException    when the database cannot be reached, a migration fails, or the schema is newer
     *                                  than this version of Amdahl knows
     */
    public static Result migrate(URI url) {
        Objects.requireNonNull(url, "url");
        SchemaMigration.Result r = SchemaMigration.run(PostgresSettings.parse(url));
        return new Result(r.version(), r.applied());
    }
}
