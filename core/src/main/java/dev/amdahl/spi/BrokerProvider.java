package dev.amdahl.spi;

import java.net.URI;
import java.util.Set;

/**
 * Opens a {@link Broker} for the URL schemes it knows. Providers are found with
 * {@link ServiceLoader}: a broker module lists its provider in
 * {@code META-INF/services/dev.amdahl.spi.BrokerProvider}.
 */
public interface BrokerProvider {

    /** The URL schemes this provider opens, e.g. {@code redis} and {@code rediss}. */
    Set<String> schemes();

    /** Opens a broker for {@code uri}; fails with a message naming what is wrong in the URL. */
    Broker open(URI uri, ProviderContext context);

}
