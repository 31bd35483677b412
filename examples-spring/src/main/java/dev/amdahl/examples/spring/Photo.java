package dev.amdahl.examples.spring;

/** A photo to import: its file name and size in pixels. */
public record Photo(String name, int width, int height) {
}
