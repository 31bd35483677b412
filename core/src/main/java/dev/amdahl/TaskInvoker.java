package dev.amdahl;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import dev.amdahl.internal.Json;
import dev.amdahl.internal.Outcome;
import dev.amdahl.internal.TaskMessage;
import dev.amdahl.spi.TaskError;
import java.time.Clock;
import java.time.Instant;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * Runs one task message against the registry: decodes the argument, calls the task's code with its
 * {@link TaskContext} and the task id in the MDC, encodes the result. Every way this can go wrong
 * becomes a FAILURE outcome whose message names the task, its id and the cause; nothing escapes to
 * the pool. Thread pools call it in the worker's JVM, the process pool in a child JVM.
 */
final class TaskInvoker {

    private static final Logger log = LoggerFactory.getLogger(TaskInvoker.class);

    private final TaskRegistry registry;
    private final Clock clock;
    private final int maxResultBytes;

    TaskInvoker(TaskRegistry registry, Clock clock, int maxResultBytes) {
        this.registry = registry;
        this.clock = clock;
        this.maxResultBytes = maxResultBytes;
    }

    Outcome invoke(TaskMessage message, int deliveryCount) {
        MDC.put("taskId", message.id());
        MDC.put("task", message.task());
        Instant startedAt = clock.instant();
        long start = System.nanoTime();
        try {
            RegisteredTask<?, ?> task = registry.find(message.task());
            if (task == null) {
                return failure(new AmdahlException("task '" + message.task() + "' (id " + message.id()
                        + ") is not registered in this worker; it knows " + registry.names()
                        + ". Register it (or include its TaskCatalog) in the worker's application"), startedAt, start);
            }
            if (task.function() == null) {
                return failure(new AmdahlException("task '" + message.task() + "' (id " + message.id()
                        + ") is only referenced in this worker, not implemented: register it with its code"), startedAt, start);
            }
            TaskContext context = new TaskContext(message.id(), message.task(), message.retries(), deliveryCount);
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
            return failure(t, startedAt, start);
        } finally {
            MDC.remove("taskId");
            MDC.remove("task");
        }
    }

    private Outcome failure(Throwable t, Instant startedAt, long start) {
        log.info("task failed: {}", t.toString());
        return Outcome.failure(TaskError.of(t), startedAt, clock.instant(), System.nanoTime() - start);
    }

    private <A, R> String runOne(RegisteredTask<A, R> task, JsonNode args, TaskMessage message, TaskContext context)
            throws Exception {
        return encode(message, call(task, args, message, context));
    }

    private <A, R> String runChunk(RegisteredTask<A, R> task, TaskMessage message, TaskContext context) throws Exception {
        ArrayNode results = Json.mapper().createArrayNode();
        for (JsonNode args : message.args()) {
            Object result = call(task, args, message, context);
            try {
                JsonNode tree = Json.mapper().valueToTree(result);
                results.add(tree == null ? Json.mapper().nullNode() : tree);
            } catch (IllegalArgumentException e) {
                throw unencodable(message, result, e);
            }
        }
        return encode(message, results);
    }

    private <A, R> R call(RegisteredTask<A, R> task, JsonNode args, TaskMessage message, TaskContext context) throws Exception {
        A argument;
        try {
            argument = Json.mapper().convertValue(args, task.argumentType());
        } catch (IllegalArgumentException e) {
            throw new AmdahlException("task '" + message.task() + "' (id " + message.id() + "): its argument does not decode into "
                    + task.argumentType().toCanonical() + ": " + rootMessage(e), e);
        }
        return context.runWith(() -> task.function().apply(argument));
    }

    private static String encode(TaskMessage message, Object result) {
        try {
            return Json.mapper().writeValueAsString(result);
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
