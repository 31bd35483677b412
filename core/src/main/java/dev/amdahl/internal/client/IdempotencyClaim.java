package dev.amdahl.internal.client;

import dev.amdahl.AmdahlException;
import dev.amdahl.SubmitOptions;
import dev.amdahl.internal.task.BackendKeys;
import dev.amdahl.internal.task.RegisteredTask;
import dev.amdahl.internal.wire.TaskMessage;
import dev.amdahl.spi.IdempotencyKeys;
import dev.amdahl.spi.ResultBackend;
import java.time.Duration;
import java.time.Instant;

/**
 * Idempotency keys: a submission with a key claims it in the result backend, and a second submission with
 * the same key, while the claim lives, gets the first task instead of a new one.
 */
final class IdempotencyClaim {

    private final ResultBackend backend;

    IdempotencyClaim(ResultBackend backend) {
        this.backend = backend;
    }

    /**
     * Claims an idempotency key for {@code message}: returns the id of the task that holds it already,
     * or {@code null} when this one now does. The key lives until the ETA plus the window, so it covers
     * the whole time the first task is pending and a while after.
     */
    String claim(RegisteredTask<?, ?> task, String key, TaskMessage message, SubmitOptions options, Instant now) {
        Duration pending = message.eta() == null || message.eta().isBefore(now) ? Duration.ZERO : Duration.between(now, message.eta());
        return keys(task.name()).putIfAbsent(BackendKeys.idempotency(task.name(), key), message.id(),
                pending.plus(options.idempotencyWindow())).orElse(null);
    }

    /** The backend's idempotency keys, for task {@code taskName} given a key; fails, naming the fix, where it has none. */
    IdempotencyKeys keys(String taskName) {
        return backend.capability(IdempotencyKeys.class).orElseThrow(() -> new AmdahlException("task '" + taskName
                + "' has an idempotency key, but the result backend " + backend.getClass().getName() + " does not support"
                + " idempotency keys (it has no " + IdempotencyKeys.class.getName() + " capability): submit without a key,"
                + " or use a result backend that supports them, such as redis:// or the embedded one"));
    }
}
