package dev.amdahl.cli;

import dev.amdahl.examples.PipelineJob;
import java.util.Locale;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code amdahl demo pipeline}: the CPU-GPU point, a two-stage job with its data by value, then by reference. */
@Command(name = "pipeline",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        header = "Run a two-stage job (an accelerator stage on a gpu worker, then a CPU stage) by value and by reference.",
        description = "Blocks of samples go through an accelerator stage, placed on a worker that offers gpu=1 (on this"
                + " machine a worker that says so stands in for one), then through a CPU stage. The job runs twice on the"
                + " embedded broker, its blocks passed by value and then by reference (stored once in the result backend,"
                + " a handle in the queue), and prints each run's time, bytes moved and Amdahl view.",
        footer = {
            "",
            "Examples:",
            "  amdahl demo pipeline",
            "  amdahl demo pipeline --blocks 24 --block-size 200000",
        })
final class DemoPipelineCommand extends CliCommand {

    @Option(names = "--blocks", paramLabel = "N", defaultValue = "8",
            description = "How many blocks, each a chain of the two stages (default: ${DEFAULT-VALUE}).")
    int blocks;

    @Option(names = "--block-size", paramLabel = "N", defaultValue = "50000",
            description = "Samples per block (default: ${DEFAULT-VALUE}, about 0.5 MiB of JSON).")
    int blockSize;

    @Option(names = "--cpu-threads", paramLabel = "N",
            description = "Threads of the CPU worker (default: this machine's core count).")
    Integer cpuThreads;

    @Override
    int execute() {
        PipelineJob job;
        try {
            job = new PipelineJob(blocks, blockSize, cpuThreads != null ? cpuThreads : Runtime.getRuntime().availableProcessors());
        } catch (IllegalArgumentException e) {
            throw usageError(e.getMessage());
        }
        out().printf(Locale.ROOT, "%d blocks of %,d samples; accelerator worker offers gpu=1 (x2 slots), CPU worker gpu=0 (x%d)%n",
                job.blocks(), job.blockSize(), job.cpuThreads());
        PipelineJob.Run warmUp = job.run("memory://", "memory://", true);
        PipelineJob.Run byValue = job.run("memory://", "memory://", false);
        out().println(byValue.summary());
        PipelineJob.Run byReference = job.run("memory://", "memory://", true);
        out().println(byReference.summary());
        if (Math.abs(byValue.checksum() - byReference.checksum()) > 1e-6 * Math.abs(byValue.checksum()) || warmUp.checksum() != byReference.checksum()) {
            err().println("the runs disagree: checksum " + byValue.checksum() + " by value, " + byReference.checksum() + " by reference");
            return FAILED;
        }
        out().printf(Locale.ROOT, "by reference: %.1fx fewer bytes through the queue, %.2fx the time of by value%n",
                byValue.queueBytes() / (double) Math.max(1, byReference.queueBytes()), byReference.wallSeconds() / byValue.wallSeconds());
        return OK;
    }
}
