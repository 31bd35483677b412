package dev.amdahl;

import com.fasterxml.jackson.databind.JsonNode;
import dev.amdahl.internal.client.Dispatcher;
import dev.amdahl.internal.task.QueueNames;
import dev.amdahl.internal.task.ResourceQueues;
import dev.amdahl.internal.task.RegisteredTask;
import dev.amdahl.internal.workflow.Canvas;
import java.util.Collection;
import java.util.List;
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
 * render.withOptions(SubmitOptions.builder().priority(9).countdown(Duration.ofSeconds(10)).build()).submit(tile);
 * }</pre>
 *
 * @param <A> the argument type
 * @param <R> the result type
 */
public final class Task<A, R> {

    private final RegisteredTask<A, R> definition;
    private final Dispatcher dispatcher;
    private final String queue;
    private final SubmitOptions options;

    Task(RegisteredTask<A, R> definition, Dispatcher dispatcher, String queue, SubmitOptions options) {
        this.definition = definition;
        this.dispatcher = dispatcher;
        this.queue = queue;
        this.options = options;
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
        QueueNames.check(queue);
        return withOptions(SubmitOptions.builder().queue(queue).build());
    }

    /** The options this handle submits with: the registration's {@link TaskOptions#submitDefaults()} overridden by {@link #withOptions}. */
    public SubmitOptions options() {
        return options;
    }

    /**
     * This task with some options changed for the submissions made through the returned handle; this
     * handle is unchanged. Options not set in {@code overrides} keep their current value.
     *
     * <pre>{@code
     * Task<Tile, int[]> urgent = render.withOptions(SubmitOptions.builder().priority(9).build());
     * urgent.submit(tile);
     * render.withOptions(SubmitOptions.builder().countdown(Duration.ofMinutes(10)).idempotencyKey("nightly-" + date).build())
     *       .submit(tile);
     * }</pre>
     *
     * @throws IllegalArgumentException when the result is inconsistent (a soft time limit above the hard one)
     * @throws AmdahlException          when {@code overrides} sets an idempotency key and the result backend
     *                                  does not support them ({@link dev.amdahl.spi.IdempotencyKeys})
     */
    public Task<A, R> withOptions(SubmitOptions overrides) {
        Objects.requireNonNull(overrides, "overrides");
        if (overrides.idempotencyKey().isPresent()) {
            dispatcher.idempotencyKeys(name());   // fails here, where the key is set, not at the first submission
        }
        SubmitOptions merged = options.overriddenBy(overrides);
        return new Task<>(definition, dispatcher, overrides.queue().orElse(queue), merged);
    }

    /**
     * Submits one run of the task (Celery's {@code delay}) with this handle's {@link #options()}. With an
     * idempotency key that was used within its window, returns the future of the first submission and
     * submits nothing.
     *
     * <p>Each submission gets a task id of its own. A task id names one outcome: a message that reaches a worker
     * with the id of a task that has finished already (another client reusing ids, a message replayed from the
     * dead letters) is treated as a redelivery of that task and acknowledged without running, and the task keeps
     * its first outcome. To run the same work again, submit it again.
     *
     * @throws AmdahlException at once when the argument cannot be encoded as JSON
     */
    public TaskFuture<R> submit(A argument) {
        return dispatcher.submit(definition, argument, placedQueue(), options);
    }

    /**
     * A signature of this task with its argument, for workflows ({@link Signature#then}, {@link Amdahl#group}).
     *
     * @throws AmdahlException at once when the argument cannot be encoded as JSON
     */
    public Signature<R> sig(A argument) {
        return signature(Dispatcher.encodeArgument(definition, argument));
    }

    /** A signature without an argument: in a chain it takes the result of the step before. */
    public Signature<R> sig() {
        return signature(null);
    }

    /** Carries this handle's queue and the options that travel (priority, ETA, expiry, retries, time limits). */
    private Signature<R> signature(JsonNode args) {
        if (options.idempotencyKey().isPresent()) {
            throw new IllegalArgumentException("an idempotency key names one submission, and a workflow step is published"
                    + " by the step before it: make the signature from a handle without one");
        }
        return new Signature<>(new Canvas.TaskNode(definition, args, false, placedQueue(), options, List.of()), dispatcher);
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
        if (options.idempotencyKey().isPresent()) {
            throw new IllegalArgumentException("an idempotency key names one submission, and map makes many: submit with"
                    + " the key, or map with a handle without one");
        }
        return dispatcher.map(definition, arguments, chunkSize, placedQueue(), options);
    }

    /** Where submissions go: {@link #queue()}, or its derived queue for the resources they need ({@code tiles@gpu=1}). */
    private String placedQueue() {
        return ResourceQueues.derived(queue, options.resources().orElse(null));
    }

    @Override
    public String toString() {
        return "Task[" + name() + " on " + queue + "]";
    }
}
