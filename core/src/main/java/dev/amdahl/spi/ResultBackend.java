package dev.amdahl.spi;

import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

/**
 * Stores task states and results where the submitting process can find them. One implementation per store
 * (the embedded in-memory backend, Redis, PostgreSQL...), found from the URL scheme by a
 * {@link ResultBackendProvider}.
 *
 * <pre>{@code
 * try (ResultBackend backend = provider.open(URI.create("redis://127.0.0.1:6379"), ProviderContext.ofDefaults())) {
 *     backend.whenReady(taskId, record -> System.out.println(record.state() + " " + record.result()));
 *     backend.storeAllUnlessFinal(List.of(successOf(taskId)));      // what a worker does when the task ends
 *     backend.capability(IdempotencyKeys.class)                     // an optional feature, where the backend has it
 *             .ifPresent(keys -> keys.putIfAbsent("order-42", taskId, Duration.ofHours(1)));
 * }
 * }</pre>
 *
 * <h2>Contract</h2>
 * Every implementation passes the abstract {@code ResultBackendContractTest} of {@code amdahl-testkit}; that
 * test is the definition of this contract. In words:
 * <ul>
 *   <li>{@link #store} replaces the task's record; after it returns, {@link #get} on any client sees it.</li>
 *   <li>{@link #storeAllUnlessFinal} never replaces a final record, the check and the store being one atomic
 *       step: workers store every state through it, so a revocation and an outcome that arrive together
 *       cannot overwrite each other.</li>
 *   <li>{@link #whenReady} calls its callback exactly once, when the task's record reaches a final state
 *       ({@link dev.amdahl.TaskState#isReady()}), at once if it already has. It is woken by the store, not
 *       by a polling loop where the transport can push (Redis pub/sub, PostgreSQL LISTEN...).</li>
 *   <li>{@link #increment} is atomic across processes: the basis of chords and of global rate limits.</li>
 *   <li>All methods may be called from any thread at once.</li>
 * </ul>
 * These are what the client and the worker cannot work without, so every method without a default is
 * required; a default is only ever a correct implementation built on the required methods (one that a backend
 * overrides to save round trips), never a weaker stand-in for its contract.
 *
 * <h2>Capabilities</h2>
 * Features that some stores cannot offer are optional capabilities, each a small interface with its own
 * contract and its own tests in the kit: {@link IdempotencyKeys} (idempotency keys), {@link Claims} (schedulers),
 * {@link RevocationFeed} (workers hear of revocations with one subscription), {@link UpdateFeed} (progress
 * is pushed), {@link WorkerRegistry} (workers' heartbeats, for operators) and {@link AckingStore} (a batch's outcomes
 * stored and its messages acknowledged in one step, beside a broker in the same store). A backend declares one by implementing it:
 *
 * <pre>{@code
 * public final class SqlResultBackend implements ResultBackend, IdempotencyKeys {
 *     public Optional<String> putIfAbsent(String key, String value, Duration ttl) {
 *         // INSERT ... ON CONFLICT DO NOTHING, then SELECT the value (an expired row counts as absent)
 *     }
 *     // ... the required methods
 * }
 * }</pre>
 *
 * The runtime asks {@link #capability} for what it uses. A feature without a fallback fails, when it is first
 * used, with a message naming the backend and the capability it lacks (an idempotency key when the option is
 * set, a scheduler when it is started); the revocation and update feeds have fallbacks that work everywhere
 * and cost more round trips (see their Javadoc).
 *
 * <h2>Stability</h2>
 * This interface is the plug-in point for result stores that live outside this project. From version 1.0 on: a
 * method is added only with a default that keeps its contract on every existing backend; a feature that some
 * existing backend could not provide correctly is added as a new {@link Capability} instead, so that backend
 * keeps compiling and simply lacks the feature; nothing is removed and no contract is changed without a new
 * major version. Before 1.0 (nothing has been released yet) this SPI may still change in a minor version; the
 * contract kit changes with it, so a backend that passes the kit of a version works with that version.
 */
public interface ResultBackend extends AutoCloseable {

    /**
     * An optional feature of a result backend: a backend has it when {@link #capability} returns it. The
     * capabilities are {@link IdempotencyKeys}, {@link Claims}, {@link RevocationFeed}, {@link UpdateFeed},
     * {@link WorkerRegistry}, {@link AckingStore} and {@link RecordsReadAhead}; the runtime uses no others.
     */
    interface Capability {
    }

