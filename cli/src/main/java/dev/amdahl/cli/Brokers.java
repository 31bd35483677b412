package dev.amdahl.cli;

import dev.amdahl.Amdahl;
import dev.amdahl.SigningKeys;
import dev.amdahl.TaskCatalog;
import dev.amdahl.spi.BrokerProvider;
import dev.amdahl.spi.ResultBackendProvider;
import dev.amdahl.spi.UrlMasking;
import java.util.List;
import java.util.Locale;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.stream.Collectors;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;

/**
 * Opening applications on the broker and result backend a command was given, with the errors a user can act on.
 *
 * <p>Without {@code --backend} results go to the broker's own backend: for most brokers the broker's URL itself (a
 * Redis keeps both), which the application builder does by default; for RabbitMQ the rpc backend, which carries
 * results over the broker's connection ({@code amqp://...} becomes {@code rpc://...}, see {@link #defaultBackend}).
 */
final class Brokers {

    /** The embedded broker's scheme. */
    static final String MEMORY = "memory";

    /** The {@code --backend} option's description, one for every command that has it. */
    static final String BACKEND_DESCRIPTION = "Where results are kept, e.g. redis://127.0.0.1:6379 (default: the"
            + " broker's own backend: the broker's URL for redis://, rpc:// with the broker's address for amqp://).";

