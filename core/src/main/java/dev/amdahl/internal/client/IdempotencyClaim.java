package dev.amdahl.internal.client;

import dev.amdahl.AmdahlException;
import dev.amdahl.TaskOptions;
import dev.amdahl.internal.task.RegisteredTask;
import dev.amdahl.internal.wire.TaskMessage;
import dev.amdahl.spi.ResultBackend;
import java.time.Duration;
import java.time.Instant;

/**
 * Idempotency keys: a submission with a key claims it in the result backend, and a second submission with
 * the same key, while the claim lives, gets the first task instead of a new one.
 */
final class IdempotencyClaim {

    private static final String KEY_PREFIX = "amdahl:idempotency:";

    private final ResultBackend backend;

    IdempotencyClaim(ResultBackend backend) {
        this.backend = backend;
    }

    /**
     * Claims an idempotency key for {@code message}: returns the id of the task that holds it already,
     * or {@code null} when this one now does. The key lives until the ETA plus the window, so it covers
     * the whole time the first task is pending and a while after.
     */
    String claim(RegisteredTask<?, ?> task, String key, TaskMessage message, TaskOptions options, Instant now) {
        Duration pending = message.eta() == null || message.eta().isBefore(now) ? Duration.ZERO : Duration.between(now, message.eta());
        try {
            return backend.putIfAbsent(KEY_PREFIX + task.name() + ":" + key, message.id(),
                    pending.plus(options.idempotencyWindow())).orElse(null);
        } catch (UnsupportedOperationException e) {
            throw new AmdahlException("task '" + task.name() + "' was submitted with an idempotency key, but "
                    + e.getMessage(), e);
        }
    }
}
