package dev.amdahl.spi;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;

/**
 * A task message as a {@link WireProtocol} reads and writes it: what a worker needs to run one task, whatever the bytes
 * on the broker look like.
 *
 * @param id            the task id
 * @param task          the task's registered name
 * @param args          the argument as JSON, in the shape the task's argument type binds from (an object for a record);
 *                      for a chunk, an array of such arguments
 * @param chunk         whether this message runs the task once per element of {@code args}
 * @param retries       how many times the task was retried before this message
 * @param eta           not before this time, or {@code null}
 * @param expires       not after this time, or {@code null}
 * @param groupId       the group this task belongs to, or {@code null}
 * @param workflow      Amdahl's workflow continuation (links, error links, chord membership), or {@code null}; a protocol
 *                      that cannot carry it refuses to encode a message that has one
 * @param maxRetries    how many retries this submission allows, or {@code null} for the task's registration
 * @param softTimeLimit when the task is interrupted, or {@code null}
 * @param hardTimeLimit when the task is stopped, or {@code null}
 */
public record TaskEnvelope(String id, String task, JsonNode args, boolean chunk, int retries, Instant eta, Instant expires,
                           String groupId, JsonNode workflow, Integer maxRetries, Duration softTimeLimit,
                           Duration hardTimeLimit) {

    public TaskEnvelope {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(task, "task");
        Objects.requireNonNull(args, "args");
        if (retries < 0) {
            throw new IllegalArgumentException("retries must not be negative, was " + retries);
        }
    }
}
