package dev.amdahl.examples;

/**
 * The result of {@value FetchTasks#GET}: what the server answered.
 *
 * @param status the HTTP status
 * @param bytes  the body's size
 * @param millis how long the download took, from connecting to the last byte
 */
public record Fetched(int status, long bytes, double millis) {
}
