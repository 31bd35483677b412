package dev.amdahl.cli;

import dev.amdahl.Pool;
import java.util.List;
import picocli.CommandLine.Option;

/** The options every demo shares: where it runs and on how many workers. */
final class DemoOptions {

    @Option(names = {"-w", "--workers"}, paramLabel = "N,N...", hideParamSyntax = true, split = ",",
            description = "Worker counts to time the job at, comma-separated; each run gets a fresh application"
                    + " and one in-process worker with that many threads (default: 1 and this machine's core count).")
    List<Integer> workers;

    @Option(names = {"-r", "--repeat"}, paramLabel = "N",
            description = "Rounds over the worker counts (1,2,4,1,2,4,...), each run after an untimed warm-up at its"
                    + " count; the median is shown with the fastest and slowest (default: 3, or 1 for the demos whose"
                    + " run takes seconds: render, wordcount, photos).")
    Integer repeat;

    @Option(names = "--pool", paramLabel = "POOL", converter = Converters.PoolConverter.class,
            completionCandidates = Converters.PoolNames.class, defaultValue = "threads",
            description = "Where the in-process worker runs tasks: threads, virtual (Java 21+) or processes"
                    + " (default: ${DEFAULT-VALUE}).")
    Pool pool;

    @Option(names = "--broker", paramLabel = "URL",
            description = "The broker to submit to (default: memory://, the embedded one). With another broker,"
                    + " workers started elsewhere with 'amdahl worker --broker URL' do the work, and no worker runs"
                    + " in this process unless --workers is given.")
    String broker;

    @Option(names = "--backend", paramLabel = "URL", description = Brokers.BACKEND_DESCRIPTION
            + " With workers elsewhere, the one they report to.")
    String backend;
}
