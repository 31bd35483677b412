package dev.amdahl.examples;

import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Map-reduce word counting: the kernels of the {@code wordcount.count} task (map: one chunk's counts) and
 * the {@code wordcount.merge} task (reduce: all chunks' counts summed).
 *
 * <pre>{@code
 * List<TextChunk> chunks = Corpus.chunks(text, 32);
 * ChunkCounts[] parts = chunks.stream().map(WordCount::count).toArray(ChunkCounts[]::new);  // on the workers
 * WordCounts all = WordCount.merge(parts);                                                 // the chord callback
 * all.top(10);
 * }</pre>
 *
 * <p>A word is a run of letters (apostrophes, digits and punctuation end it), compared lowercased in the
 * root locale, so "Task," and "task" are one word.
 */
public final class WordCount {

    private WordCount() {
    }

    /** The map: counts the words of one chunk, timing it. */
    public static ChunkCounts count(TextChunk chunk) {
        long start = System.nanoTime();
        Map<String, Long> counts = countWords(chunk.text());
        return new ChunkCounts(chunk.index(), counts, System.nanoTime() - start);
    }

    /** The reduce: sums the chunks' counts, timing it; the chunks' own times travel along. */
    public static WordCounts merge(ChunkCounts[] parts) {
        long start = System.nanoTime();
        Map<String, Long> total = new HashMap<>();
        long mapNanos = 0;
        for (ChunkCounts part : parts) {
            part.counts().forEach((word, n) -> total.merge(word, n, Long::sum));
            mapNanos += part.countNanos();
        }
        return new WordCounts(total, parts.length, mapNanos, System.nanoTime() - start);
    }

    /** The words of {@code text} and how often each occurs. */
    static Map<String, Long> countWords(String text) {
        Map<String, Long> counts = new HashMap<>();
        int i = 0;
        int n = text.length();
        while (i < n) {
            while (i < n && !Character.isLetter(text.charAt(i))) {
                i++;
            }
            int start = i;
            while (i < n && Character.isLetter(text.charAt(i))) {
                i++;
            }
            if (i > start) {
                counts.merge(text.substring(start, i).toLowerCase(Locale.ROOT), 1L, Long::sum);
            }
        }
        return counts;
    }
}
