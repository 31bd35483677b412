package dev.amdahl.internal.client;

import dev.amdahl.AmdahlException;
import dev.amdahl.GroupFuture;
import dev.amdahl.Progress;
import dev.amdahl.TaskFuture;
import dev.amdahl.TaskState;
import dev.amdahl.scaling.DataMovement;
import dev.amdahl.scaling.JobStats;
import java.nio.charset.StandardCharsets;
import dev.amdahl.spi.TaskRecord;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * Completes with every member's result in order once all succeeded, or with the first failure as
 * soon as one fails (as Celery's {@code GroupResult.get} raises the first error).
 */
public final class DefaultGroupFuture<R> extends CompletableFuture<List<R>> implements GroupFuture<R> {

    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(DefaultGroupFuture.class);

    private final String id;
    private final List<TaskFuture<R>> members;
    private final long submitNanos;
    private final AtomicLong combineNanos = new AtomicLong();
    /** Members in the order they completed; guarded by itself, waited on by {@link #asCompleted()}. */
    private final List<TaskFuture<R>> completionOrder = new ArrayList<>();
    /** Members not completed yet. */
    private final AtomicInteger left;

    /** The bytes of the messages published and of the arguments stored by reference. */
    private final long publishedBytes;
    private final long storedBytes;
    /** When the submission began and when the last member completed, by {@link System#nanoTime()}. */
    private final long startedNanos;
    private volatile long completedNanos;

    /**
     * @param submitNanos    how long the caller spent encoding and publishing the group
     * @param publishedBytes the bytes of its messages
     * @param storedBytes    the bytes of its arguments stored by reference
     */
    DefaultGroupFuture(String id, List<TaskFuture<R>> members, long submitNanos, long publishedBytes, long storedBytes) {
        this.id = id;
        this.members = List.copyOf(members);
        this.submitNanos = submitNanos;
        this.publishedBytes = publishedBytes;
        this.storedBytes = storedBytes;
        this.startedNanos = System.nanoTime() - submitNanos;
        this.completedNanos = startedNanos + submitNanos;
        this.left = new AtomicInteger(members.size());
        if (members.isEmpty()) {
            super.complete(List.of());
        }
        for (TaskFuture<R> member : this.members) {
            // a member of ours tells the group itself; a stage per member would cost a million of them for a map of a million
            if (!(member instanceof DefaultTaskFuture<R> own) || !own.joinGroup(this)) {
                member.whenComplete((value, error) -> memberDone(member, error));
            }
        }
    }

    /** Called once per member as it completes, with its failure or {@code null}. */
    void memberDone(TaskFuture<R> member, Throwable error) {
        if (error != null) {
            super.completeExceptionally(error instanceof java.util.concurrent.CompletionException
                    && error.getCause() != null ? error.getCause() : error);
        } else if (left.decrementAndGet() == 0) {
            completedNanos = System.nanoTime();
            List<R> all = new ArrayList<>(this.members.size());
            for (TaskFuture<R> m : this.members) {
                all.add(m.toCompletableFuture().join());
            }
            warnIfMovingDominates();
            super.complete(all);
        }
        // recorded after the group's own bookkeeping, so a caller iterating asCompleted() finds the
        // group done once it has seen every member
        synchronized (completionOrder) {
            completionOrder.add(member);
            completionOrder.notifyAll();
        }
    }

    @Override
    public String id() {
        return id;
    }

    @Override
    public List<TaskFuture<R>> members() {
        return members;
    }

    @Override
    public TaskState state() {
        if (!isDone()) {
            return members.stream().anyMatch(m -> m.state() != TaskState.PENDING) ? TaskState.STARTED : TaskState.PENDING;
        }
        if (isCancelled()) {
            return TaskState.REVOKED;
        }
        return isCompletedExceptionally() ? TaskState.FAILURE : TaskState.SUCCESS;
    }

    /** The share of members completed, as "3 of 8 done". */
    @Override
    public Optional<Progress> progress() {
        int done = completedCount();
        return Optional.of(new Progress(members.isEmpty() ? 1 : (double) done / members.size(),
                done + " of " + members.size() + " done"));
    }

    /** Calls {@code listener} with {@link #progress()} each time a member completes. */
    @Override
    public TaskFuture<List<R>> onProgress(Consumer<? super Progress> listener) {
        java.util.Objects.requireNonNull(listener, "listener");
        for (TaskFuture<R> m : members) {
            m.whenComplete((v, e) -> listener.accept(progress().orElseThrow()));
        }
        return this;
    }

    @Override
    public List<R> result(Duration timeout) {
        return Waiting.result(this, timeout, null, id, () -> "group " + id, this::state,
                now -> ": " + completedCount() + " of " + members.size() + " tasks completed. Are workers consuming its queue?");
    }

    /** A future that follows this one and that the caller owns: see {@link Follower} for why not this. */
    @Override
    public CompletableFuture<List<R>> toCompletableFuture() {
        return Follower.of(this);
    }

    @Override
    public CompletableFuture<List<R>> orTimeout(long timeout, java.util.concurrent.TimeUnit unit) {
        return toCompletableFuture().orTimeout(timeout, unit);
    }

    @Override
    public CompletableFuture<List<R>> completeOnTimeout(List<R> value, long timeout, java.util.concurrent.TimeUnit unit) {
        return toCompletableFuture().completeOnTimeout(value, timeout, unit);
    }

    @Override
    public Iterable<TaskFuture<R>> asCompleted() {
        return () -> new java.util.Iterator<>() {
            private int next;

            @Override
            public boolean hasNext() {
                return next < members.size();
            }

            @Override
            public TaskFuture<R> next() {
                if (!hasNext()) {
                    throw new java.util.NoSuchElementException();
                }
                synchronized (completionOrder) {
                    while (completionOrder.size() <= next) {
                        try {
                            completionOrder.wait();
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                            throw new AmdahlException("interrupted while waiting for the next task of group " + id, e);
                        }
                    }
                    return completionOrder.get(next++);
                }
            }
        };
    }

    @Override
    public <T> T combine(Duration timeout, Function<? super List<R>, ? extends T> combiner) {
        List<R> results = result(timeout);
        long start = System.nanoTime();
        try {
            return combiner.apply(results);
        } finally {
            combineNanos.addAndGet(System.nanoTime() - start);
        }
    }

    @Override
    public JobStats stats() {
        if (!isDone() || isCompletedExceptionally()) {
            throw new IllegalStateException("group " + id + " has " + (isDone() ? "failed" : "not finished")
                    + ": its statistics exist once every member succeeded");
        }
        // members of one chunk share one record: count each task's run time once
        Map<String, Long> runtimes = new HashMap<>();
        for (TaskFuture<R> m : members) {
            TaskRecord r = ((DefaultTaskFuture<R>) m).finalRecord();
            runtimes.put(r.taskId(), r.runtimeNanos());
        }
        long parallel = runtimes.values().stream().mapToLong(Long::longValue).sum();
        return new JobStats((submitNanos + combineNanos.get()) / 1e9, parallel / 1e9);
    }

    @Override
    public DataMovement dataMovement() {
        if (!isDone() || isCompletedExceptionally()) {
            throw new IllegalStateException("group " + id + " has " + (isDone() ? "failed" : "not finished")
                    + ": what it moved is known once every member succeeded");
        }
        return movement();
    }

    private DataMovement movement() {
        // members of one chunk share one record: count each task's result and run time once
        Map<String, TaskRecord> records = new HashMap<>();
        for (TaskFuture<R> m : members) {
            TaskRecord r = ((DefaultTaskFuture<R>) m).finalRecord();
            if (r != null) {
                records.put(r.taskId(), r);
            }
        }
        long resultBytes = 0;
        long runtime = 0;
        for (TaskRecord r : records.values()) {
            resultBytes += r.result() == null ? 0 : r.result().getBytes(StandardCharsets.UTF_8).length;
            runtime += r.runtimeNanos();
        }
        return new DataMovement(records.size(), publishedBytes, storedBytes, resultBytes, submitNanos / 1e9, runtime / 1e9,
                Math.max(0, completedNanos - startedNanos) / 1e9);
    }

    /** A group warns that moving data dominates only when it moved data for at least this long. */
    static final double WARN_MOVING_SECONDS = 1.0;

    /** Below this many bytes per task, time spent moving is the messages' fixed cost, not the data's weight. */
    static final double SMALL_MESSAGE_BYTES = 16 * 1024;

    private void warnIfMovingDominates() {
        try {
            movingWarning(id, movement()).ifPresent(log::warn);
        } catch (RuntimeException e) {
            log.debug("group {}: its data movement could not be measured", id, e);
        }
    }

    /**
     * The warning the book would give: a job that moves data longer than it computes does not scale with workers.
     * Under a second of moving is a cold start's encoding more than the data's weight (a demo's warm-up), so it says
     * nothing; small messages get the advice that fits them, since passing them by reference would not help.
     */
    static Optional<String> movingWarning(String groupId, DataMovement moved) {
        if (!moved.dominates() || moved.moveSeconds() < WARN_MOVING_SECONDS) {
            return Optional.empty();
        }
        String advice = moved.bytesPerTask() < SMALL_MESSAGE_BYTES
                ? "its messages are small, so that time is each message's fixed cost (or a busy machine), not the data's"
                        + " size: give each task more work (Task.map(arguments, chunkSize): fewer, larger messages)"
                : "pass large data by reference (Amdahl.Builder.byReferenceAbove), or give each task more work per byte";
        return Optional.of(String.format(java.util.Locale.ROOT,
                "group %s spent %.3f s moving data and %.3f s computing (%s): more workers will not make it faster; %s",
                groupId, moved.moveSeconds(), moved.computeSeconds(), moved, advice));
    }

    /** Revokes every member not yet done. */
    @Override
    public boolean cancel(boolean mayInterruptIfRunning) {
        boolean any = false;
        for (TaskFuture<R> m : members) {
            any |= m.cancel(mayInterruptIfRunning);
        }
        return any;
    }

    @Override
    public boolean complete(List<R> value) {
        throw completedByHand();
    }

    @Override
    public boolean completeExceptionally(Throwable ex) {
        throw completedByHand();
    }

    @Override
    public void obtrudeValue(List<R> value) {
        throw completedByHand();
    }

    @Override
    public void obtrudeException(Throwable ex) {
        throw completedByHand();
    }

    @Override
    public <U> CompletableFuture<U> newIncompleteFuture() {
        return new CompletableFuture<>();
    }

    @Override
    public String toString() {
        return "GroupFuture[" + id + ", " + completedCount() + "/" + members.size() + " done]";
    }

    /** Completion belongs to the backend's record: a caller completes its own {@code toCompletableFuture()} copy instead. */
    private static UnsupportedOperationException completedByHand() {
        return new UnsupportedOperationException("a group's future is completed by its tasks, not by hand");
    }
}
