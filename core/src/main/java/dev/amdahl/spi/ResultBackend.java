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
 * Stores task states and results where the submitting process can find them.
 *
 * <h2>Contract</h2>
 * Every implementation passes the abstract {@code ResultBackendContractTest} in core's test-jar. In words:
 * <ul>
 *   <li>{@link #store} replaces the task's record; after it returns, {@link #get} on any client sees it.
 *       The caller (the worker) is responsible for only making allowed state transitions.</li>
 *   <li>{@link #whenReady} calls its callback exactly once, when the task's record reaches a final state
 *       ({@link dev.amdahl.TaskState#isReady()}), at once if it already has. It is woken by the store, not
 *       by a polling loop where the transport can push (Redis pub/sub, PostgreSQL LISTEN...).</li>
 *   <li>{@link #increment} is atomic across processes: the basis of chords.</li>
 *   <li>{@link #claim} is won by exactly one caller across processes: the basis of periodic tasks.</li>
 *   <li>{@link #onRevoked}, where supported, calls its listener with every REVOKED record stored by any
 *       client from then on: how running workers learn of a revocation. Where
 *       {@link #revocationFeedComplete} can be true, it also replays the revocations stored before.</li>
 *   <li>{@link #putIfAbsent}, where supported, is atomic across processes: the basis of idempotency keys.</li>
 *   <li>{@link #onUpdate}, where supported, calls its listener with each non-final record stored for
 *       the task (progress reports), in the order they were stored.</li>
 *   <li>All methods may be called from any thread at once.</li>
 * </ul>
 *
 * <h2>Stability</h2>
 * Methods may be added with a default implementation in a minor release; none is removed or changed
 * without a major release.
 */
public interface ResultBackend extends AutoCloseable {

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
     * dropped, the check and the store being one atomic step per task. Workers store every state through it,
     * so a revocation and an outcome arriving together cannot overwrite each other: whichever is stored first
     * stays.
     *
     * <p>Added in 0.2 with a default that reads, then stores (not atomic); backends override it.
     *
     * @return the final records that were kept instead of the given ones, by task id (empty when all were stored)
     */
    default Map<String, TaskRecord> storeAllUnlessFinal(List<TaskRecord> records) {
        Map<String, TaskRecord> kept = new HashMap<>(getAll(records.stream().map(TaskRecord::taskId).toList()));
        kept.values().removeIf(r -> !r.state().isReady());
        storeAll(records.stream().filter(r -> !kept.containsKey(r.taskId())).toList());
        return kept;
    }

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
     * submit this way.
     *
     * <p>Added in 0.3 with a default that calls {@link #whenReady}.
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

    /** Adds {@code delta} to the counter named {@code key} (created at 0) atomically; returns the new value. */
    long increment(String key, long delta);

    /**
     * {@link #increment} for a counter that is forgotten {@code ttl} after this call created it (later
     * increments do not extend it): rate-limit windows use it so they do not pile up. The default keeps the
     * counter as long as the backend keeps counters; a backend that can expire keys overrides it.
     */
    default long increment(String key, long delta, Duration ttl) {
        return increment(key, delta);
    }

    /**
     * Claims {@code key} for one caller: across all clients of the backend, exactly one call returns true
     * until the claim expires, at least {@code ttl} later. Schedulers claim each tick with it, so that of
     * several schedulers only one fires it.
     *
     * <p>Added in 0.2 with a default built on {@link #increment}: the claim is then kept as long as the
     * backend keeps counters (on Redis: its result TTL), whatever {@code ttl} says. A backend that can expire
     * keys on its own ({@code SET NX PX}) should override it.
     */
    default boolean claim(String key, Duration ttl) {
        return increment(key, 1) == 1;
    }

    /**
     * Calls {@code listener} with every REVOKED record stored from now on, by any client, until the
     * registration is cancelled: the revocation feed. Workers subscribe once and stop or skip the revoked
     * tasks they hold. The listener runs on a backend thread (or the storing thread) and must not block.
     *
     * <p>Added in 0.2 with a default that returns empty: "cannot broadcast". Workers then watch each task
     * they hold with {@link #whenReady} instead, which works everywhere but costs a registration (and, on
     * some backends, a read) per task. A backend that announces final records to all clients (Redis pub/sub,
     * PostgreSQL LISTEN) overrides it.
     *
     * <p>A backend that keeps a log of revocations (at least as long as it keeps results) also replays it: it
     * calls the listener with the REVOKED records stored before the registration, and again with the whole log
     * each time its feed reconnects, so a listener may see one revocation more than once. Such a backend
     * reports {@link #revocationFeedComplete} true while nothing can be missing.
     *
     * @return the registration, or empty when this backend cannot broadcast revocations
     */
    default Optional<Registration> onRevoked(Consumer<TaskRecord> listener) {
        return Optional.empty();
    }

    /**
     * Whether the revocation feed has passed every REVOKED record stored so far to its listeners, those stored
     * before they registered included: true once the backend replayed its log of revocations since the feed last
     * (re)connected, and as long as it stays connected. A worker that sees true learns of revocations from the
     * feed alone and does not read the records of the tasks it takes for the first time; with false it reads
     * the records of every batch before running it. A revocation stored a moment before a worker takes its task
     * may still be on its way; the worker then handles it as the revocation of a running task.
     *
     * <p>Added in 0.3 with a default that returns false, which is always correct.
     */
    default boolean revocationFeedComplete() {
        return false;
    }

    /**
     * Stores {@code value} under {@code key} for {@code ttl} unless the key holds a value already;
     * atomically across processes (Redis {@code SET NX PX}, an insert on a unique key...). Clients use
     * it for idempotency keys: the first submission stores its task id, a second one finds it.
     *
     * <p>Added in 0.2 with a default that throws, so backends written before keep compiling; a backend
     * that supports idempotency keys overrides it, and the contract test checks it does so correctly.
     *
     * @return the value the key already held, or empty when {@code value} was stored
     * @throws UnsupportedOperationException when this backend cannot do it atomically
     */
    default Optional<String> putIfAbsent(String key, String value, Duration ttl) {
        throw new UnsupportedOperationException(getClass().getName() + " does not support idempotency keys"
                + " (ResultBackend.putIfAbsent); submit without one, or use a backend that does");
    }

    /**
     * Calls {@code listener} with every record stored for the task that is not final (STARTED with
     * progress, RETRY...), in order, until the task ends or the registration is cancelled. The listener
     * runs on a backend thread (or the storing thread) and must not block.
     *
     * <p>Added in 0.2 with a default that returns empty: "cannot push updates". Clients then read
     * {@link #get} now and then instead; a backend that can push (pub/sub, LISTEN) overrides it.
     *
     * @return the registration, or empty when this backend cannot push updates
     */
    default Optional<Registration> onUpdate(String taskId, Consumer<TaskRecord> listener) {
        return Optional.empty();
    }

    /** Removes the task's record. */
    void forget(String taskId);

    /** Releases connections and threads. */
    @Override
    void close();
}
