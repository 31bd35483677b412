package dev.amdahl.cli;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.Configurator;
import ch.qos.logback.core.spi.ContextAwareBase;

/**
 * What the command logs before it has read its options, and what a program that embeds it logs: text at warn
 * ({@link CliLogging}), so that Logback's own default, everything at debug, never shows. Logback finds it through
 * {@code META-INF/services/ch.qos.logback.classic.spi.Configurator}; public for that alone.
 */
public final class LogbackDefaults extends ContextAwareBase implements Configurator {

    @Override
    public ExecutionStatus configure(LoggerContext context) {
        CliLogging.configure(context, "warn", CliLogging.Format.TEXT, System.err);
        return ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY;
    }
}
