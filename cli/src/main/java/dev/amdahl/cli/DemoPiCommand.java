package dev.amdahl.cli;

import dev.amdahl.examples.PiJob;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code amdahl demo pi}: estimates pi with Monte Carlo tasks, timed at each worker count. */
@Command(name = "pi",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        header = "Estimate pi with Monte Carlo tasks, timed at each worker count.",
        description = "Estimate pi by throwing random points at a square, one task per chunk of points, on 1, 2, ... workers, and print each run's wall time, tasks per second and speedup against 1 worker.",
        footer = {
            "",
            "Examples:",
            "  amdahl demo pi",
            "  amdahl demo pi --workers 1,2,4 --samples 1000000000 --chunks 128",
        })
final class DemoPiCommand extends CliCommand {

    @Mixin
    DemoOptions demo;

    @Option(names = "--samples", paramLabel = "N", defaultValue = "200000000",
            description = "How many random points in all (default: ${DEFAULT-VALUE}).")
    long samples;

    @Option(names = "--chunks", paramLabel = "N", defaultValue = "64",
            description = "How many tasks they are split into (default: ${DEFAULT-VALUE}).")
    int chunks;

    @Option(names = "--seed", paramLabel = "N", defaultValue = "" + PiJob.DEFAULT_SEED,
            description = "The random seed; the same seed gives the same estimate (default: ${DEFAULT-VALUE}).")
    long seed;

    @Override
    int execute() {
        PiJob job;
        try {
            job = new PiJob(samples, chunks, seed);
        } catch (IllegalArgumentException e) {
            throw usageError(e.getMessage());
        }
        List<DemoRunner.Timing> timings = new DemoRunner(spec, demo).run(job, job::run);
        out().println(timings.get(timings.size() - 1).run().summary());
        return OK;
    }
}
