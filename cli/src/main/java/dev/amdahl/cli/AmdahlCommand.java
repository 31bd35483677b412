package dev.amdahl.cli;

import picocli.CommandLine.Command;

/** The top-level {@code amdahl} command; each subcommand is a class of its own in this package. */
@Command(name = "amdahl",
        mixinStandardHelpOptions = true,
        version = "amdahl 0.1.0",
        description = "Parallel and distributed task execution for Java, with its own scaling analysis.",
        subcommands = {
            picocli.CommandLine.HelpCommand.class,
            LawCommand.class,
        })
final class AmdahlCommand implements Runnable {

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }
}
