package dev.amdahl.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.Spec;

/** The top-level {@code amdahl} command; each subcommand is a class of its own in this package. */
@Command(name = "amdahl",
        mixinStandardHelpOptions = true,
        version = "amdahl 0.1.0",
        description = {
            "Parallel and distributed task execution for Java, with its own scaling analysis.",
            "",
        },
        subcommands = {
            picocli.CommandLine.HelpCommand.class,
            DemoCommand.class,
            WorkerCommand.class,
            SubmitCommand.class,
            MigrateCommand.class,
            StatusCommand.class,
            InspectCommand.class,
            ResultCommand.class,
            RevokeCommand.class,
            TerminateCommand.class,
            PurgeCommand.class,
            DeadLettersCommand.class,
            EventsCommand.class,
            DashboardCommand.class,
            LawCommand.class,
            ScaleCommand.class,
        },
        footer = {
            "",
            "Examples:",
            "  amdahl demo mandelbrot                   # 1 worker, then all cores",
            "  amdahl demo pi --workers 1,2,4           # estimate pi, timed on 1, 2 and 4",
            "  amdahl worker --broker redis://host:6379 # serve tasks from a shared broker",
            "  amdahl submit --broker redis://host:6379 --wait 30s \\",
            "      montecarlo.pi '{\"seed\": 1, \"samples\": 1000000}'",
            "  amdahl status --broker redis://host:6379  # workers, queues, dead letters",
            "  amdahl result ID --wait 30s               # a task's result, later",
            "  amdahl migrate --broker postgres://admin@db/appdb  # create the PostgreSQL broker's tables",
            "  amdahl law -p 0.99 -t 100 -n 1,10,100,1000  # Amdahl's law, with Gustafson's",
            "  amdahl scale mandelbrot --workers 1,2,4 --html scale.html  # fit S, advise a worker count",
            "",
            "Run 'amdahl COMMAND --help' for a command's options.",
            "Exit codes: 0 done, 1 failed, 2 usage error; --verbose adds stack traces.",
        })
final class AmdahlCommand implements Runnable {

    @Spec
    CommandSpec spec;

    /** Inherited by every subcommand, so it may be written before or after the subcommand's name. */
    @Option(names = "--verbose", scope = ScopeType.INHERIT,
            description = "On an error, print its stack trace too; log what workers do.")
    boolean verbose;

    /** Applied before the command runs (see {@link CliCommand}); the worker's default is info, the others' warn. */
    @Option(names = {"-l", "--loglevel"}, paramLabel = "LEVEL", scope = ScopeType.INHERIT,
            description = "How much to log: error, warn, info, debug or trace (default: info for the worker, one line per"
                    + " task; warn for the rest). Netty, Lettuce, the AMQP client, HikariCP and the PostgreSQL driver stay at warn"
                    + " unless debug or trace.")
    String loglevel;

    /** Applied with the level (see {@link CliCommand}): text for people, JSON lines for log shippers. */
    @Option(names = "--log-format", paramLabel = "FORMAT", scope = ScopeType.INHERIT,
            description = "How log lines look: text (the default) or json, one object per line with time, level, logger,"
                    + " thread, message, the task's taskId and name while one runs, and exception, for log shippers.")
    String logFormat;

        /** Read by {@link Main} before parsing (see {@link ConfigDefaults}); declared so that it parses and shows in the help. */
    @Option(names = "--config", paramLabel = "FILE", scope = ScopeType.INHERIT,
            description = "A properties file of defaults (broker=, backend=, queues=, ...; default: ./amdahl.properties)."
                    + " Flags beat AMDAHL_* environment variables, which beat the file.")
    String config;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }
}
