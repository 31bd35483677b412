package dev.amdahl;

import dev.amdahl.internal.client.Dispatcher;
import dev.amdahl.internal.workflow.Canvas;

/**
 * Signatures to run in parallel, made by {@link Amdahl#group}. Submitted alone it is a group (results
 * in order); followed by a callback with {@link #then} it is a chord.
 *
 * <pre>{@code
 * GroupFuture<Long> counts = app.group(List.of(count.sig(a), count.sig(b))).submit();
 * TaskFuture<Long> total = app.group(List.of(count.sig(a), count.sig(b))).then(sum.sig()).submit();
 * }</pre>
 *
 * <p>A chord with no members runs its callback at once with an empty list, as Celery does.
 *
 * @param <R> the result type of one member
 */
public final class GroupSignature<R> {

    private final Canvas.Node node;
    private final Dispatcher dispatcher;

    GroupSignature(Canvas.Node node, Dispatcher dispatcher) {
        this.node = node;
        this.dispatcher = dispatcher;
    }

    /**
     * A chord: {@code callback} runs once every member succeeded, with the list of their results in
     * member order as its argument. The workers count the members down with an atomic counter in the
     * result backend; nothing polls. A failed member fails the chord with that member's error.
     */
    public <T> Signature<T> then(Signature<T> callback) {
        return new Signature<>(Canvas.chord(node, callback.node()), dispatcher);
    }

    /** Runs the members in parallel; the future completes with their results in member order. */
    public GroupFuture<R> submit() {
        return dispatcher.submitGroup(node);
    }

    /** This group as one step of a chain (the step's result is the list of the members' results). */
    public Signature<java.util.List<R>> asSignature() {
        return new Signature<>(node, dispatcher);
    }

    @Override
    public String toString() {
        return "GroupSignature[" + Canvas.describe(node) + "]";
    }
}
