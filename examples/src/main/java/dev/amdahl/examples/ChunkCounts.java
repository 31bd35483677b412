package dev.amdahl.examples;

import java.util.Map;
import java.util.Objects;

/**
 * One chunk's word counts: the result of the {@code wordcount.count} task (the map).
 *
 * @param index      which chunk
 * @param counts     each word of the chunk and how often it occurs there
 * @param countNanos how long the worker took to count them
 */
public record ChunkCounts(int index, Map<String, Long> counts, long countNanos) {

    public ChunkCounts {
        counts = Map.copyOf(Objects.requireNonNull(counts, "counts"));
    }
}
