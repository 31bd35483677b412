package dev.amdahl.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.amdahl.Amdahl;
import dev.amdahl.TaskFuture;
import dev.amdahl.Worker;
import dev.amdahl.WorkerOptions;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
class WordCountJobTest {

    private static final WordCountJob SMALL = new WordCountJob(300_000, 12, 7);

    /** The plain way: one thread, a regular expression, a collector; nothing shared with {@link WordCount}. */
    private static Map<String, Long> plainCount(String text) {
        return Arrays.stream(text.split("[^\\p{L}]+"))
                .filter(w -> !w.isEmpty())
                .map(w -> w.toLowerCase(Locale.ROOT))
                .collect(Collectors.groupingBy(Function.identity(), Collectors.counting()));
    }

    @Test
    void theMapReduceOnWorkersCountsWhatAPlainSingleThreadedCountDoes() {
        WordCountJob.Count count;
        try (Amdahl app = Amdahl.builder().include(WordCountTasks.class).build();
             Worker worker = app.startWorker(WorkerOptions.builder().concurrency(2).build())) {
            count = SMALL.count(app, JobProgress.NONE);
        }

        Map<String, Long> plain = plainCount(SMALL.text());
        assertThat(count.counts().counts()).isEqualTo(plain);
        assertThat(count.counts().chunks()).isEqualTo(12);
        assertThat(count.counts().words()).isEqualTo(plain.values().stream().mapToLong(Long::longValue).sum());
        assertThat(count.run().tasks()).isEqualTo(13);
        assertThat(count.run().stats().parallelSeconds()).isPositive();
        assertThat(count.run().stats().serialSeconds()).isPositive();
        assertThat(count.run().summary()).contains("the commonest: 'the'");
    }

    @Test
    void theChordsCallbackSumsTheChunksCounts() {
        List<TextChunk> chunks = List.of(new TextChunk(0, "The task, the worker."), new TextChunk(1, "A worker runs the task"),
                new TextChunk(2, ""));
        try (Amdahl app = Amdahl.builder().include(WordCountTasks.class).build();
             Worker worker = app.startWorker(WorkerOptions.builder().concurrency(2).build())) {
            TaskFuture<WordCounts> reduced = app.group(chunks.stream().map(WordCountTasks.count(app)::sig).toList())
                    .then(WordCountTasks.merge(app).sig())
                    .submit();

            WordCounts counts = reduced.result(java.time.Duration.ofSeconds(30));
            assertThat(counts.counts()).containsOnly(Map.entry("the", 3L), Map.entry("task", 2L), Map.entry("worker", 2L),
                    Map.entry("a", 1L), Map.entry("runs", 1L));
            assertThat(counts.chunks()).isEqualTo(3);
            assertThat(counts.top(3)).containsExactly(new WordCounts.Entry("the", 3), new WordCounts.Entry("task", 2),
                    new WordCounts.Entry("worker", 2));
        }
    }

    @Test
    void theCorpusIsTheSameForTheSameSeedAndFollowsZipfsLaw() {
        String text = Corpus.generate(200_000, 42);

        assertThat(Corpus.generate(200_000, 42)).isEqualTo(text);
        assertThat(Corpus.generate(200_000, 43)).isNotEqualTo(text);
        assertThat(text.length()).isBetween(200_000, 200_200);
        List<WordCounts.Entry> top = new WordCounts(plainCount(text), 1, 0, 0).top(2);
        assertThat(top.get(0).word()).isEqualTo("the");
        assertThat((double) top.get(0).count() / top.get(1).count()).as("the first word about twice the second").isBetween(1.7, 2.3);
    }

    @Test
    void theChunksAreTheTextCutBetweenWords() {
        String text = Corpus.generate(50_000, 1);

        List<TextChunk> chunks = Corpus.chunks(text, 9);

        assertThat(chunks).hasSize(9);
        assertThat(chunks.stream().map(TextChunk::text).collect(Collectors.joining())).isEqualTo(text);
        for (TextChunk chunk : chunks.subList(0, 8)) {
            assertThat(chunk.text()).isNotEmpty();
            assertThat(Character.isWhitespace(chunk.text().charAt(chunk.text().length() - 1))).as("chunk %d", chunk.index()).isTrue();
        }
    }

    @Test
    void badSizesAreRefusedNamingTheProblem() {
        assertThatThrownBy(() -> new WordCountJob(0, 1, 1)).hasMessageContaining("1 byte to 64 MiB");
        assertThatThrownBy(() -> new WordCountJob(10, 11, 1)).hasMessageContaining("1 byte per chunk");
    }
}
