package dev.amdahl.cli;

import picocli.CommandLine.Command;

/** {@code amdahl demo}: the demo jobs, each a subcommand. */
@Command(name = "demo",
        mixinStandardHelpOptions = true,
        header = "Run a demo job on 1, 2, ... workers and print the speedup.",
        description = "The demos run on the embedded broker with nothing installed: each worker count gets a fresh application and one worker in this process. See 'amdahl demo mandelbrot --help'.",
        subcommands = {DemoMandelbrotCommand.class, DemoPiCommand.class, DemoRenderCommand.class, DemoWordCountCommand.class,
                DemoPhotosCommand.class, DemoFetchCommand.class, DemoPipelineCommand.class},
        footer = {
            "",
            "Examples:",
            "  amdahl demo mandelbrot",
            "  amdahl demo pi --workers 1,2,4",
            "  amdahl demo render",
            "  amdahl demo wordcount",
            "  amdahl demo photos --ui",
            "  amdahl demo fetch",
            "  amdahl demo pipeline",
        })
final class DemoCommand extends CliCommand {

    @Override
    int execute() {
        throw usageError("say which demo to run: 'amdahl demo mandelbrot', 'amdahl demo pi', 'amdahl demo render',"
                + " 'amdahl demo wordcount', 'amdahl demo photos', 'amdahl demo fetch' or 'amdahl demo pipeline'");
    }
}
