package dev.amdahl.internal.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.amdahl.AmdahlException;
import dev.amdahl.ErrorType;
import dev.amdahl.GroupFuture;
import dev.amdahl.TaskFailedException;
import dev.amdahl.TaskFuture;
import dev.amdahl.TaskOptions;
import dev.amdahl.TaskState;
import dev.amdahl.internal.json.Json;
import dev.amdahl.internal.task.Outcome;
import dev.amdahl.internal.task.RegisteredTask;
import dev.amdahl.internal.task.RunControl;
import dev.amdahl.internal.task.TaskInvoker;
import dev.amdahl.internal.task.TaskRegistry;
import dev.amdahl.internal.wire.MessageCodec;
import dev.amdahl.internal.wire.TaskMessage;
import dev.amdahl.internal.workflow.Canvas;
import dev.amdahl.internal.workflow.Continuations;
import dev.amdahl.internal.workflow.StepOptions;
import dev.amdahl.spi.Broker;
import dev.amdahl.spi.OutboundMessage;
import dev.amdahl.spi.Registration;
import dev.amdahl.spi.ResultBackend;
import dev.amdahl.spi.TaskError;
import dev.amdahl.spi.TaskRecord;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The client side: encodes submissions, publishes them (or, in eager mode, runs them here through
 * the same encode/decode round trip) and completes futures from the backend's final records.
 */
public final class Dispatcher {

    private static final Logger log = LoggerFactory.getLogger(Dispatcher.class);

    private final Broker broker;
    private final ResultBackend backend;
    private final Clock clock;
    private final TaskInvoker eagerInvoker;
    private final Continuations eagerContinuations;
    private final TaskRegistry registry;
    private static final Duration PROGRESS_POLL = Duration.ofMillis(250);
    /** Reads progress for backends that cannot push it; made on first need. Guarded by this. */
    private ScheduledExecutorService poller;

    /** @param eagerInvoker runs tasks in the caller's thread when not null (eager mode) */
    public Dispatcher(Broker broker, ResultBackend backend, Clock clock, TaskInvoker eagerInvoker, TaskRegistry registry) {
        this.broker = broker;
        this.backend = backend;
        this.clock = clock;
        this.eagerInvoker = eagerInvoker;
        this.registry = registry;
        this.eagerContinuations = new Continuations(backend, (queue, m, priority) -> runEagerly(m), clock);
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
        DefaultTaskFuture<R> future = watched(task, last.get("id").asText());
        publishHeads(workflow);
        return future;
    }

    /** Publishes a compiled group; the future watches each member's last task. */
    public <R> GroupFuture<R> submitWorkflowGroup(Canvas.Compiled workflow) {
        long start = System.nanoTime();
        List<TaskFuture<R>> members = new ArrayList<>();
        for (ObjectNode last : workflow.terminals()) {
            @SuppressWarnings("unchecked")
            RegisteredTask<?, R> task = (RegisteredTask<?, R>) workflow.tasks().get(last.get("id").asText());
            members.add(watched(task, last.get("id").asText()));
        }
        publishHeads(workflow);
        return new DefaultGroupFuture<>(TaskMessage.newId(), members, System.nanoTime() - start);
    }

    private void publishHeads(Canvas.Compiled workflow) {
        java.util.Map<String, List<StepOptions.Step>> byQueue = new java.util.LinkedHashMap<>();
        Instant now = clock.instant();
        for (ObjectNode head : workflow.heads()) {
            JsonNode wf = head.get("workflow");
            byQueue.computeIfAbsent(head.get("queue").asText(), q -> new ArrayList<>()).add(StepOptions.read(head,
                    head.get("id").asText(), head.get("task").asText(), head.get("args"), wf != null && wf.isObject() ? wf : null, now));
        }
        byQueue.forEach(this::sendSteps);
    }

    private void sendSteps(String queue, List<StepOptions.Step> steps) {
        if (eagerInvoker != null) {
            steps.forEach(s -> runEagerly(s.message()));
            return;
        }
        List<OutboundMessage> out = new ArrayList<>(steps.size());
        for (StepOptions.Step s : steps) {
            out.add(new OutboundMessage(s.message().id(), MessageCodec.encode(s.message()), s.priority(), s.message().eta()));
        }
        broker.publishAll(queue, out);
    }

    public <A, R> TaskFuture<R> submit(RegisteredTask<A, R> task, A argument, String queue) {
        return submit(task, argument, queue, task.defaults());
    }

    public <A, R> TaskFuture<R> submit(RegisteredTask<A, R> task, A argument, String queue, TaskOptions options) {
        Instant now = clock.instant();
        TaskMessage message = message(TaskMessage.newId(), task, encodeArgument(task, argument), false, null, options, now);
        String key = options.idempotencyKey().orElse(null);
        if (key != null) {
            String first = claim(task, key, message, options, now);
            if (first != null) {
                log.debug("task '{}' with idempotency key '{}' was submitted already as {}; not submitting it again",
                        task.name(), key, first);
                return watched(task, first, false);
            }
        }
        DefaultTaskFuture<R> future = watched(task, message.id());
        send(queue, List.of(message), options);
        return future;
    }