    /** What a command says to use when the backend it would use is not there. */
    private static final String BACKEND_EXAMPLE = "--backend redis://127.0.0.1:6379";

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
     * The broker's own result backend where that is not the broker's URL: {@code rpc://} for an {@code amqp://} broker
     * and {@code rpcs://} for {@code amqps://}, the rest of the URL (credentials, address, vhost, options) unchanged, so
     * that the results travel over the broker's own connection. {@code null} for every other broker, whose URL serves as
     * its backend.
     */
    static String defaultBackend(String broker) {
        if (broker == null) {
            return null;
        }
        int colon = broker.indexOf(':');
        return switch (scheme(broker)) {
            case "amqp" -> "rpc" + broker.substring(colon);
            case "amqps" -> "rpcs" + broker.substring(colon);
            default -> null;
        };
    }

    /** The result backend a command uses: {@code --backend} when given, else {@link #defaultBackend}. */
    static String backendUrl(String broker, String backend) {
        return backend != null ? backend : defaultBackend(broker);
    }

    /** Where results go, for the line a command prints: empty when they go to the broker's URL. */
    static String resultsNote(String broker, String backend) {
        String url = backendUrl(broker, backend);
        return url == null ? "" : ", results in " + UrlMasking.mask(url);
    }

    /**
     * An application on {@code url} (the embedded broker when null) that includes {@code catalogs}, with its results in
     * {@code backend} ({@code --backend}; the broker's own when null) and its messages signed with {@code keys} (none
     * when null).
     *
     * @throws ParameterException when a URL is malformed or no module on the class path provides its scheme (the
     *                            message names the option and lists the schemes there are)
     */
    static Amdahl open(CommandSpec spec, String url, String backend, List<Class<? extends TaskCatalog>> catalogs,
                       SigningKeys keys) {
        return open(spec, url, backend, catalogs, keys, null, List.of());
    }

    /**
     * {@link #open(CommandSpec, String, String, List, SigningKeys)} in a wire protocol, with observers of its tasks
     * (metrics, tracing).
     *
     * @param protocol the wire protocol's name ({@code celery}), or {@code null} for Amdahl's own
     */
    static Amdahl open(CommandSpec spec, String url, String backend, List<Class<? extends TaskCatalog>> catalogs,
                       SigningKeys keys, String protocol, List<dev.amdahl.observe.TaskObserver> observers) {
        Amdahl.Builder builder = Amdahl.builder();
        observers.forEach(builder::observer);
        if (protocol != null) {
            try {
                builder.wireProtocol(protocol);
            } catch (IllegalArgumentException e) {
                throw new ParameterException(spec.commandLine(), "--protocol " + protocol + ": " + e.getMessage());
            }
        }
        if (keys != null) {
            builder.signingKeys(keys);
        }
        if (url != null) {
            builder.broker(url);
        }
        String backendUrl = backendUrl(url, backend);
        if (backendUrl != null) {
            requireBackendProvider(spec, url, backend, backendUrl);
            builder.resultBackend(backendUrl);
        }
        Amdahl app;
        try {
            app = builder.build();
        } catch (IllegalArgumentException e) {
            String options = "--broker " + UrlMasking.mask(url) + (backend != null ? " --backend " + UrlMasking.mask(backend)
                    : backendUrl != null ? " (results in its own backend, " + UrlMasking.mask(backendUrl) + ")" : "");
            throw new ParameterException(spec.commandLine(), options + ": " + UrlMasking.mask(inFlags(e.getMessage())),
                    e, null, UrlMasking.mask(backendUrl == null ? url : backendUrl));
        }
        try {
            catalogs.forEach(app::include);
            return app;
        } catch (RuntimeException e) {
            app.close();
            throw e;
        }
    }

    /**
     * The application builder's message in the words of the command line: it names its own methods
     * ({@code resultBackend(...)}, {@code signingKeys(...)}), which a user of the command cannot call.
     */
    static String inFlags(String message) {
        return message == null ? null : message
                .replace("Set resultBackend(...) to", "Give --backend")
                .replace("set resultBackend(...)", "give --backend")
                .replace("resultBackend(...)", "--backend")
                .replace("signingKeys(...)", "--signing-keys");
    }

    /**
     * Fails, naming {@code --backend} and the schemes there are, when no module on the class path keeps results for
     * {@code backendUrl}'s scheme: the application builder's message would name neither the option nor, for a default
     * the user never wrote, where the URL came from. A broker whose own scheme has no provider is left to the builder,
     * whose message says which module to add: that is the first thing to fix.
     */
    private static void requireBackendProvider(CommandSpec spec, String broker, String backend, String backendUrl) {
        if (broker != null && !schemes(BrokerProvider.class, BrokerProvider::schemes).contains(rawScheme(broker))) {
            return;
        }
        String problem = missingBackend(broker, backend, backendUrl,
                schemes(ResultBackendProvider.class, ResultBackendProvider::schemes));
        if (problem != null) {
            throw new ParameterException(spec.commandLine(), problem);
        }
    }

    /**
     * What is wrong when {@code backendUrl} (given as {@code --backend}, or the broker's default when {@code backend} is
     * null) has a scheme outside {@code known}; {@code null} when nothing is, or when the URL has no scheme (the builder
     * says it is malformed).
     */
    static String missingBackend(String broker, String backend, String backendUrl, Set<String> known) {
        String scheme = rawScheme(backendUrl);
        if (scheme == null || known.contains(scheme)) {
            return null;
        }
        String schemes = new TreeSet<>(known).stream().map(s -> s + "://").collect(Collectors.joining(", "));
        String fix = "; the schemes there are " + schemes + ". Give --backend one of them, e.g. " + BACKEND_EXAMPLE;
        if (backend != null) {
            return "--backend " + UrlMasking.mask(backend) + ": no result backend for '" + scheme + "://' on the class path" + fix;
        }
        return "--broker " + UrlMasking.mask(broker) + " keeps its results in its own backend, " + UrlMasking.mask(backendUrl)
                + ", when --backend is not given, but no result backend for '" + scheme + "://' is on the class path" + fix;
    }

    private static <P> Set<String> schemes(Class<P> type, Function<P, Set<String>> schemes) {
        Set<String> known = new TreeSet<>();
        for (P provider : ServiceLoader.load(type, Brokers.class.getClassLoader())) {
            known.addAll(schemes.apply(provider));
        }
        return known;
    }

    /** The scheme as the provider lookup compares it (as written); {@code null} when there is none. */
    private static String rawScheme(String url) {
        int colon = url.indexOf(':');
        return colon <= 0 ? null : url.substring(0, colon);
    }

    private static String scheme(String url) {
        int colon = url.indexOf(':');
        return (colon < 0 ? url : url.substring(0, colon)).trim().toLowerCase(Locale.ROOT);
    }
}
