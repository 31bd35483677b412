package dev.amdahl.cli;

import picocli.CommandLine.Command;

/** {@code amdahl demo}: the demo jobs, each a subcommand. */
@Command(name = "demo",
        mixinStandardHelpOptions = true,
        header = "Run a demo job on 1, 2, ... workers and print the speedup.",
        description = "The demos run on the embedded broker with nothing installed: each worker count gets a fresh application and one worker in this process. See 'amdahl demo mandelbrot --help'.",
        subcommands = {DemoMandelbrotCommand.class, DemoPiCommand.class},
        footer = {
            "",
            "Examples:",
            "  amdahl demo mandelbrot",
            "  amdahl demo pi --workers 1,2,4",
        })
final class DemoCommand extends CliCommand {

    @Override
    int execute() {
        throw usageError("say which demo to run: 'amdahl demo mandelbrot' or 'amdahl demo pi'");
    }
}
