package dev.amdahl.spi;

import java.time.Duration;

/**
 * A result backend's capability to hand a key to one caller for a while: expiring claims, what schedulers
 * ({@code Amdahl.startScheduler}) are built on. Every scheduler claims each tick it sees due, and only the
 * one that wins submits it, so a tick fires once however many schedulers run.
 *
 * <pre>{@code
 * if (claims.claim("beat:report.nightly:" + tick.getEpochSecond(), Duration.ofDays(1))) {
 *     submitTheReport();               // no other scheduler won this tick
 * }
 * }</pre>
 *
 * <h2>Contract</h2>
 * Checked by the {@code Claims} tests of {@code ResultBackendContractTest}:
 * <ul>
 *   <li>atomic across every client of the backend, in every process: of callers racing on one key, exactly
 *       one gets true;</li>
 *   <li>the claim holds for {@code ttl}: every other call on the key gets false meanwhile. Then it ends (a
 *       little later is fine), the next call wins again, and the backend keeps nothing of it, so claims do not
 *       pile up. Calls that lose do not extend it.</li>
 * </ul>
 * This is a separate capability from {@link IdempotencyKeys} although a backend with {@code putIfAbsent} has
 * what it needs (Redis: {@code SET NX PX}): a backend may be able to claim without keeping values.
 *
 * @see ResultBackend#capability(Class)
 */
public interface Claims extends ResultBackend.Capability {

    /** Claims {@code key} for {@code ttl}; returns whether this caller won it. */
    boolean claim(String key, Duration ttl);
}
