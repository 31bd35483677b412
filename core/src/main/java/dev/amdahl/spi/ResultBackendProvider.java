package dev.amdahl.spi;

import java.net.URI;
import java.util.Set;

/**
 * Opens a {@link ResultBackend} for the URL schemes it knows; found with {@link java.util.ServiceLoader}
 * from {@code META-INF/services/dev.amdahl.spi.ResultBackendProvider}.
 */
public interface ResultBackendProvider {

    /** The URL schemes this provider opens. */
    Set<String> schemes();

    /** Opens a result backend for {@code uri}; fails with a message naming what is wrong in the URL. */
    ResultBackend open(URI uri, ProviderContext context);

}
