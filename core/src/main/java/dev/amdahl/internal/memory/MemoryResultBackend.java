package dev.amdahl.internal.memory;

import dev.amdahl.TaskState;
import dev.amdahl.spi.Claims;
import dev.amdahl.spi.IdempotencyKeys;
import dev.amdahl.spi.Registration;
import dev.amdahl.spi.ResultBackend;
import dev.amdahl.spi.RevocationFeed;
import dev.amdahl.spi.TaskRecord;
import dev.amdahl.spi.UpdateFeed;
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
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * The embedded result backend: records in a map of this process. Records go through
 * {@link TaskRecord#toBytes()} like on any other backend, so what works here works on Redis. It has every
 * capability, so the embedded default runs every feature.
 *
 * <p>Records and counters live {@code resultTtl} after their last write, as on Redis, so a long-running
 * application's heap does not grow with every task it ever ran. Reads check the time themselves, so nothing expired
 * is ever returned; the memory is released by a sweep over every record and counter, run by the write that brings
 * the writes since the last sweep to as many as there are entries (at least {@value #SWEEP_EVERY_MIN}): each write
 * pays for about one entry looked at, and nothing but the entries themselves is kept to find them, so a record
 * {@link #forget forgotten} costs nothing more.
 */
public final class MemoryResultBackend implements ResultBackend, IdempotencyKeys, Claims, RevocationFeed, UpdateFeed {

    /** How long results and counters stay, as {@code result-ttl} on Redis. */
    public static final Duration DEFAULT_RESULT_TTL = Duration.ofDays(1);

    private final Clock clock;
    private final Duration resultTtl;
    private final Map<String, Stored> records = new ConcurrentHashMap<>();
    private final Map<String, AtomicLong> counters = new ConcurrentHashMap<>();
    /** When each counter without a time to live of its own expires: {@code resultTtl} after its last increment. */
    private final Map<String, Instant> counterLife = new ConcurrentHashMap<>();
    /** Writes since the last sweep of expired records and counters; see the class comment. */
    private final AtomicLong writesSinceSweep = new AtomicLong();
    private static final int SWEEP_EVERY_MIN = 1_024;
    /** When counters created with a time to live expire (set once, at creation); guarded by itself. */
    private final Map<String, Instant> counterExpiry = new HashMap<>();
    /** Callbacks waiting for a final record; guarded by {@code waiting}. Checked under the same lock as the store that completes them. */
    private final Map<String, List<Consumer<TaskRecord>>> waiting = new HashMap<>();
    /** The revocation feed's listeners. */
    private final List<Consumer<TaskRecord>> revocationListeners = new CopyOnWriteArrayList<>();
    /** Ids of the REVOKED records, replayed to each new revocation listener; guarded by {@code waiting}. */
    private final Set<String> revokedIds = new HashSet<>();
    /** Claims and when they expire; guarded by itself. Expired ones are swept as new ones come. */
    private final Map<String, Instant> claims = new HashMap<>();
    /** Listeners to non-final records; guarded by {@code waiting}, dropped when the task ends. */
    private final Map<String, List<Consumer<TaskRecord>>> listening = new HashMap<>();
    /** Keys of {@link #putIfAbsent}; guarded by itself. */
    private final Map<String, Held> keys = new HashMap<>();

    private record Held(String value, Instant until) {
    }

    private record Stored(byte[] bytes, Instant until) {
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
        this.resultTtl = resultTtl;
    }

    /** Counts a write; the one that makes the writes since the last sweep as many as the entries sweeps them. */
    private void wrote() {
        long writes = writesSinceSweep.incrementAndGet();
        if (writes >= Math.max(SWEEP_EVERY_MIN, records.size() + counters.size()) && writesSinceSweep.compareAndSet(writes, 0)) {
            sweep();
        }
    }

    private void sweep() {
        Instant now = clock.instant();
        counterLife.forEach((key, life) -> {
            if (!life.isAfter(now)) {
                synchronized (counterLife) {
                    // with increment's lock: an increment between the look and the removal moved its life on
                    if (counterLife.remove(key, life)) {
                        counters.remove(key);
                    }
                }
            }
        });
        List<String> expired = new ArrayList<>();
        records.forEach((id, stored) -> {
            if (!stored.until().isAfter(now)) {
                expired.add(id);
            }
        });
        if (!expired.isEmpty()) {
            synchronized (waiting) {
                for (String id : expired) {
                    Stored current = records.get(id);
                    if (current != null && !current.until().isAfter(now)) {
                        records.remove(id);
                        revokedIds.remove(id);
                    }
                }
            }
        }
    }

    /** How many records and counters this backend holds now, expired ones not yet swept included (for tests). */
    public int size() {
        return records.size() + counters.size();
    }

    @Override
    public void store(TaskRecord record) {
        Runnable notify;
        synchronized (waiting) {
            notify = put(record);
        }
        notify.run();
    }

    /** Stores a record; the caller holds the lock on {@code waiting}. Returns what tells its waiters, to run after the lock. */
    private Runnable put(TaskRecord record) {
        byte[] bytes = record.toBytes();
        List<Consumer<TaskRecord>> due;
        Instant until = clock.instant().plus(resultTtl);
        records.put(record.taskId(), new Stored(bytes, until));
        wrote();
        if (record.state().isReady()) {
            due = waiting.remove(record.taskId());
            listening.remove(record.taskId());
        } else {
            List<Consumer<TaskRecord>> l = listening.get(record.taskId());
            due = l == null ? null : List.copyOf(l);
        }
        if (record.state() == TaskState.REVOKED) {
            revokedIds.add(record.taskId());
        }
        boolean revocation = record.state() == TaskState.REVOKED && !revocationListeners.isEmpty();
        if (due == null && !revocation) {
            return () -> { };
        }
        return () -> {
            TaskRecord stored = TaskRecord.fromBytes(bytes);
            if (due != null) {
                due.forEach(callback -> callback.accept(stored));
            }
            if (revocation) {
                revocationListeners.forEach(listener -> listener.accept(stored));
            }
        };
    }

    @Override
    public Registration onRevoked(Consumer<TaskRecord> listener) {
        List<TaskRecord> before = new ArrayList<>();
        synchronized (waiting) {
            // under the stores' lock: a revocation stored from here on is told to the listener, one before is replayed
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
        synchronized (waiting) {
            listening.computeIfAbsent(taskId, id -> new ArrayList<>()).add(listener);
        }
        return () -> {
            synchronized (waiting) {
                List<Consumer<TaskRecord>> l = listening.get(taskId);
                if (l != null) {
                    l.remove(listener);
                    if (l.isEmpty()) {
                        listening.remove(taskId);
                    }
                }
            }
        };
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
        Map<String, TaskRecord> kept = new HashMap<>();
        List<Runnable> notify = new ArrayList<>(records.size());
        // under the lock that every store takes, so the check and the store are one step
        synchronized (waiting) {
            for (TaskRecord r : records) {
                TaskRecord current = get(r.taskId()).orElse(null);
                if (current != null && current.state().isReady()) {
                    kept.put(r.taskId(), current);
                } else {
                    notify.add(put(r));
                }
            }
        }
        notify.forEach(Runnable::run);
        return kept;
    }

    @Override
    public Optional<TaskRecord> get(String taskId) {
        Stored stored = records.get(taskId);
        if (stored == null || !stored.until().isAfter(clock.instant())) {
            return Optional.empty();
        }
        return Optional.of(TaskRecord.fromBytes(stored.bytes()));
    }

    @Override
    public Registration whenReady(String taskId, Consumer<TaskRecord> callback) {
        TaskRecord now;
        synchronized (waiting) {
            now = get(taskId).filter(r -> r.state().isReady()).orElse(null);
            if (now == null) {
                waiting.computeIfAbsent(taskId, id -> new ArrayList<>()).add(callback);
            }
        }
        if (now != null) {
            callback.accept(now);
            return () -> { };
        }
        return () -> {
            synchronized (waiting) {
                List<Consumer<TaskRecord>> callbacks = waiting.get(taskId);
                if (callbacks != null) {
                    callbacks.remove(callback);
                    if (callbacks.isEmpty()) {
                        waiting.remove(taskId);
                    }
                }
            }
        };
    }

    @Override
    public long increment(String key, long delta) {
        Instant until = clock.instant().plus(resultTtl);
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
        records.remove(taskId);
        synchronized (waiting) {
            revokedIds.remove(taskId);
        }
    }

    @Override
    public void close() {
        synchronized (waiting) {
            waiting.clear();
            listening.clear();
        }
        revocationListeners.clear();
    }
}
