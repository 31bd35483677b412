package dev.amdahl;

import java.util.Collection;
import java.util.Objects;

/**
 * A handle on a task by name, for submitting it. Made by {@link Amdahl#task}; cheap, immutable and
 * thread-safe.
 *
 * <pre>{@code
 * Task<Tile, int[]> render = app.task("mandelbrot.tile", Tile.class, int[].class, Mandelbrot::render);
 * TaskFuture<int[]> one = render.submit(firstTile);
 * GroupFuture<int[]> all = render.map(tiles);          // one message per tile
 * GroupFuture<int[]> fewer = render.map(tiles, 8);     // eight tiles per message
 * }</pre>
 *
 * @param <A> the argument type
 * @param <R> the result type
 */
public final class Task<A, R> {

    private final RegisteredTask<A, R> definition;
    private final Dispatcher dispatcher;
    private final String queue;

    Task(RegisteredTask<A, R> definition, Dispatcher dispatcher, String queue) {
        this.definition = definition;
        this.dispatcher = dispatcher;
        this.queue = queue;
    }

    /** The registered name. */
    public String name() {
        return definition.name();
    }

    /** The queue this handle submits to. */
    public String queue() {
        return queue;
    }

    /** This task, submitted to another queue (workers consume the queues they are told to). */
    public Task<A, R> onQueue(String queue) {
        Amdahl.checkQueueName(queue);
        return new Task<>(definition, dispatcher, queue);
    }

    /**
     * Submits one run of the task (Celery's {@code delay}).
     *
     * @throws AmdahlException at once when the argument cannot be encoded as JSON
     */
    public TaskFuture<R> submit(A argument) {
        return dispatcher.submit(definition, argument, queue);
    }

    /** Submits one task per argument, as a group; the results come back in argument order. */
    public GroupFuture<R> map(Collection<? extends A> arguments) {
        return map(arguments, 1);
    }

    /**
     * Submits the arguments in chunks of {@code chunkSize} per message, as Python's
     * {@code Executor.map(fn, items, chunksize=n)}: fewer, larger messages for short tasks. A chunk
     * runs its arguments one after another on one worker and fails as a whole.
     */
    public GroupFuture<R> map(Collection<? extends A> arguments, int chunkSize) {
        Objects.requireNonNull(arguments, "arguments");
        if (chunkSize < 1) {
            throw new IllegalArgumentException("chunkSize must be at least 1, was " + chunkSize);
        }
        return dispatcher.map(definition, arguments, chunkSize, queue);
    }

    @Override
    public String toString() {
        return "Task[" + name() + " on " + queue + "]";
    }
}
