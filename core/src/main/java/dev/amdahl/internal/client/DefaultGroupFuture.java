package dev.amdahl.internal.client;

import dev.amdahl.AmdahlException;
import dev.amdahl.GroupFuture;
import dev.amdahl.Progress;
import dev.amdahl.TaskFuture;
import dev.amdahl.TaskState;
import dev.amdahl.scaling.JobStats;
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

    private final String id;
    private final List<TaskFuture<R>> members;
    private final long submitNanos;
    private final AtomicLong combineNanos = new AtomicLong();
    /** Members in the order they completed; guarded by itself, waited on by {@link #asCompleted()}. */
    private final List<TaskFuture<R>> completionOrder = new ArrayList<>();

    /** @param submitNanos how long the caller spent encoding and publishing the group */
    DefaultGroupFuture(String id, List<TaskFuture<R>> members, long submitNanos) {
        this.id = id;
        this.members = List.copyOf(members);
        this.submitNanos = submitNanos;
        AtomicInteger left = new AtomicInteger(members.size());
        if (members.isEmpty()) {
            super.complete(List.of());
        }
        for (TaskFuture<R> member : this.members) {
            member.whenComplete((value, error) -> {
                if (error != null) {
                    super.completeExceptionally(error instanceof java.util.concurrent.CompletionException
                            && error.getCause() != null ? error.getCause() : error);
                } else if (left.decrementAndGet() == 0) {
                    List<R> all = new ArrayList<>(this.members.size());
                    for (TaskFuture<R> m : this.members) {
                        all.add(m.toCompletableFuture().join());
                    }
                    super.complete(all);
                }
                // recorded after the group's own bookkeeping, so a caller iterating asCompleted() finds the
                // group done once it has seen every member
                synchronized (completionOrder) {
                    completionOrder.add(member);
                    completionOrder.notifyAll();
                }
            });
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
        return Waiting.result(this, timeout, null, id, "group " + id, this::state,
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
