package dev.amdahl.internal.task;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import dev.amdahl.AmdahlException;
import dev.amdahl.Retry;
import dev.amdahl.SoftTimeLimitExceeded;
import dev.amdahl.TaskOptions;
import dev.amdahl.internal.json.Json;
import dev.amdahl.internal.json.Scalars;
import dev.amdahl.internal.wire.TaskMessage;
import dev.amdahl.spi.TaskError;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs one task message against the registry: decodes the argument, calls the task's code with its
 * {@link TaskContext} and the task id in the MDC, encodes the result. Every way this can go wrong
 * becomes a FAILURE outcome whose message names the task, its id and the cause; nothing escapes to
 * the pool. Thread pools call it in the worker's JVM, the process pool in a child JVM.
 *
 * <p>The retry decision is made here, where the exception object still exists (in a child JVM only its
 * type name would cross back): a {@link Retry}, or an exception the task's {@code retryOn} lists, becomes
 * a RETRY outcome with the delay, unless the task has used up its retries.
 */
public final class TaskInvoker {

    private static final Logger log = LoggerFactory.getLogger(TaskInvoker.class);

    private final TaskRegistry registry;
    private final Clock clock;
    private final int maxResultBytes;

    public TaskInvoker(TaskRegistry registry, Clock clock, int maxResultBytes) {
        this.registry = registry;
        this.clock = clock;
        this.maxResultBytes = maxResultBytes;
    }

    public Outcome invoke(TaskMessage message, int deliveryCount, RunControl control) {
        try (TaskMdc ignored = TaskMdc.of(message.id(), message.task())) {
            return run(message, deliveryCount, control);
        }
    }

    private Outcome run(TaskMessage message, int deliveryCount, RunControl control) {
        Instant startedAt = clock.instant();
        long start = System.nanoTime();
        RegisteredTask<?, ?> task = null;
        RunningTask context = null;
        try {
            task = registry.find(message.task());
            if (task == null) {
                return failure(new AmdahlException("task '" + message.task() + "' (id " + message.id()
                        + ") is not registered in this worker; it knows " + registry.names()
                        + ". Register it (or include its TaskCatalog) in the worker's application"), startedAt, start);
            }
            if (task.function() == null) {
                return failure(new AmdahlException("task '" + message.task() + "' (id " + message.id()
                        + ") is only referenced in this worker, not implemented: register it with its code"), startedAt, start);
            }
            context = new RunningTask(message.id(), message.task(), message.retries(), deliveryCount,
                    message.softTimeLimit(), control);
            String json = message.chunk() ? runChunk(task, message, context) : runOne(task, message.args(), message, context);
            if (json.length() > maxResultBytes) {
                throw new AmdahlException("task '" + message.task() + "' (id " + message.id() + "): its result is "
                        + json.length() + " characters of JSON, over the limit of " + maxResultBytes
                        + "; store large data elsewhere and return a reference to it");
            }
            long runtime = System.nanoTime() - start;
            log.debug("task {} succeeded in {} µs", message.id(), runtime / 1000);
            return Outcome.success(json, startedAt, clock.instant(), runtime);
        } catch (VirtualMachineError e) {
            if (!(e instanceof StackOverflowError)) {
                throw e;
            }
            return failure(e, startedAt, start);
        } catch (Throwable t) {
            return failureOrRetry(task, message, context, t, startedAt, start);
        }
    }

    private static boolean retriesOn(RegisteredTask<?, ?> task, Throwable cause) {
        return task.defaults().retryOn().stream().anyMatch(type -> type.isInstance(cause));
    }

