package dev.amdahl.examples;

import dev.amdahl.Amdahl;
import dev.amdahl.Task;
import dev.amdahl.TaskCatalog;
import dev.amdahl.TaskFuture;
import dev.amdahl.scaling.JobStats;
import java.time.Duration;
import java.util.List;
import java.util.Locale;

/**
 * Map-reduce: a generated text ({@link Corpus}) split into chunks, each chunk's words counted by a
 * {@value WordCountTasks#COUNT} task (the map), and all the counts summed by one {@value WordCountTasks#MERGE}
 * task, the callback of a chord (the reduce). The reduce starts only when the last map has finished and runs
 * alone: with the split and the submission in the caller it is the job's serial part.
 *
 * <pre>{@code
 * WordCountJob job = WordCountJob.DEFAULT;
 * try (Amdahl app = Amdahl.builder().include(WordCountTasks.class).build();
 *      Worker worker = app.startWorker(WorkerOptions.builder().concurrency(2).build())) {
 *     WordCountJob.Count count = job.count(app, JobProgress.NONE);
 *     count.counts().top(10);
 * }
 * }</pre>
 *
 * <p>The text is generated the first time a run needs it and kept: generating it is not part of the job, as
 * reading files from disk would not be; splitting it is.
 */
public final class WordCountJob implements DemoJob {

    /** The seed of {@link #DEFAULT}. */
    public static final long DEFAULT_SEED = 42;

    /** The default job: 4 MB of text in 16 chunks. */
    public static final WordCountJob DEFAULT = new WordCountJob(4_000_000, 16, DEFAULT_SEED);

    /** How long a run waits for the reduce: far beyond what any text that fits in a message takes. */
    private static final Duration WAIT = Duration.ofMinutes(30);

    private final long bytes;
    private final int chunkCount;
    private final long seed;
    private volatile String text;

    /**
     * @param bytes      about how many characters of text
     * @param chunkCount how many chunks (map tasks) the text is split into
     * @param seed       the text's seed; the same seed gives the same text
     */
    public WordCountJob(long bytes, int chunkCount, long seed) {
        if (bytes < 1 || bytes > 64L * 1024 * 1024) {
            throw new IllegalArgumentException("the text must be 1 byte to 64 MiB, was " + bytes);
        }
        if (chunkCount < 1 || chunkCount > bytes) {
            throw new IllegalArgumentException("cannot split " + bytes + " bytes into " + chunkCount
                    + " chunks: need at least 1 chunk and 1 byte per chunk");
        }
        this.bytes = bytes;
        this.chunkCount = chunkCount;
        this.seed = seed;
    }

    /**
     * The counts and what computing them took.
     *
     * @param counts the whole text's word counts
     * @param run    the run
     */
    public record Count(WordCounts counts, JobRun run) {
    }

    /** About how many characters of text. */
    public long bytes() {
        return bytes;
    }

    /** How many chunks the text is split into. */
    public int chunkCount() {
        return chunkCount;
    }

    /** The text's seed. */
    public long seed() {
        return seed;
    }

    /** The text the job counts, generated on first use. */
    public String text() {
        String t = text;
        if (t == null) {
            t = Corpus.generate(bytes, seed);
            text = t;
        }
        return t;
    }

    @Override
    public String name() {
        return "wordcount";
    }

    @Override
    public String description() {
        return String.format(Locale.ROOT, "word count (map-reduce), %,d bytes of text in %d chunks, merged by a chord callback",
                bytes, chunkCount);
    }

    @Override
    public Class<? extends TaskCatalog> catalog() {
        return WordCountTasks.class;
    }

    /** The map tasks and the one reduce. */
    @Override
    public int taskCount() {
        return chunkCount + 1;
    }

    /**
     * Counts the words on {@code app}'s workers.
     *
     * @throws dev.amdahl.TaskFailedException when a chunk or the merge fails
     */
    public Count count(Amdahl app, JobProgress progress) {
        String all = text();
        progress.update(0, taskCount());
        long start = System.nanoTime();
        List<TextChunk> chunks = Corpus.chunks(all, chunkCount);
        Task<TextChunk, ChunkCounts> map = WordCountTasks.count(app);
        TaskFuture<WordCounts> reduced = app.group(chunks.stream().map(map::sig).toList())
                .then(WordCountTasks.merge(app).sig())
                .submit();
        long splitAndSubmitNanos = System.nanoTime() - start;
        WordCounts counts = reduced.result(WAIT);
        Duration wall = Duration.ofNanos(System.nanoTime() - start);
        progress.update(taskCount(), taskCount());
        // the reduce ran on a worker, but alone: nothing else of the job could run beside it
        JobStats stats = new JobStats((splitAndSubmitNanos + counts.reduceNanos()) / 1e9, counts.mapNanos() / 1e9);
        WordCounts.Entry first = counts.top(1).get(0);
        String summary = String.format(Locale.ROOT, "%,d words, %,d distinct; the commonest: '%s', %,d times",
                counts.words(), counts.counts().size(), first.word(), first.count());
        return new Count(counts, new JobRun(wall, taskCount(), summary, stats));
    }

    @Override
    public JobRun run(Amdahl app, JobProgress progress) {
        return count(app, progress).run();
    }

    /** One timed run per worker count: a run at the default size takes seconds. */
    @Override
    public int defaultRepeats() {
        return 1;
    }

    /** Counts 200 kB of text in as many chunks as this job, at most 32. */
    @Override
    public void warmUp(Amdahl app) {
        new WordCountJob(Math.min(bytes, 200_000), Math.min(chunkCount, 32), seed).count(app, JobProgress.NONE);
    }
}
