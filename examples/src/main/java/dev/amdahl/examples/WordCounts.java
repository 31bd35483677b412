package dev.amdahl.examples;

import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The whole text's word counts: the result of the {@code wordcount.merge} task (the reduce), with the
 * time its map and reduce took on the workers.
 *
 * <pre>{@code
 * WordCounts all = job.count(app, JobProgress.NONE).counts();
 * for (WordCounts.Entry e : all.top(10)) {
 *     System.out.println(e.word() + " " + e.count());
 * }
 * }</pre>
 *
 * @param counts      each word and how often it occurs
 * @param chunks      how many chunks were merged
 * @param mapNanos    the chunks' counting times, summed: the parallel part
 * @param reduceNanos how long merging them took: the serial part that runs on a worker
 */
public record WordCounts(Map<String, Long> counts, int chunks, long mapNanos, long reduceNanos) {

    public WordCounts {
        counts = Map.copyOf(Objects.requireNonNull(counts, "counts"));
    }

    /** A word and its count. */
    public record Entry(String word, long count) {
    }

    /** How many words the text has, repeats included. */
    public long words() {
        return counts.values().stream().mapToLong(Long::longValue).sum();
    }

    /** The {@code n} commonest words, commonest first; ties in alphabetical order. */
    public List<Entry> top(int n) {
        return counts.entrySet().stream()
                .sorted(Map.Entry.<String, Long>comparingByValue(Comparator.reverseOrder()).thenComparing(Map.Entry.comparingByKey()))
                .limit(n)
                .map(e -> new Entry(e.getKey(), e.getValue()))
                .toList();
    }
}
