package dev.amdahl.internal.provider;

import dev.amdahl.spi.Broker;
import dev.amdahl.spi.BrokerProvider;
import dev.amdahl.spi.ProviderContext;
import dev.amdahl.spi.ResultBackend;
import dev.amdahl.spi.ResultBackendProvider;
import dev.amdahl.spi.UrlMasking;
import java.net.URI;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.function.Function;

/** Finds the provider of a URL scheme among those on the class path. */
public final class Providers {

    private Providers() {
    }

    /** Opens a broker with the provider of the URL's scheme. */
    public static Broker openBroker(URI uri, ProviderContext context) {
        return find(BrokerProvider.class, uri, BrokerProvider::schemes, "broker").open(uri, context);
    }

    /** Opens a result backend with the provider of the URL's scheme. */
    public static ResultBackend openBackend(URI uri, ProviderContext context) {
        return find(ResultBackendProvider.class, uri, ResultBackendProvider::schemes, "result backend").open(uri, context);
    }

    private static String moduleHint(String scheme) {
        String module = switch (scheme) {
            case "redis", "rediss" -> "amdahl-redis";
            case "amqp", "amqps", "rpc", "rpcs" -> "amdahl-rabbitmq";
            case "postgres", "postgresql" -> "amdahl-postgres";
            default -> null;
        };
        return module == null ? "; check the URL's scheme" : "; add the module that provides it, dev.amdahl:" + module;
    }

    /**
     * The provider of {@code uri}'s scheme.
     *
     * @throws IllegalArgumentException naming the scheme, the known schemes and the module to add
     */
    static <P> P find(Class<P> type, URI uri, Function<P, Set<String>> schemes, String what) {
        String scheme = uri.getScheme();
        if (scheme == null) {
            throw new IllegalArgumentException("the " + what + " URL '" + UrlMasking.mask(uri)
                    + "' has no scheme: write memory://, redis://127.0.0.1:6379 ...");
        }
        java.util.SortedSet<String> known = new java.util.TreeSet<>();
        for (P provider : ServiceLoader.load(type, Providers.class.getClassLoader())) {
            Set<String> its = schemes.apply(provider);
            if (its.contains(scheme)) {
                return provider;
            }
            known.addAll(its);
        }
        throw new IllegalArgumentException("no " + what + " for '" + scheme + "://' on the class path (there are "
                + String.join(", ", known.stream().map(k -> k + "://").toList()) + ")" + (servesOtherwise(type, scheme) ? "; the module of " + scheme + ":// is there but provides no "
                + what + ": take one from another module for it (e.g. redis://127.0.0.1:6379)" : moduleHint(scheme)));
    }

    /** Whether the scheme's module is on the class path with the other kind of provider (a broker but no backend). */
    private static boolean servesOtherwise(Class<?> type, String scheme) {
        if (type == ResultBackendProvider.class) {
            return ServiceLoader.load(BrokerProvider.class, Providers.class.getClassLoader()).stream()
                    .anyMatch(p -> p.get().schemes().contains(scheme));
        }
        return ServiceLoader.load(ResultBackendProvider.class, Providers.class.getClassLoader()).stream()
                .anyMatch(p -> p.get().schemes().contains(scheme));
    }
}
