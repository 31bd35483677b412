package dev.amdahl.cli;

import dev.amdahl.examples.WordCountJob;
import dev.amdahl.examples.WordCounts;
import java.util.List;
import java.util.Locale;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code amdahl demo wordcount}: map-reduce word counting, a chord of counting tasks and one merge, timed at each worker count. */
@Command(name = "wordcount",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        header = "Count the words of a generated text by map-reduce, timed at each worker count.",
        description = "Map-reduce: generate a text (the same for the same seed), split it into chunks, count each chunk's"
                + " words in a task of its own (the map) and sum the counts in one task, the callback of a chord (the"
                + " reduce), on 1, 2, ... workers; print each run's wall time, tasks per second and speedup against 1"
                + " worker, the commonest words, and the serial part: the split, the submission and the reduce.",
        footer = {
            "",
            "Examples:",
            "  amdahl demo wordcount",
            "  amdahl demo wordcount --workers 1,2,4 --bytes 16000000 --chunks 64 --top 20",
            "  amdahl demo wordcount --broker redis://127.0.0.1:6379",
            "      (served by 'amdahl worker --broker redis://127.0.0.1:6379' run elsewhere)",
        })
final class DemoWordCountCommand extends CliCommand {

    @Mixin
    DemoOptions demo;

    @Option(names = "--bytes", paramLabel = "N", defaultValue = "4000000",
            description = "About how many characters of text (default: ${DEFAULT-VALUE}).")
    long bytes;

    @Option(names = "--chunks", paramLabel = "N", defaultValue = "16",
            description = "How many chunks, one counting task each (default: ${DEFAULT-VALUE}).")
    int chunks;

    @Option(names = "--seed", paramLabel = "N", defaultValue = "" + WordCountJob.DEFAULT_SEED,
            description = "The text's seed; the same seed gives the same text (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--top", paramLabel = "N", defaultValue = "10",
            description = "How many of the commonest words to print (default: ${DEFAULT-VALUE}).")
    int top;

    @Override
    int execute() {
        WordCountJob job;
        try {
            job = new WordCountJob(bytes, chunks, seed);
        } catch (IllegalArgumentException e) {
            throw usageError(e.getMessage());
        }
        if (top < 0) {
            throw usageError("--top " + top + ": say how many words to print, 0 or more");
        }
        long start = System.nanoTime();
        int length = job.text().length();
        out().println(String.format(Locale.ROOT, "generated %,d characters of text (seed %d) in %.2f s, not timed below",
                length, seed, (System.nanoTime() - start) / 1e9));
        WordCountJob.Count[] last = new WordCountJob.Count[1];
        new DemoRunner(spec, demo).run(job, (app, progress) -> {
            last[0] = job.count(app, progress);
            return last[0].run();
        });
        WordCounts counts = last[0].counts();
        out().println(last[0].run().summary());
        List<WordCounts.Entry> commonest = counts.top(top);
        if (!commonest.isEmpty()) {
            out().println("  rank  word            count   share");
            long words = counts.words();
            for (int i = 0; i < commonest.size(); i++) {
                WordCounts.Entry e = commonest.get(i);
                out().println(String.format(Locale.ROOT, "%6d  %-12s %,8d  %5.2f %%", i + 1, e.word(), e.count(),
                        100.0 * e.count() / words));
            }
        }
        double serial = last[0].run().stats().serialSeconds();
        double reduce = counts.reduceNanos() / 1e9;
        out().println(String.format(Locale.ROOT, "the serial part, %.3f s: splitting and submitting %.3f s in this process,"
                        + " the reduce (one task merging %d chunks' counts) %.3f s on a worker while nothing else ran",
                serial, serial - reduce, counts.chunks(), reduce));
        return OK;
    }
}