    private Outcome failureOrRetry(RegisteredTask<?, ?> task, TaskMessage message, RunningTask context, Throwable t,
                                   Instant startedAt, long start) {
        Throwable cause = t;
        Duration countdown = null;
        boolean asked = t instanceof Retry;
        if (t instanceof Retry r) {
            countdown = r.countdown();
            cause = r.getCause() != null ? r.getCause() : r;
        }
        if (context != null && context.control().softLimitExceeded() && !(cause instanceof SoftTimeLimitExceeded)) {
            // whatever the task threw once interrupted at its soft limit, the limit is why
            cause = context.softTimeLimitError(cause);
        }
        if (task == null || !(asked || retriesOn(task, cause))) {
            return failure(cause, startedAt, start);
        }
        int max = message.maxRetries() != null ? message.maxRetries() : task.defaults().maxRetries().orElse(TaskOptions.DEFAULT_MAX_RETRIES);
        if (message.retries() >= max) {
            TaskError last = TaskError.of(cause);
            log.info("task {} gave up after {} tries: {}", message.id(), message.retries() + 1, cause.toString());
            return Outcome.failure(new TaskError(last.type(), "gave up after " + (message.retries() + 1) + " tries ("
                    + max + " retries allowed); last error: " + (last.message() != null ? last.message() : last.type()), last.stackTrace()), startedAt, clock.instant(),
                    System.nanoTime() - start);
        }
        Duration delay = countdown != null ? countdown : task.defaults().backoff().orElse(TaskOptions.DEFAULT_BACKOFF).delay(message.retries() + 1);
        if (delay == null || delay.isNegative()) {
            log.warn("task {}: its backoff gave the delay {}; retrying at once", message.id(), delay);
            delay = Duration.ZERO;
        }
        log.info("task {} will be retried in {} ({} of {}): {}", message.id(), delay, message.retries() + 1, max, cause.toString());
        return Outcome.retry(TaskError.of(cause), delay, startedAt, clock.instant(), System.nanoTime() - start);
    }

    private Outcome failure(Throwable t, Instant startedAt, long start) {
        // the worker's one line per task (WorkerActivity) reports the failure at info; this is its detail
        log.debug("task failed: {}", t.toString());
        return Outcome.failure(TaskError.of(t), startedAt, clock.instant(), System.nanoTime() - start);
    }

    private <A, R> String runOne(RegisteredTask<A, R> task, JsonNode args, TaskMessage message, RunningTask context)
            throws Exception {
        return encode(message, call(task, args, message, context));
    }

    private <A, R> String runChunk(RegisteredTask<A, R> task, TaskMessage message, RunningTask context) throws Exception {
        ArrayNode results = Json.mapper().createArrayNode();
        for (JsonNode args : message.args()) {
            Object result = call(task, args, message, context);
            try {
                JsonNode tree = Scalars.valueToTree(result);
                results.add(tree == null ? Json.mapper().nullNode() : tree);
            } catch (IllegalArgumentException e) {
                throw unencodable(message, result, e);
            }
        }
        return encode(message, results);
    }

    private <A, R> R call(RegisteredTask<A, R> task, JsonNode args, TaskMessage message, RunningTask context) throws Exception {
        A argument;
        try {
            argument = Scalars.convertValue(args, task.argumentType());
        } catch (IllegalArgumentException e) {
            // no "task 'X' (id Y)": the failure is recorded against the task, and every report of it names the task
            throw new AmdahlException("its argument does not decode into " + task.argumentType().toCanonical() + ": "
                    + ArgumentErrors.describe(args, task.argumentType(), e), e);
        }
        return context.runWith(() -> task.function().apply(argument));
    }

    private static String encode(TaskMessage message, Object result) {
        try {
            return Scalars.writeValueAsString(result);
        } catch (Exception e) {
            throw unencodable(message, result, e);
        }
    }

    private static AmdahlException unencodable(TaskMessage message, Object result, Exception e) {
        return new AmdahlException("task '" + message.task() + "' (id " + message.id() + "): its result of type "
                + (result == null ? "null" : result.getClass().getName()) + " cannot be encoded as JSON: " + rootMessage(e), e);
    }

    private static String rootMessage(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String message = root.getMessage();
        return message == null ? root.getClass().getName() : message.lines().findFirst().orElse(message);
    }
}