    /**
     * Claims an idempotency key for {@code message}: returns the id of the task that holds it already,
     * or {@code null} when this one now does. The key lives until the ETA plus the window, so it covers
     * the whole time the first task is pending and a while after.
     */
    private String claim(RegisteredTask<?, ?> task, String key, TaskMessage message, TaskOptions options, Instant now) {
        Duration pending = message.eta() == null || message.eta().isBefore(now) ? Duration.ZERO : Duration.between(now, message.eta());
        try {
            return backend.putIfAbsent("amdahl:idempotency:" + task.name() + ":" + key, message.id(),
                    pending.plus(options.idempotencyWindow())).orElse(null);
        } catch (UnsupportedOperationException e) {
            throw new AmdahlException("task '" + task.name() + "' was submitted with an idempotency key, but "
                    + e.getMessage(), e);
        }
    }

    /** A message with the options that travel: ETA, expiry, retries, time limits. */
    private static TaskMessage message(String id, RegisteredTask<?, ?> task, JsonNode args, boolean chunk, String groupId,
                                       TaskOptions options, Instant now) {
        return TaskMessage.of(id, task.name(), args, chunk, groupId, null, options, now);
    }



    public <A, R> GroupFuture<R> map(RegisteredTask<A, R> task, Collection<? extends A> arguments, int chunkSize, String queue) {
        return map(task, arguments, chunkSize, queue, task.defaults());
    }

