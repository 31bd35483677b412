package dev.amdahl.internal.memory;

import dev.amdahl.TaskState;
import dev.amdahl.spi.Claims;
import dev.amdahl.spi.IdempotencyKeys;
import dev.amdahl.spi.Registration;
import dev.amdahl.spi.ResultBackend;
import dev.amdahl.spi.RevocationFeed;
import dev.amdahl.spi.TaskRecord;
import dev.amdahl.spi.UpdateFeed;
import dev.amdahl.spi.WorkerRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * The embedded result backend: records in a map of this process. It has every capability, so the embedded default
 * runs every feature.
 *
 * <p>Records are kept as the immutable objects they are, not as {@link TaskRecord#toBytes()}: a record holds only
 * strings, numbers and instants, and its result is already the JSON text the worker encoded, which the client
 * decodes, so a result that would not survive JSON on Redis does not survive it here either; encoding the envelope
 * to bytes and back on the same heap proved nothing more and was most of the embedded round trip's cost.
 *
 * <p>Invariants:
 * <ul>
 *   <li><b>A store and the callbacks it completes are one step per task.</b> A task's record and everything that
 *       waits on it (its {@link #whenReady} callbacks and {@link #onUpdate} listeners) are one entry under the task's
 *       id in {@code records}, and every store, registration and removal for that task replaces the entry inside a
 *       {@code compute} of that key, whose lock orders them: a registration that finds no final record is
 *       seen by the store that brings one, and the check of {@link #storeAllUnlessFinal} and its store cannot be split
 *       by another store. Callbacks run after the compute, on the storing thread, never inside it (a callback may call
 *       this backend). One map, not one for records and one for watchers: a client watches a task before it publishes
 *       it, so the store of its outcome finds the task's entry there and replaces its value, inserting nothing.</li>
 *   <li><b>A revocation is told to each revocation listener exactly once</b>: stores of REVOKED records and
 *       {@link #onRevoked} meet under the lock of {@code revokedIds}.</li>
 *   <li><b>Memory is bounded by the time to live.</b> Records and counters live {@code resultTtl} after their last
 *       write, as on Redis. Reads check the time themselves, so nothing expired is ever returned; the memory is
 *       released by a sweep over every record and counter, run by the write that brings the writes since the last
 *       sweep to as many as the entries that sweep left (at least {@value #SWEEP_EVERY_MIN}), and not before the
 *       earliest life the last sweep left can have ended. A sweep looks at what the last one left and at most one new
 *       entry per write since: each write pays for at most about two entries looked at. (Not "as many writes as
 *       entries now": where each write brings a new entry, as one task's one record does, the writes since a sweep
 *       never catch up with the entries it left plus theirs, and no sweep would ever run again.) Nothing but
 *       the entries themselves is kept to find them, so a record {@link #forget forgotten} costs nothing more. A task
 *       with neither a record nor a watcher has no entry.</li>
 * </ul>
 */
public final class MemoryResultBackend implements ResultBackend, IdempotencyKeys, Claims, RevocationFeed, UpdateFeed, WorkerRegistry {

    /**
     * How long results and counters stay after their last write ({@code memory://?result-ttl=}): an hour, not Redis's
     * day, so a long-running application holds an hour of finished tasks at most. Not less: a submission with an
     * idempotency key returns the first task's future for {@link dev.amdahl.SubmitOptions#DEFAULT_IDEMPOTENCY_WINDOW}
     * (an hour), and that future completes from the record, as a chord's callback reads its members' records.
     */
    public static final Duration DEFAULT_RESULT_TTL = Duration.ofHours(1);

    private final Clock clock;
    private final long resultTtlMillis;
    /**
     * By task id, its record and what waits on it: a {@link Slot} once a record is stored, and before that what waits
     * on it alone (a {@code Consumer} or a {@link Watch}), so a pending task costs its callback and no slot. See the
     * class comment.
     */
    private final ConcurrentHashMap<String, Object> records = new ConcurrentHashMap<>();
    private final Map<String, AtomicLong> counters = new ConcurrentHashMap<>();
    /** When each counter without a time to live of its own expires: {@code resultTtl} after its last increment. */
    private final Map<String, Instant> counterLife = new ConcurrentHashMap<>();
    /** Writes since the last sweep of expired records and counters; see the class comment. */
    private final AtomicLong writesSinceSweep = new AtomicLong();
    /** Entries the last sweep left (records and counters), which the writes since must match before the next. */
    private volatile int entriesAfterSweep;
    /**
     * Before this time ({@link Clock#millis()}) no record or counter can have expired: the earliest life the last sweep
     * left, or that sweep's (at first this backend's creation's) time plus {@code resultTtl}, which every later write
     * outlives on a clock that does not go back. Until then a sweep would find nothing and is not run, so a backend
     * whose records are all younger than their time to live does not walk them again and again.
     */
    private volatile long nothingExpiresBefore;
    private static final int SWEEP_EVERY_MIN = 1_024;
    /** When counters created with a time to live expire (set once, at creation); guarded by itself. */
    private final Map<String, Instant> counterExpiry = new HashMap<>();
    /** The revocation feed's listeners; added and snapshot under the lock of {@code revokedIds}. */
    private final List<Consumer<TaskRecord>> revocationListeners = new CopyOnWriteArrayList<>();
    /** Ids of the REVOKED records, replayed to each new revocation listener; guarded by itself. */
    private final Set<String> revokedIds = new HashSet<>();
    /** Claims and when they expire; guarded by itself. Expired ones are swept as new ones come. */
    private final Map<String, Instant> claims = new HashMap<>();
    /** Keys of {@link #putIfAbsent}; guarded by itself. */
    private final Map<String, Held> keys = new HashMap<>();

    /** Workers' heartbeats and when they expire; guarded by itself. Expired ones are dropped when read. */
    private final Map<String, Beat> heartbeats = new HashMap<>();

    private record Held(String value, Instant until) {
    }

    private record Beat(byte[] bytes, Instant until) {
    }

    /**
     * A task's record, the time ({@link Clock#millis()}) it expires, and what waits on it: the one {@link #whenReady}
     * callback a client registers (a {@code Consumer}, the common case, kept bare to save memory per pending task), a
     * {@link Watch} when there are more or {@link #onUpdate} listeners, or {@code null}. Immutable; a {@link Watch} is
     * changed only inside a {@code compute} of the task's key.
     */
    private record Slot(TaskRecord record, long untilMillis, Object watching) {
    }

    /** What waits on the task of an entry of {@code records}, or {@code null}. */
    private static Object watchingOf(Object entry) {
        return entry instanceof Slot slot ? slot.watching() : entry;
    }

    /** The entry of a task with {@code record} (or none) and {@code watching}; {@code null} (no entry) for neither. */
    private static Object entry(TaskRecord record, long untilMillis, Object watching) {
        return record == null ? watching : new Slot(record, untilMillis, watching);
    }

    /** {@code entry} with {@code watching} waiting on its task instead. */
    private static Object withWatching(Object entry, Object watching) {
        return entry instanceof Slot slot ? new Slot(slot.record(), slot.untilMillis(), watching) : watching;
    }

    /** More than one watcher of a task; see {@code records}. */
    private static final class Watch {
        final List<Consumer<TaskRecord>> ready = new ArrayList<>(2);
        final List<Consumer<TaskRecord>> updates = new ArrayList<>(1);

        /** {@code this}, or {@code null} when nothing waits any more (the task's entry is then removed). */
        Object orNull() {
            return ready.isEmpty() && updates.isEmpty() ? null : this;
        }
    }

    /** What one store found and must tell once its compute is over. */
    private static final class Stored {
        TaskRecord kept;
        Object ready;
        List<Consumer<TaskRecord>> updates;
        List<Consumer<TaskRecord>> revocationListeners;
    }

    public MemoryResultBackend() {
        this(Clock.systemUTC());
    }

    /** @param clock decides when records, idempotency keys, claims and counters expire */
    public MemoryResultBackend(Clock clock) {
        this(clock, DEFAULT_RESULT_TTL);
    }

    /**
     * @param clock     decides when records, idempotency keys, claims and counters expire
     * @param resultTtl how long a record or counter stays after its last write
     */
    public MemoryResultBackend(Clock clock, Duration resultTtl) {
        if (resultTtl.isNegative() || resultTtl.isZero()) {
            throw new IllegalArgumentException("resultTtl must be positive, was " + resultTtl);
        }
        this.clock = clock;
        this.resultTtlMillis = Math.max(1, resultTtl.toMillis());
        this.nothingExpiresBefore = clock.millis() + resultTtlMillis;
    }

    /**
     * Counts a write; the one that makes the writes since the last sweep as many as the entries that sweep left sweeps
     * them, once something may have expired.
     */
    private void wrote() {
        long writes = writesSinceSweep.incrementAndGet();
        if (writes >= SWEEP_EVERY_MIN && clock.millis() >= nothingExpiresBefore
                && writes >= entriesAfterSweep && writesSinceSweep.compareAndSet(writes, 0)) {
            sweep();
            entriesAfterSweep = size();
        }
    }

    private void sweep() {
        Instant now = clock.instant();
        long nowMillis = now.toEpochMilli();
        long[] earliest = {nowMillis + resultTtlMillis};
        counterLife.forEach((key, life) -> {
            if (life.isAfter(now)) {
                earliest[0] = Math.min(earliest[0], life.toEpochMilli());
            } else {
                synchronized (counterLife) {
                    // with increment's lock: an increment between the look and the removal moved its life on
                    if (counterLife.remove(key, life)) {
                        counters.remove(key);
                    }
                }
            }
        });
        List<String> expired = new ArrayList<>();
        records.forEach((id, seen) -> {
            if (seen instanceof Slot slot && slot.untilMillis() > nowMillis) {
                earliest[0] = Math.min(earliest[0], slot.untilMillis());
            } else if (seen instanceof Slot) {
                // looked at again in the compute: a store since then brought a new life; what waits stays
                boolean[] gone = new boolean[1];
                records.computeIfPresent(id, (k, latest) -> {
                    if (!(latest instanceof Slot l) || l.untilMillis() > nowMillis) {
                        return latest;
                    }
                    gone[0] = true;
                    return l.watching();
                });
                if (gone[0]) {
                    expired.add(id);
                }
            }
        });
        nothingExpiresBefore = earliest[0];
        if (!expired.isEmpty()) {
            synchronized (revokedIds) {
                for (String id : expired) {
                    if (get(id).isEmpty()) {
                        revokedIds.remove(id);
                    }
                }
            }
        }
    }

    /**
     * How many entries this backend holds now: records (expired ones not yet swept included), tasks watched before
     * their first record, counters (for tests).
     */
    public int size() {
        return records.size() + counters.size();
    }

    /** How many tasks have a callback or listener waiting on them (for tests). */
    int watched() {
        int n = 0;
        for (Object entry : records.values()) {
            if (watchingOf(entry) != null) {
                n++;
            }
        }
        return n;
    }

    @Override
    public void store(TaskRecord record) {
        tell(record, put(record, false));
    }

    /**
     * Stores {@code record}, unless {@code unlessFinal} and the task's record is final already, in one compute of the
     * task's key; returns what to tell. Nothing is called back here: see {@link #tell}.
     */
    private Stored put(TaskRecord record, boolean unlessFinal) {
        Stored step = new Stored();
        records.compute(record.taskId(), (key, entry) -> {
            Object watching = watchingOf(entry);
            TaskRecord current = unlessFinal ? live(entry) : null;
            if (current != null && current.state().isReady()) {
                step.kept = current;
                return entry;
            }
            if (record.state() == TaskState.REVOKED) {
                synchronized (revokedIds) {
                    // with onRevoked's lock: each listener hears of this revocation here or in its replay, once
                    revokedIds.add(key);
                    if (!revocationListeners.isEmpty()) {
                        step.revocationListeners = List.copyOf(revocationListeners);
                    }
                }
            }
            if (record.state().isReady()) {
                // a final record ends every watch: its callbacks are called, its update listeners dropped
                step.ready = watching instanceof Watch w ? (w.ready.isEmpty() ? null : List.copyOf(w.ready)) : watching;
                watching = null;
            } else if (watching instanceof Watch w && !w.updates.isEmpty()) {
                step.updates = List.copyOf(w.updates);
            }
            return entry(record, clock.millis() + resultTtlMillis, watching);
        });
        wrote();
        return step;
    }

    /** Calls what {@code step} found waiting for {@code record}, after its compute, on this thread. */
    @SuppressWarnings("unchecked")
    private static void tell(TaskRecord record, Stored step) {
        if (step.ready instanceof List<?> callbacks) {
            ((List<Consumer<TaskRecord>>) callbacks).forEach(callback -> callback.accept(record));
        } else if (step.ready != null) {
            ((Consumer<TaskRecord>) step.ready).accept(record);
        }
        if (step.updates != null) {
            step.updates.forEach(listener -> listener.accept(record));
        }
        if (step.revocationListeners != null) {
            step.revocationListeners.forEach(listener -> listener.accept(record));
        }
    }

    /** The record of an entry of {@code records} while it lives, else {@code null}. */
    private TaskRecord live(Object entry) {
        return entry instanceof Slot slot && slot.untilMillis() > clock.millis() ? slot.record() : null;
    }

    @Override
    public Registration onRevoked(Consumer<TaskRecord> listener) {
        List<TaskRecord> before = new ArrayList<>();
        synchronized (revokedIds) {
            // under the lock stores of revocations take: a revocation stored from here on is told to the listener, one
            // before is replayed
            revocationListeners.add(listener);
            for (String id : revokedIds) {
                get(id).ifPresent(before::add);
            }
        }
        before.forEach(listener);
        return () -> revocationListeners.remove(listener);
    }

    /** Every store tells the listeners in the storing thread before it returns, and registration replays the rest. */
    @Override
    public boolean revocationFeedComplete() {
        return true;
    }

    @Override
    public void putHeartbeat(String worker, byte[] heartbeat, Duration ttl) {
        Instant until = clock.instant().plus(ttl);
        synchronized (heartbeats) {
            heartbeats.put(worker, new Beat(heartbeat.clone(), until));
        }
    }

    @Override
    public void removeHeartbeat(String worker) {
        synchronized (heartbeats) {
            heartbeats.remove(worker);
        }
    }

    @Override
    public Map<String, byte[]> heartbeats() {
        Instant now = clock.instant();
        Map<String, byte[]> live = new TreeMap<>();
        synchronized (heartbeats) {
            heartbeats.values().removeIf(s -> !s.until().isAfter(now));
            heartbeats.forEach((worker, s) -> live.put(worker, s.bytes().clone()));
        }
        return live;
    }

    @Override
    public boolean claim(String key, Duration ttl) {
        Instant now = clock.instant();
        synchronized (claims) {
            if (claims.size() >= 1_024 && claims.size() % 1_024 == 0) {
                claims.values().removeIf(until -> !until.isAfter(now));
            }
            Instant until = claims.get(key);
            if (until != null && until.isAfter(now)) {
                return false;
            }
            claims.put(key, now.plus(ttl));
            return true;
        }
    }

    @Override
    public Registration onUpdate(String taskId, Consumer<TaskRecord> listener) {
        records.compute(taskId, (key, entry) -> {
            Watch w = watch(watchingOf(entry));
            w.updates.add(listener);
            return withWatching(entry, w);
        });
        return () -> records.computeIfPresent(taskId, (key, entry) -> {
            if (watchingOf(entry) instanceof Watch w) {
                w.updates.remove(listener);
                return withWatching(entry, w.orNull());
            }
            return entry;
        });
    }

    /** {@code watching} as a {@link Watch}, made from a bare callback or nothing when it is not one. */
    @SuppressWarnings("unchecked")
    private static Watch watch(Object watching) {
        if (watching instanceof Watch w) {
            return w;
        }
        Watch w = new Watch();
        if (watching != null) {
            w.ready.add((Consumer<TaskRecord>) watching);
        }
        return w;
    }

    @Override
    public Optional<String> putIfAbsent(String key, String value, Duration ttl) {
        Instant now = clock.instant();
        synchronized (keys) {
            if (keys.size() > 10_000) {
                keys.values().removeIf(h -> !h.until().isAfter(now));
            }
            Held held = keys.get(key);
            if (held != null && held.until().isAfter(now)) {
                return Optional.of(held.value());
            }
            keys.put(key, new Held(value, now.plus(ttl)));
            return Optional.empty();
        }
    }

    @Override
    public Map<String, TaskRecord> storeAllUnlessFinal(List<TaskRecord> records) {
        Map<String, TaskRecord> kept = Map.of();
        Stored[] steps = new Stored[records.size()];
        // the check and the store are one step per task (see the class comment); callbacks only after them all
        for (int i = 0; i < steps.length; i++) {
            steps[i] = put(records.get(i), true);
        }
        for (int i = 0; i < steps.length; i++) {
            TaskRecord r = records.get(i);
            if (steps[i].kept != null) {
                if (kept.isEmpty()) {
                    kept = new HashMap<>();
                }
                kept.put(r.taskId(), steps[i].kept);
            } else {
                tell(r, steps[i]);
            }
        }
        return kept;
    }

    @Override
    public Optional<TaskRecord> get(String taskId) {
        return Optional.ofNullable(live(records.get(taskId)));
    }

    @Override
    public Map<String, TaskRecord> getAll(java.util.Collection<String> taskIds) {
        Map<String, TaskRecord> found = null;
        for (String id : taskIds) {
            TaskRecord r = live(records.get(id));
            if (r != null) {
                if (found == null) {
                    found = new HashMap<>();
                }
                found.put(id, r);
            }
        }
        return found == null ? Map.of() : found;
    }

    @Override
    public Registration whenReady(String taskId, Consumer<TaskRecord> callback) {
        TaskRecord[] ready = new TaskRecord[1];
        records.compute(taskId, (key, entry) -> {
            TaskRecord current = live(entry);
            if (current != null && current.state().isReady()) {
                ready[0] = current;
                return entry;
            }
            return added(entry, callback);
        });
        if (ready[0] != null) {
            callback.accept(ready[0]);
            return () -> { };
        }
        return () -> unwatch(taskId, callback);
    }

    /**
     * {@link #whenReady} without the read of the record: the caller registers before it publishes, so there is none yet
     * (see {@link ResultBackend#whenReadyUnpublished}). That read is the dearer half of a registration here: the map of
     * records holds every task of the last hour, and the lookup of an id it does not hold is a cache miss.
     */
    @Override
    public Registration whenReadyUnpublished(String taskId, Consumer<TaskRecord> callback) {
        // nothing waits on a task not yet published, but for another watch of the same caller: one insertion
        if (records.putIfAbsent(taskId, callback) != null) {
            records.compute(taskId, (key, entry) -> added(entry, callback));
        }
        return () -> unwatch(taskId, callback);
    }

    /** {@code entry} with {@code callback} waiting on its task too; inside a compute of its key. */
    private static Object added(Object entry, Consumer<TaskRecord> callback) {
        Object watching = watchingOf(entry);
        if (watching == null) {
            return withWatching(entry, callback);
        }
        Watch w = watch(watching);
        w.ready.add(callback);
        return withWatching(entry, w);
    }

    private void unwatch(String taskId, Consumer<TaskRecord> callback) {
        records.computeIfPresent(taskId, (key, entry) -> {
            Object watching = watchingOf(entry);
            if (watching == callback) {
                return withWatching(entry, null);
            }
            if (watching instanceof Watch w) {
                w.ready.remove(callback);
                return withWatching(entry, w.orNull());
            }
            return entry;
        });
    }

    @Override
    public long increment(String key, long delta) {
        Instant until = clock.instant().plusMillis(resultTtlMillis);
        long value;
        synchronized (counterLife) {
            // with the sweep's lock, so a sweep never removes a counter between its increment and its new life
            Instant life = counterLife.get(key);
            if (life != null && !life.isAfter(clock.instant())) {
                counters.remove(key);
            }
            value = counters.computeIfAbsent(key, k -> new AtomicLong()).addAndGet(delta);
            counterLife.put(key, until);
        }
        wrote();
        return value;
    }

    @Override
    public long increment(String key, long delta, Duration ttl) {
        Instant now = clock.instant();
        synchronized (counterExpiry) {
            if (counterExpiry.size() > 10_000) {
                // forget expired counters now and then, so short-lived windows do not pile up
                counterExpiry.entrySet().removeIf(e -> {
                    boolean expired = !e.getValue().isAfter(now);
                    if (expired) {
                        counters.remove(e.getKey());
                    }
                    return expired;
                });
            }
            Instant until = counterExpiry.get(key);
            if (until != null && !until.isAfter(now)) {
                counters.remove(key);
                until = null;
            }
            if (until == null) {
                counterExpiry.put(key, now.plus(ttl));
            }
            // a counter with a time to live of its own: not swept by the result time to live
            return counters.computeIfAbsent(key, k -> new AtomicLong()).addAndGet(delta);
        }
    }

    @Override
    public void forget(String taskId) {
        // what waits on it stays: a record stored later still tells it
        records.computeIfPresent(taskId, (key, entry) -> watchingOf(entry));
        synchronized (revokedIds) {
            revokedIds.remove(taskId);
        }
    }

    @Override
    public void close() {
        // what waits is let go; the records stay readable
        records.forEach((id, seen) -> {
            if (watchingOf(seen) != null) {
                records.computeIfPresent(id, (key, entry) -> withWatching(entry, null));
            }
        });
        revocationListeners.clear();
    }
}
