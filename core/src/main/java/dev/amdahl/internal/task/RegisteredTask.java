package dev.amdahl.internal.task;

import com.fasterxml.jackson.databind.JavaType;
import dev.amdahl.TaskCatalog;
import dev.amdahl.TaskFunction;
import dev.amdahl.TaskOptions;

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
public record RegisteredTask<A, R>(String name, JavaType argumentType, JavaType resultType, TaskFunction<A, R> function,
                            Class<? extends TaskCatalog> catalog, TaskOptions defaults) {

    public RegisteredTask {
        defaults = defaults == null ? TaskOptions.ofDefaults() : defaults;
    }

    RegisteredTask(String name, JavaType argumentType, JavaType resultType, TaskFunction<A, R> function,
                   Class<? extends TaskCatalog> catalog) {
        this(name, argumentType, resultType, function, catalog, TaskOptions.ofDefaults());
    }
}