    /** Stores (replaces) the record of {@code record.taskId()}. */
    void store(TaskRecord record);

    /** Stores many records; implementations batch the round trips. */
    default void storeAll(List<TaskRecord> records) {
        for (TaskRecord record : records) {
            store(record);
        }
    }

    /**
     * Stores the records as {@link #storeAll} does, except for tasks whose stored record is final already
     * (SUCCESS, FAILURE, REVOKED): final states do not move, so those records are kept and the new ones
     * dropped, the check and the store being one atomic step per task, across processes. Workers store every
     * state through it, so a revocation and an outcome arriving together cannot overwrite each other: whichever
     * is stored first stays. A backend keeps the state where this check can read it without decoding the record
     * (a column, a field beside the record bytes).
     *
     * @return the final records that were kept instead of the given ones, by task id (empty when all were stored)
     */
    Map<String, TaskRecord> storeAllUnlessFinal(List<TaskRecord> records);

    /** The stored record, or empty when the backend knows nothing of that task (it is PENDING or expired). */
    Optional<TaskRecord> get(String taskId);

    /**
     * The stored records of many tasks, by id; ids without a record are absent from the map.
     * Workers call this once per batch of deliveries; implementations answer in one round trip.
     */
    default Map<String, TaskRecord> getAll(Collection<String> taskIds) {
        Map<String, TaskRecord> found = new HashMap<>();
        for (String id : taskIds) {
            get(id).ifPresent(r -> found.put(id, r));
        }
        return found;
    }

    /**
     * Calls {@code callback} once with the task's record when it reaches a final state. The callback
     * runs on a backend thread (or the caller's, when the record is already final) and must not block.
     */
    Registration whenReady(String taskId, Consumer<TaskRecord> callback);

    /**
     * As {@link #whenReady}, for a task that has not been published yet: its caller registers first and
     * publishes after, so no record can exist before the registration, and a backend that would read the
     * record at once (in case it is final already) may leave that read out. Clients watch every task they
     * submit this way. The default calls {@link #whenReady}, which is correct, only a read dearer.
     */
    default Registration whenReadyUnpublished(String taskId, Consumer<TaskRecord> callback) {
        return whenReady(taskId, callback);
    }

    /**
     * Waits up to {@code timeout} for the task to reach a final state.
     *
     * @return the final record, or empty if the time ran out first
     */
    default Optional<TaskRecord> await(String taskId, Duration timeout) throws InterruptedException {
        CountDownLatch done = new CountDownLatch(1);
        AtomicReference<TaskRecord> result = new AtomicReference<>();
        try (Registration ignored = whenReady(taskId, r -> {
            result.set(r);
            done.countDown();
        })) {
            done.await(timeout.toNanos(), TimeUnit.NANOSECONDS);
        }
        return Optional.ofNullable(result.get());
    }

    /**
     * Adds {@code delta} to the counter named {@code key} (created at 0) atomically across processes; returns
     * the new value. The counter lives at least as long as the backend keeps results: chords count their
     * finished members with it.
     */
    long increment(String key, long delta);

    /**
     * {@link #increment} for a counter that is forgotten {@code ttl} after this call created it (later
     * increments do not extend it; a little later is fine): after that, the next call starts again at 0.
     * Global rate limits count their windows with it, so the windows do not pile up. A backend without expiring
     * keys keeps the expiry beside the counter and treats a counter past it as absent.
     */
    long increment(String key, long delta, Duration ttl);

    /**
     * This backend's capability {@code type}, or empty when it lacks it; see "Capabilities" above. The default
     * returns this backend when its class implements {@code type}, so a backend declares a capability by
     * implementing it. Override it when what the backend can do depends on how it was opened, or to pass on the
     * capabilities of a backend that this one wraps (a wrapper that implemented every capability interface would
     * claim features its delegate may lack).
     */
    default <C extends Capability> Optional<C> capability(Class<C> type) {
        return type.isInstance(this) ? Optional.of(type.cast(this)) : Optional.empty();
    }

    /** Removes the task's record. */
    void forget(String taskId);

    /** Releases connections and threads. */
    @Override
    void close();
}