    public <A, R> GroupFuture<R> map(RegisteredTask<A, R> task, Collection<? extends A> arguments, int chunkSize, String queue,
                              TaskOptions options) {
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
                messages.add(message(id, task, encodeArgument(task, slice.get(0)), false, groupId, options, now));
                members.add(watched(task, id));
            } else {
                ArrayNode args = Json.mapper().createArrayNode();
                slice.forEach(a -> args.add(encodeArgument(task, a)));
                messages.add(message(id, task, args, true, groupId, options, now));
                members.addAll(watchChunk(task, id, slice.size()));
            }
        }
        long encoded = System.nanoTime();
        send(queue, messages, options);
        // in eager mode send() runs the tasks themselves: their time is parallel work, not submission
        long submitNanos = (eagerInvoker == null ? System.nanoTime() : encoded) - start;
        return new DefaultGroupFuture<>(groupId, members, submitNanos);
    }

    /** One future per element of a chunk, all completed from the chunk's one record, decoded once. */
    private <R> List<DefaultTaskFuture<R>> watchChunk(RegisteredTask<?, R> task, String id, int size) {
        List<DefaultTaskFuture<R>> items = new ArrayList<>(size);
        for (int i = 0; i < size; i++) {
            items.add(newFuture(id, task.name()));
        }
        backend.whenReadyUnpublished(id, record -> {
            try {
                switch (record.state()) {
                    case SUCCESS -> {
                        JsonNode results = Json.mapper().readTree(record.result());
                        if (results == null || !results.isArray() || results.size() != size) {
                            throw new AmdahlException("the result of chunk " + id + " of task '" + task.name()
                                    + "' is not an array of " + size + " results");
                        }
                        for (int i = 0; i < size; i++) {
                            items.get(i).succeed(record, decodeResult(task, record, results.get(i)));
                        }
                    }
                    default -> items.forEach(f -> completeUnsuccessfully(f, record));
                }
            } catch (Exception e) {
                items.forEach(f -> f.fail(record, e));
            }
        });
        return items;
    }

    /** A future for task {@code id}, not yet published, completed when the backend reports its final record. */
    private <R> DefaultTaskFuture<R> watched(RegisteredTask<?, R> task, String id) {
        return watched(task, id, true);
    }

    /** @param unpublished whether the task is published only after this returns (then its record cannot exist yet) */
    private <R> DefaultTaskFuture<R> watched(RegisteredTask<?, R> task, String id, boolean unpublished) {
        DefaultTaskFuture<R> future = newFuture(id, task.name());
        Consumer<TaskRecord> complete = record -> {
            try {
                if (record.state() == TaskState.SUCCESS) {
                    future.succeed(record, decodeResult(task, record, record.result()));
                } else {
                    completeUnsuccessfully(future, record);
                }
            } catch (Exception e) {
                future.fail(record, e);
            }
        };
        if (unpublished) {
            backend.whenReadyUnpublished(id, complete);
        } else {
            backend.whenReady(id, complete);
        }
        return future;
    }

    private static void completeUnsuccessfully(DefaultTaskFuture<?> future, TaskRecord record) {
        if (record.state() == TaskState.REVOKED) {
            future.revoked(record);
        } else {
            TaskError error = record.error() != null ? record.error()
                    : TaskError.of(ErrorType.UNKNOWN.typeName(), "the task ended in " + record.state() + " without an error");
            future.fail(record, new TaskFailedException(future.taskName(), future.id(), error));
        }
    }

    private void send(String queue, List<TaskMessage> messages, TaskOptions options) {
        if (eagerInvoker != null) {
            messages.forEach(this::runEagerly);
            return;
        }
        int priority = options.priority().orElse(0);
        List<OutboundMessage> out = new ArrayList<>(messages.size());
        for (TaskMessage m : messages) {
            out.add(new OutboundMessage(m.id(), MessageCodec.encode(m), priority, m.eta()));
        }
        broker.publishAll(queue, out);
    }

    /**
     * Eager mode: the message makes the full wire round trip, then runs here, continuations too, at
     * once: ETAs, rate and time limits do not apply, and retries run again straight away, each storing
     * RETRY first. Every record goes through {@link ResultBackend#storeAllUnlessFinal}, as a worker's do,
     * so a task revoked while it ran (or between its retries) stays REVOKED: it is not run again, its
     * outcome is dropped, and its continuations follow the record kept, as on a worker.
     */
    private void runEagerly(TaskMessage message) {
        TaskMessage received = MessageCodec.decode(MessageCodec.encode(message));
        RunControl control = new RunControl(p -> { });
        Outcome outcome = eagerInvoker.invoke(received, 1, control);
        while (outcome.kind() == Outcome.Kind.RETRY) {
            received = received.retried(null);
            TaskRecord kept = backend.storeAllUnlessFinal(List.of(new TaskRecord(received.id(), received.task(), TaskState.RETRY,
                    null, outcome.error(), received.retries(), "eager", outcome.startedAt(), null, outcome.runtimeNanos())))
                    .get(received.id());
            if (kept != null) {
                eagerContinuations.afterFinal(received, kept);
                return;
            }
            outcome = eagerInvoker.invoke(received, 1, control);
        }
        TaskRecord record = outcome.record(received, "eager");
        TaskRecord kept = backend.storeAllUnlessFinal(List.of(record)).get(received.id());
        eagerContinuations.afterFinal(received, kept != null ? kept : record);
    }

    /** Revokes a task that has not ended: its record becomes REVOKED, which workers honour before running it. */
    public void revoke(String taskId) {
        revoke(taskId, false);
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

    private <R> DefaultTaskFuture<R> newFuture(String id, String name) {
        return new DefaultTaskFuture<>(id, name, backend, this::revoke, this::subscribeToProgress);
    }

    /**
     * Feeds a future the progress reports of its task: pushed by the backend where it can, otherwise read
     * every {@link #PROGRESS_POLL} on one shared daemon thread. Either way the record stored before the
     * subscription is read once, so a report made earlier is not missed.
     */
    private Registration subscribeToProgress(DefaultTaskFuture<?> future) {
        Optional<Registration> pushed = backend.onUpdate(future.id(), r -> future.progressed(r.progress()));
        Registration registration = pushed.orElseGet(() -> {
            ScheduledFuture<?> poll = poller().scheduleWithFixedDelay(() -> readProgress(future),
                    PROGRESS_POLL.toMillis(), PROGRESS_POLL.toMillis(), TimeUnit.MILLISECONDS);
            return () -> poll.cancel(false);
        });
        readProgress(future);
        return registration;
    }

    private void readProgress(DefaultTaskFuture<?> future) {
        try {
            backend.get(future.id()).map(TaskRecord::progress).ifPresent(future::progressed);
        } catch (RuntimeException e) {
            log.debug("reading the progress of task {} failed: {}", future.id(), e.toString());
        }
    }

    private synchronized ScheduledExecutorService poller() {
        if (poller == null) {
            poller = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "amdahl-progress");
                t.setDaemon(true);
                return t;
            });
        }
        return poller;
    }

    /** Stops the progress poller, if one was started. */
    public synchronized void close() {
        if (poller != null) {
            poller.shutdownNow();
        }
    }

    public static <A> JsonNode encodeArgument(RegisteredTask<A, ?> task, A argument) {
        try {
            return Json.mapper().valueToTree(argument);
        } catch (IllegalArgumentException e) {
            throw new AmdahlException("the argument of task '" + task.name() + "' (a "
                    + (argument == null ? "null" : argument.getClass().getName())
                    + ") cannot be encoded as JSON: " + e.getMessage()
                    + ". Pass a record, a bean with getters, a collection or a plain value", e);
        }
    }

    private static <R> R decodeResult(RegisteredTask<?, R> task, TaskRecord record, String json) {
        try {
            return Json.mapper().readValue(json, task.resultType());
        } catch (Exception e) {
            throw new AmdahlException("the result of task '" + task.name() + "' (id " + record.taskId()
                    + ") does not decode into " + task.resultType().toCanonical() + ": " + e.getMessage(), e);
        }
    }

    private static <R> R decodeResult(RegisteredTask<?, R> task, TaskRecord record, JsonNode json) {
        try {
            return Json.mapper().convertValue(json, task.resultType());
        } catch (IllegalArgumentException e) {
            throw new AmdahlException("the result of task '" + task.name() + "' (id " + record.taskId()
                    + ") does not decode into " + task.resultType().toCanonical() + ": " + e.getMessage(), e);
        }
    }

}
