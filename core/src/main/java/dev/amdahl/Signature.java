package dev.amdahl;

import dev.amdahl.internal.client.Dispatcher;
import dev.amdahl.internal.workflow.Canvas;
import java.util.List;

/**
 * A task with its argument and options, not yet submitted: the unit of workflows (Celery's
 * signature). Immutable; signatures compose into chains, groups and chords, and a whole workflow
 * travels as JSON with its first messages, so workers run the rest without the client.
 *
 * <pre>{@code
 * // chain: each result feeds the next task
 * TaskFuture<String> report = fetch.sig(url).then(parse).then(summarise).submit();
 *
 * // chord: a group, then a callback on all its results, counted down atomically by the workers
 * TaskFuture<Image> picture = app.group(tiles.stream().map(render::sig).toList())
 *         .then(stitch.sig())
 *         .submit();
 *
 * // an immutable signature ignores the result before it; error callbacks run once on failure
 * fetch.sig(url).then(notify.sig("done").immutable()).onError(alert.sig()).submit();
 * }</pre>
 *
 * @param <R> the result type of the workflow this signature describes
 */
public final class Signature<R> {

    private final Canvas.Node node;
    private final Dispatcher dispatcher;

    Signature(Canvas.Node node, Dispatcher dispatcher) {
        this.node = node;
        this.dispatcher = dispatcher;
    }

    Canvas.Node node() {
        return node;
    }

    Dispatcher dispatcher() {
        return dispatcher;
    }

    /**
     * This signature, ignoring the result of what runs before it in a chain (its own argument is
     * used instead). Only for a single task's signature.
     */
    public Signature<R> immutable() {
        return new Signature<>(Canvas.immutable(node), dispatcher);
    }

    /** A chain: {@code next} runs after this, with this workflow's result as its argument. */
    public <T> Signature<T> then(Task<? super R, T> next) {
        return then(next.sig());
    }

    /**
     * A chain: {@code next} runs after this one. Unless {@code next} is immutable, this workflow's
     * result becomes its argument (a chord's callback gets the list of the group's results).
     */
    public <T> Signature<T> then(Signature<T> next) {
        return new Signature<>(Canvas.chain(List.of(node, next.node)), dispatcher);
    }

    /**
     * Runs {@code errorCallback} once if this workflow fails: its argument is a {@link FailedTask}
     * (unless the callback is immutable). On a chain, a failure at any step triggers it once; on a
     * chord, the first failed member does.
     */
    public Signature<R> onError(Signature<?> errorCallback) {
        return new Signature<>(Canvas.onError(node, errorCallback.node), dispatcher);
    }

    /** Submits the workflow; the future completes with the result of its last task. */
    public TaskFuture<R> submit() {
        return dispatcher.submit(node);
    }

    @Override
    public String toString() {
        return "Signature[" + Canvas.describe(node) + "]";
    }
}
