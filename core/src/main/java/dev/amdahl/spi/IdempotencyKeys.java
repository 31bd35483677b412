package dev.amdahl.spi;

import java.time.Duration;
import java.util.Optional;

/**
 * A result backend's capability to keep a value under a key for a while, set by the first of many racing
 * callers: what idempotency keys ({@code SubmitOptions.Builder.idempotencyKey}) are built on. The first
 * submission stores its task id under the key; a second one, from any process, finds it and returns the
 * first one's future instead of submitting again.
 *
 * <pre>{@code
 * Optional<String> first = keys.putIfAbsent("amdahl:idempotency:payment.charge:order-42", taskId, Duration.ofHours(1));
 * if (first.isPresent()) {
 *     return futureOf(first.get());    // submitted already: do not charge twice
 * }
 * }</pre>
 *
 * <h2>Contract</h2>
 * Checked by the {@code IdempotencyKeys} tests of {@code ResultBackendContractTest}:
 * <ul>
 *   <li>atomic across every client of the backend, in every process: of callers racing on one key, exactly
 *       one stores its value, and every other one is answered with that value;</li>
 *   <li>the key is forgotten {@code ttl} after it was stored (not sooner; a little later is fine), after which
 *       the next call stores again. Later calls that find the key do not extend it.</li>
 * </ul>
 * Redis does it with {@code SET NX PX}; a SQL database with an insert on a unique key and an expiry column
 * that a read treats as absent once passed.
 *
 * @see ResultBackend#capability(Class)
 */
public interface IdempotencyKeys extends ResultBackend.Capability {

    /**
     * Stores {@code value} under {@code key} for {@code ttl} unless the key holds a value already.
     *
     * @return the value the key already held, or empty when {@code value} was stored
     */
    Optional<String> putIfAbsent(String key, String value, Duration ttl);
}
