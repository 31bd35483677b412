package dev.amdahl.internal.wire;

import com.fasterxml.jackson.databind.JsonNode;
import dev.amdahl.SubmitOptions;
import dev.amdahl.observe.TraceContext;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.UUID;

/**
 * A task message in Amdahl's own wire format, decoded. The Celery format is another codec producing
 * the same record.
 *
 * @param id      the task id
 * @param task    the registered task name
 * @param args    the argument as JSON; for a chunk, an array of arguments
 * @param chunk   whether this message runs the task once per element of {@code args}
 * @param retries how many times the task was retried before this message
 * @param eta     not before this time, or {@code null}
 * @param expires not after this time, or {@code null}
 * @param groupId the group this task belongs to, or {@code null}
 * @param workflow what follows this task in a workflow (links, error links, chord membership), or
 *                 {@code null}; read by the worker's continuations, opaque to everything else
 * @param maxRetries    how many retries this submission allows, or {@code null} for the task's registration
 * @param softTimeLimit when the task is interrupted, or {@code null}
 * @param hardTimeLimit when the task is stopped, or {@code null}
 * @param sentAt        when it was published, by the publisher's clock (what a worker's queue wait counts from), or
 *                      {@code null} when the message does not say
 * @param trace         the submitter's trace context, carried on to the workflow steps after it, or {@code null}
 */
public record TaskMessage(String id, String task, JsonNode args, boolean chunk, int retries, Instant eta,
                          Instant expires, String groupId, JsonNode workflow, Integer maxRetries, Duration softTimeLimit,
                          Duration hardTimeLimit, Instant sentAt, TraceContext trace) {

    public TaskMessage {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(task, "task");
        Objects.requireNonNull(args, "args");
    }

    /** A message that says neither when it was sent nor which trace it belongs to. */
    public TaskMessage(String id, String task, JsonNode args, boolean chunk, int retries, Instant eta, Instant expires,
                       String groupId, JsonNode workflow, Integer maxRetries, Duration softTimeLimit, Duration hardTimeLimit) {
        this(id, task, args, chunk, retries, eta, expires, groupId, workflow, maxRetries, softTimeLimit, hardTimeLimit, null, null);
    }

    /** A message with no per-submission retry or time limit. */
    public TaskMessage(String id, String task, JsonNode args, boolean chunk, int retries, Instant eta, Instant expires,
                       String groupId, JsonNode workflow) {
        this(id, task, args, chunk, retries, eta, expires, groupId, workflow, null, null, null);
    }

    /** This message as its next retry, published at {@code now}: one more retry counted, not before {@code eta}. */
    public TaskMessage retried(Instant eta, Instant now) {
        return new TaskMessage(id, task, args, chunk, retries + 1, eta, expires, groupId, workflow, maxRetries, softTimeLimit,
                hardTimeLimit, now, trace);
    }

    /** This message carrying {@code context} (this message itself when that is what it carries). */
    public TaskMessage withTrace(TraceContext context) {
        return Objects.equals(context, trace) ? this : new TaskMessage(id, task, args, chunk, retries, eta, expires, groupId,
                workflow, maxRetries, softTimeLimit, hardTimeLimit, sentAt, context);
    }

    /** A new message (and task) id: a random (version 4) UUID, as {@link UUID#randomUUID()} makes, in its text form. */
    public static String newId() {
        return RandomIds.next();
    }

    /** A workflow step's message, published at {@code now}. */
    public static TaskMessage of(String id, String task, JsonNode args, JsonNode workflow, SubmitOptions options, Instant now) {
        return of(id, task, args, false, null, workflow, options, now);
    }

    public static TaskMessage of(String id, String task, JsonNode args, boolean chunk, String groupId, JsonNode workflow,
                                       SubmitOptions options, Instant now) {
        Instant eta = options.eta().orElse(options.countdown().map(now::plus).orElse(null));
        Instant expires = options.expiresAt().orElse(options.expiresIn().map(now::plus).orElse(null));
        return new TaskMessage(id, task, args, chunk, 0, eta, expires, groupId, workflow, options.maxRetries().isPresent() ? Integer.valueOf(options.maxRetries().getAsInt()) : null,
                options.softTimeLimit().orElse(null), options.hardTimeLimit().orElse(null), now, null);
    }
}
