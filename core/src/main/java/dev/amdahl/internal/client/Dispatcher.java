package dev.amdahl.internal.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.amdahl.AmdahlException;
import dev.amdahl.ErrorType;
import dev.amdahl.GroupFuture;
import dev.amdahl.SubmitOptions;
import dev.amdahl.TaskFuture;
import dev.amdahl.TaskState;
import dev.amdahl.internal.json.Json;
import dev.amdahl.internal.json.Scalars;
import dev.amdahl.internal.observe.Observers;
import dev.amdahl.internal.task.RegisteredTask;
import dev.amdahl.internal.task.TaskInvoker;
import dev.amdahl.internal.task.PlacementBoard;
import dev.amdahl.internal.wire.ByReference;
import dev.amdahl.internal.wire.TaskMessage;
import dev.amdahl.internal.wire.Wire;
import dev.amdahl.internal.workflow.Canvas;
import dev.amdahl.spi.Broker;
import dev.amdahl.spi.IdempotencyKeys;
import dev.amdahl.spi.PublishRedirect;
import dev.amdahl.spi.ResultBackend;
import dev.amdahl.spi.TaskError;
import dev.amdahl.spi.TaskRecord;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The client side's entry point: submits tasks, maps and workflows, each as a future watched before its
 * messages are published, and revokes tasks. The work is done by the parts: {@link Producer} (messages and
 * publishing), {@link EagerRunner} (eager mode), {@link IdempotencyClaim}, {@link ResultWatch} (futures
 * completed from the backend) and {@link ProgressWatch} (progress for futures).
 */
public final class Dispatcher {

    private static final Logger log = LoggerFactory.getLogger(Dispatcher.class);

    private final ResultBackend backend;
    private final Clock clock;
    private final Producer producer;
    private final IdempotencyClaim idempotency;
    private final ProgressWatch progress;
    private final ResultWatch results;
    /** Where the derived queues submitted to are recorded, for workers that did not register those needs. */
    private final PlacementBoard board;

    /**
     * @param eagerInvoker runs tasks in the caller's thread when not null (eager mode)
     * @param wire         encodes what is published, refusing what a worker would refuse
     * @param observers    told of each publish
     */
    public Dispatcher(Broker broker, ResultBackend backend, Clock clock, TaskInvoker eagerInvoker, Wire wire,
                      Observers observers, ByReference references) {
        this.backend = backend;
        this.clock = clock;
        this.board = new PlacementBoard(backend, clock);
        this.producer = new Producer(broker, clock, wire,
                eagerInvoker == null ? null : new EagerRunner(backend, clock, eagerInvoker, wire), observers, references);
        this.idempotency = new IdempotencyClaim(backend);
        this.progress = new ProgressWatch(backend);
        this.results = new ResultWatch(backend, this::revoke, progress);
    }

    /** Publishes a compiled workflow's heads; the future watches its one last task. */
    public <R> TaskFuture<R> submit(Canvas.Node root) {
        if (root instanceof Canvas.GroupNode) {
            @SuppressWarnings("unchecked")
            TaskFuture<R> group = (TaskFuture<R>) submitGroup(root);
            return group;
        }
        Canvas.Compiled compiled = Canvas.compile(root);
        if (compiled.terminals().size() != 1) {
            throw new IllegalArgumentException("this workflow ends in " + compiled.terminals().size()
                    + " tasks; submit it as a group, or end it with one callback (a chord)");
        }
        return submitWorkflow(compiled);
    }

    public <R> GroupFuture<R> submitGroup(Canvas.Node root) {
        return submitWorkflowGroup(Canvas.compile(root));
    }

    public <R> TaskFuture<R> submitWorkflow(Canvas.Compiled workflow) {
        ObjectNode last = workflow.terminals().get(0);
        @SuppressWarnings("unchecked")
        RegisteredTask<?, R> task = (RegisteredTask<?, R>) workflow.tasks().get(last.get("id").asText());
        DefaultTaskFuture<R> future = results.watch(task, last.get("id").asText());
        announce(List.of(future.id()));
        placeAll(workflow);
        producer.publishHeads(workflow);
        return future;
    }

    /** Publishes a compiled group; the future watches each member's last task. */
    public <R> GroupFuture<R> submitWorkflowGroup(Canvas.Compiled workflow) {
        long start = System.nanoTime();
        List<TaskFuture<R>> members = new ArrayList<>();
        for (ObjectNode last : workflow.terminals()) {
            @SuppressWarnings("unchecked")
            RegisteredTask<?, R> task = (RegisteredTask<?, R>) workflow.tasks().get(last.get("id").asText());
            members.add(results.watch(task, last.get("id").asText()));
        }
        announce(members.stream().map(TaskFuture::id).toList());
        placeAll(workflow);
        Producer.Moved moved = producer.publishHeads(workflow);
        return new DefaultGroupFuture<>(TaskMessage.newId(), members, System.nanoTime() - start, moved.published(), moved.stored());
    }

    /** The backend's idempotency keys, for task {@code taskName} given a key; fails, naming the fix, where it has none. */
    public IdempotencyKeys idempotencyKeys(String taskName) {
        return idempotency.keys(taskName);
    }

