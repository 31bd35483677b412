package dev.amdahl.examples;

import dev.amdahl.Amdahl;
import dev.amdahl.Task;
import dev.amdahl.TaskCatalog;

/**
 * The word count's tasks: {@value #COUNT} counts one {@link TextChunk}'s words (the map) and {@value #MERGE}
 * sums all chunks' counts (the reduce, a chord's callback).
 *
 * <pre>{@code
 * Amdahl app = Amdahl.builder().include(WordCountTasks.class).build();
 * TaskFuture<WordCounts> all = app.group(chunks.stream().map(WordCountTasks.count(app)::sig).toList())
 *         .then(WordCountTasks.merge(app).sig())
 *         .submit();
 * }</pre>
 */
public final class WordCountTasks implements TaskCatalog {

    /** The map task's name. */
    public static final String COUNT = "wordcount.count";

    /** The reduce task's name. */
    public static final String MERGE = "wordcount.merge";

    @Override
    public void register(Amdahl app) {
        app.task(COUNT, TextChunk.class, ChunkCounts.class, WordCount::count);
        app.task(MERGE, ChunkCounts[].class, WordCounts.class, WordCount::merge);
    }

    /** A handle on the map task, to submit it from an application that includes this catalog (or whose workers do). */
    public static Task<TextChunk, ChunkCounts> count(Amdahl app) {
        return app.task(COUNT, TextChunk.class, ChunkCounts.class);
    }

    /** A handle on the reduce task. */
    public static Task<ChunkCounts[], WordCounts> merge(Amdahl app) {
        return app.task(MERGE, ChunkCounts[].class, WordCounts.class);
    }
}
