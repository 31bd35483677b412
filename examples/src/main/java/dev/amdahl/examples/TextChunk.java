package dev.amdahl.examples;

import java.util.Objects;

/**
 * A piece of the word count's text: the argument of the {@code wordcount.count} task (the map).
 *
 * @param index which chunk, from 0
 * @param text  the chunk's text, cut between words
 */
public record TextChunk(int index, String text) {

    public TextChunk {
        Objects.requireNonNull(text, "text");
    }
}
