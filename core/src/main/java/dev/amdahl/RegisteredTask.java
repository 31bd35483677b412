package dev.amdahl;

import com.fasterxml.jackson.databind.JavaType;

/**
 * A task known by name: its argument and result types and, where this JVM implements it, its code.
 *
 * @param name         the registered name
 * @param argumentType what the JSON argument decodes into
 * @param resultType   what the JSON result decodes into
 * @param function     the code, or {@code null} for a task implemented in other processes
 * @param catalog      the catalog that registered it, or {@code null}; process-pool children need one
 * @param defaults     the options it was registered with
 */
record RegisteredTask<A, R>(String name, JavaType argumentType, JavaType resultType, TaskFunction<A, R> function,
                            Class<? extends TaskCatalog> catalog, TaskOptions defaults) {

    RegisteredTask {
        defaults = defaults == null ? TaskOptions.ofDefaults() : defaults;
    }

    RegisteredTask(String name, JavaType argumentType, JavaType resultType, TaskFunction<A, R> function,
                   Class<? extends TaskCatalog> catalog) {
        this(name, argumentType, resultType, function, catalog, TaskOptions.ofDefaults());
    }
}
