package dev.amdahl.cli;

import dev.amdahl.postgres.PostgresMigrations;
import dev.amdahl.spi.UrlMasking;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code amdahl migrate}: creates or upgrades a PostgreSQL broker's tables ahead of the workers. */
@Command(name = "migrate",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        header = "Create or upgrade the tables of a PostgreSQL broker; print the schema version.",
        description = "Apply the migrations that the schema named by a postgres:// URL lacks (under a lock, so several runs"
                + " at once migrate it once), and print its version. Workers and clients do the same when they open, so"
                + " this is for deployments that migrate in a step of their own, or whose application role may not"
                + " create tables.",
        footer = {
            "",
            "Examples:",
            "  amdahl migrate --broker postgres://admin@db.internal:5432/appdb",
            "  amdahl migrate --broker 'postgresql://admin:secret@db/appdb?schema=jobs&sslmode=require'",
        })
final class MigrateCommand extends CliCommand {

    @Option(names = "--broker", paramLabel = "URL", required = true,
            description = "The PostgreSQL broker, e.g. postgres://user@host:5432/database?schema=amdahl (the schema"
                    + " defaults to amdahl).")
    String broker;

    @Override
    int execute() {
        URI url;
        try {
            url = new URI(broker);
        } catch (URISyntaxException e) {
            throw usageError("--broker is not a URL (" + e.getReason() + "): " + UrlMasking.mask(broker));
        }
        String scheme = url.getScheme() == null ? "" : url.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("postgres") && !scheme.equals("postgresql")) {
            throw usageError("amdahl migrate creates the tables of a PostgreSQL broker, and " + UrlMasking.mask(broker)
                    + " is not one: give a postgres:// or postgresql:// URL, e.g. --broker postgres://user@host/database."
                    + " Other brokers need no migration");
        }
        PostgresMigrations.Result result;
        try {
            result = PostgresMigrations.migrate(url);
        } catch (IllegalArgumentException e) {
            throw usageError(e.getMessage());
        }
        out().println(UrlMasking.mask(broker) + ": schema version " + result.version() + " ("
                + (result.applied() == 0 ? "up to date" : result.applied() + " migration(s) applied") + ")");
        return OK;
    }
}
