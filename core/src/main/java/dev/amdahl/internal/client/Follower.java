package dev.amdahl.internal.client;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Future;

/**
 * What a task's (or group's) future hands out as {@code toCompletableFuture()}: a plain future that
 * completes as the task's does, and that its caller owns.
 *
 * <p>Why not the task's future itself: that one refuses {@code complete} and {@code completeExceptionally}
 * (only its task completes it), and {@link CompletableFuture#orTimeout} and
 * {@link CompletableFuture#completeOnTimeout} work by calling exactly those methods from the JDK's delay
 * thread, where the refusal was swallowed and the timeout never fired. A follower takes them: a timeout,
 * a {@code complete} or an {@code obtrude} changes the follower, never the task's future nor the
 * task. Cancelling it cancels (revokes) the task as well, as cancelling the task's future does.
 */
final class Follower<T> extends CompletableFuture<T> {

    private final Future<?> source;

    private Follower(Future<?> source) {
        this.source = source;
    }

    static <T> CompletableFuture<T> of(CompletableFuture<T> source) {
        Follower<T> f = new Follower<>(source);
        source.whenComplete((value, error) -> {
            if (error == null) {
                f.complete(value);
            } else {
                f.completeExceptionally(error instanceof CompletionException && error.getCause() != null
                        ? error.getCause() : error);
            }
        });
        return f;
    }

    @Override
    public boolean cancel(boolean mayInterruptIfRunning) {
        boolean cancelled = super.cancel(mayInterruptIfRunning);
        if (cancelled) {
            source.cancel(mayInterruptIfRunning);
        }
        return cancelled;
    }

    @Override
    public <U> CompletableFuture<U> newIncompleteFuture() {
        return new CompletableFuture<>();
    }
}