    public <A, R> TaskFuture<R> submit(RegisteredTask<A, R> task, A argument, String queue, SubmitOptions options) {
        Instant now = clock.instant();
        TaskMessage message = Producer.message(TaskMessage.newId(), task, encodeArgument(task, argument), false, null, options, now);
        String key = options.idempotencyKey().orElse(null);
        if (key != null) {
            refuseKeyInRedirect(task, key);
            String first = idempotency.claim(task, key, message, options, now);
            if (first != null) {
                log.debug("task '{}' with idempotency key '{}' was submitted already as {}; not submitting it again",
                        task.name(), key, first);
                return results.watch(task, first, false);
            }
        }
        DefaultTaskFuture<R> future = results.watch(task, message.id());
        PublishRedirect.Publisher redirect = producer.redirect();
        if (redirect != null) {
            redirect.submitted(message.id());
        }
        place(queue);
        producer.send(queue, List.of(message), options);
        return future;
    }

    public <A, R> GroupFuture<R> map(RegisteredTask<A, R> task, Collection<? extends A> arguments, int chunkSize, String queue,
                              SubmitOptions options) {
        Instant now = clock.instant();
        long start = System.nanoTime();
        String groupId = TaskMessage.newId();
        List<TaskFuture<R>> members = new ArrayList<>(arguments.size());
        List<TaskMessage> messages = new ArrayList<>((arguments.size() + chunkSize - 1) / chunkSize);
        List<? extends A> all = List.copyOf(arguments);
        for (int from = 0; from < all.size(); from += chunkSize) {
            List<? extends A> slice = all.subList(from, Math.min(from + chunkSize, all.size()));
            String id = TaskMessage.newId();
            if (chunkSize == 1) {
                messages.add(Producer.message(id, task, encodeArgument(task, slice.get(0)), false, groupId, options, now));
                members.add(results.watch(task, id));
            } else {
                ArrayNode args = Json.mapper().createArrayNode();
                slice.forEach(a -> args.add(encodeArgument(task, a)));
                messages.add(Producer.message(id, task, args, true, groupId, options, now));
                members.addAll(results.watchChunk(task, id, slice.size()));
            }
        }
        long encoded = System.nanoTime();
        announce(messages.stream().map(TaskMessage::id).toList());
        place(queue);
        Producer.Moved moved = producer.send(queue, messages, options);
        // in eager mode send() runs the tasks themselves: their time is parallel work, not submission
        long submitNanos = (producer.eager() ? encoded : System.nanoTime()) - start;
        return new DefaultGroupFuture<>(groupId, members, submitNanos, moved.published(), moved.stored());
    }

    /** Records every derived queue a workflow's steps go to, the later steps' too (a worker publishes those). */
    private void placeAll(Canvas.Compiled workflow) {
        if (!producer.eager()) {
            for (String q : workflow.queues()) {
                board.announce(q);
            }
        }
    }

    /** Records a derived queue on the board, so workers that offer its needs consume it; nothing in eager mode. */
    private void place(String queue) {
        if (!producer.eager()) {
            board.announce(queue);
        }
    }

    /** Tells this thread's {@link PublishRedirect}, if there is one, the ids of the futures about to be published. */
    private void announce(List<String> ids) {
        PublishRedirect.Publisher redirect = producer.redirect();
        if (redirect != null) {
            ids.forEach(redirect::submitted);
        }
    }

    /**
     * A redirected publish may be discarded (its transaction rolls back), and the key would then name, for its whole
     * window, a task that never ran: the next submission with that key would get its future instead of running.
     */
    private void refuseKeyInRedirect(RegisteredTask<?, ?> task, String key) {
        if (producer.redirect() != null) {
            throw new AmdahlException("task '" + task.name() + "' has idempotency key '" + key + "', but it is submitted"
                    + " inside a transactional enqueue, whose publish is discarded if the transaction rolls back while the"
                    + " key would stay claimed by a task that never ran: submit it without the key (the transaction is"
                    + " what makes it happen once: guard it with a unique constraint of your own), or outside the transaction");
        }
    }

    /**
     * Revokes a task that has not ended: its record becomes REVOKED, which workers honour before running it,
     * and which reaches the workers holding it through the backend's revocation feed. With {@code terminate}
     * the record's error is {@link ErrorType#TERMINATED}, which tells a worker running the task to stop it.
     */
    public void revoke(String taskId, boolean terminate) {
        TaskRecord current = backend.get(taskId).orElse(null);
        if (current != null && current.state().isReady()) {
            return;
        }
        String name = current == null ? null : current.taskName();
        TaskError why = terminate
                ? TaskError.of(ErrorType.TERMINATED.typeName(), "task " + taskId + " was revoked, and stopped if it was running")
                : TaskError.of(ErrorType.REVOKED.typeName(), "task " + taskId + " was revoked");
        // stored unless final: an outcome stored since the read above stays, and the task counts as ended
        backend.storeAllUnlessFinal(List.of(new TaskRecord(taskId, name, TaskState.REVOKED, null, why,
                current == null ? 0 : current.retries(), null, null, clock.instant(), 0)));
    }

    /** Stops the progress poller, if one was started. */
    public void close() {
        progress.close();
    }

    public static <A> JsonNode encodeArgument(RegisteredTask<A, ?> task, A argument) {
        try {
            return Scalars.valueToTree(argument);
        } catch (IllegalArgumentException e) {
            throw new AmdahlException("the argument of task '" + task.name() + "' (a "
                    + (argument == null ? "null" : argument.getClass().getName())
                    + ") cannot be encoded as JSON: " + e.getMessage()
                    + ". Pass a record, a bean with getters, a collection or a plain value", e);
        }
    }
}
