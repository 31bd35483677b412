package dev.amdahl.examples.spring;

/** A photo's thumbnail: the size it was scaled to, and which worker made it. */
public record Thumbnail(String name, int width, int height, String worker) {
}
