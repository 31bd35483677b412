package dev.amdahl.cli;

import dev.amdahl.Amdahl;
import dev.amdahl.SigningKeys;
import dev.amdahl.TaskCatalog;
import dev.amdahl.spi.UrlMasking;
import java.util.List;
import java.util.Locale;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;

/** Opening applications on the broker a command was given, with the errors a user can act on. */
final class Brokers {

    /** The embedded broker's scheme. */
    static final String MEMORY = "memory";

    private Brokers() {
    }

    /** Whether {@code url} is absent or names the embedded broker, which only this process can reach. */
    static boolean isEmbedded(String url) {
        return url == null || MEMORY.equals(scheme(url));
    }

    /**
     * Refuses the embedded broker for a command that exists to reach other processes.
     *
     * @param what what the command would do with a broker, e.g. "serves tasks that other processes submit"
     */
    static void requireShared(CommandSpec spec, String url, String what) {
        if (isEmbedded(url)) {
            throw new ParameterException(spec.commandLine(), "amdahl " + spec.name() + " " + what + ", so it needs a broker"
                    + " that other processes can reach, given with --broker. "
                    + (url == null ? "With none, it would use" : "'" + UrlMasking.mask(url) + "' is")
                    + " the embedded broker, which lives inside one process: nothing else could ever see its tasks.\n"
                    + "Use 'amdahl demo' to run tasks on the embedded broker, or a real broker,"
                    + " e.g. --broker redis://127.0.0.1:6379");
        }
    }

    /**
     * An application on {@code url} (the embedded broker when null) that includes {@code catalogs}.
     *
     * @throws ParameterException when the URL is malformed or no module on the class path provides its
     *                            scheme (the message lists the schemes there are)
     */
    static Amdahl open(CommandSpec spec, String url, List<Class<? extends TaskCatalog>> catalogs) {
        return open(spec, url, catalogs, null);
    }

    /** {@link #open(CommandSpec, String, List)} signing its messages with {@code keys} (none when null). */
    static Amdahl open(CommandSpec spec, String url, List<Class<? extends TaskCatalog>> catalogs, SigningKeys keys) {
        Amdahl.Builder builder = Amdahl.builder();
        if (keys != null) {
            builder.signingKeys(keys);
        }
        if (url != null) {
            builder.broker(url);
        }
        Amdahl app;
        try {
            app = builder.build();
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), "--broker " + UrlMasking.mask(url) + ": " + UrlMasking.mask(e.getMessage()),
                    e, null, UrlMasking.mask(url));
        }
        try {
            catalogs.forEach(app::include);
            return app;
        } catch (RuntimeException e) {
            app.close();
            throw e;
        }
    }

    private static String scheme(String url) {
        int colon = url.indexOf(':');
        return (colon < 0 ? url : url.substring(0, colon)).trim().toLowerCase(Locale.ROOT);
    }
}
