package dev.amdahl;

/**
 * How far a running task has come, as it reported with {@link TaskContext#progress(double, String)}.
 *
 * <pre>{@code
 * TaskFuture<Album> album = importAlbum.submit(folder);
 * album.onProgress(p -> ui.update(p.fraction(), p.message()));   // "resizing", 0.4
 * }</pre>
 *
 * @param fraction 0 (nothing done) to 1 (all done)
 * @param message  what the task is doing, or {@code null}
 */
public record Progress(double fraction, String message) {

    /** The longest message kept; longer ones are cut, since every report is a write to the result backend. */
    public static final int MAX_MESSAGE_LENGTH = 1_000;

    public Progress {
        if (!(fraction >= 0 && fraction <= 1)) {
            throw new IllegalArgumentException("a progress fraction is between 0 and 1, was " + fraction);
        }
        if (message != null && message.length() > MAX_MESSAGE_LENGTH) {
            message = message.substring(0, MAX_MESSAGE_LENGTH);
        }
    }
}
