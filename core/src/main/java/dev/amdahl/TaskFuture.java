package dev.amdahl;

import dev.amdahl.internal.client.CompletionOrder;
import java.time.Duration;
import java.util.Collection;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Future;
import java.util.function.Consumer;

/**
 * The pending result of a submitted task: both a {@link Future} (block on it) and a
 * {@link CompletionStage} (compose on it), with the task's id and state.
 *
 * <p>{@link #get()} throws an {@link java.util.concurrent.ExecutionException} whose cause is a
 * {@link TaskFailedException} when the task failed, and a {@link java.util.concurrent.CancellationException}
 * when it was revoked. {@link #cancel(boolean)} revokes the task: a worker that has not started it
 * will not ({@link Amdahl#revoke}), and with {@code true} a worker running it stops it ({@link Amdahl#terminate}).
 *
 * <p>Only the task completes this future. {@link #toCompletableFuture()} returns a new
 * {@link java.util.concurrent.CompletableFuture} that follows it and that the caller owns: every
 * {@code CompletableFuture} operation works on it, {@code orTimeout} and {@code completeOnTimeout}
 * included, and completing it by hand or timing it out changes that copy only (the task runs on);
 * cancelling it revokes the task, as {@link #cancel} does.
 *
 * <pre>{@code
 * String thumb = thumbnail.submit(photo).toCompletableFuture()
 *         .completeOnTimeout(PLACEHOLDER, 2, TimeUnit.SECONDS)
 *         .join();
 * }</pre>
 *
 * <pre>{@code
 * TaskFuture<int[]> tile = render.submit(new Tile(0, 0, 200, 150));
 * log.info("submitted {}", tile.id());
 * tile.thenAccept(pixels -> canvas.draw(pixels));
 * int[] pixels = tile.get(30, TimeUnit.SECONDS);
 * }</pre>
 *
 * @param <R> the result type
 */
public interface TaskFuture<R> extends Future<R>, CompletionStage<R> {

    /** The task's id, as the broker and the result backend know it. */
    String id();

    /** The task's state now: from this future when it is done, otherwise asked of the result backend. */
    TaskState state();

    /**
     * The progress the task last reported with {@link TaskContext#progress}, read from the result
     * backend while it runs; empty when it has reported none. Implementations that do not track
     * progress inherit this default: always empty.
     */
    default Optional<Progress> progress() {
        return Optional.empty();
    }

    /**
     * Calls {@code listener} with each progress report of the task, from when this is called until the
     * task ends; the latest report so far comes first, if there is one. Reports arrive in order on a
     * background thread; the listener must not block. Where the result backend cannot push updates
     * (see {@link dev.amdahl.spi.UpdateFeed}) they are read from it every 250 ms, so quick
     * successive reports may be seen only as the last of them.
     *
     * <pre>{@code
     * TaskFuture<Album> album = importAlbum.submit(folder)
     *         .onProgress(p -> bar.set(p.fraction(), p.message()));
     * }</pre>
     *
     * Implementations that do not track progress inherit this default: the listener is never called.
     *
     * @return this future
     */
    default TaskFuture<R> onProgress(Consumer<? super Progress> listener) {
        return this;
    }

    /**
     * Waits up to {@code timeout} for the result.
     *
     * @throws TaskFailedException   if the task failed
     * @throws java.util.concurrent.CancellationException if it was revoked
     * @throws TaskTimeoutException  if the time ran out, naming the task, its id, the wait and its last known state
     */
    R result(Duration timeout);

    /**
     * The given futures in the order they complete, as Python's {@code concurrent.futures.as_completed}:
     * iterating blocks until the next one is done.
     */
    static <R, F extends TaskFuture<R>> Iterable<F> asCompleted(Collection<F> futures) {
        return () -> new CompletionOrder<>(futures);
    }
}
