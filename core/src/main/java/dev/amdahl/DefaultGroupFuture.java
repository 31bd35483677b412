package dev.amdahl;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Completes with every member's result in order once all succeeded, or with the first failure as
 * soon as one fails (as Celery's {@code GroupResult.get} raises the first error).
 */
final class DefaultGroupFuture<R> extends CompletableFuture<List<R>> implements GroupFuture<R> {

    private final String id;
    private final List<TaskFuture<R>> members;

    DefaultGroupFuture(String id, List<TaskFuture<R>> members) {
        this.id = id;
        this.members = List.copyOf(members);
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

    @Override
    public List<R> result(Duration timeout) {
        try {
            return get(timeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException re) {
                throw re;
            }
            throw new AmdahlException("group " + id + " failed: " + e.getCause(), e.getCause());
        } catch (TimeoutException e) {
            throw new AmdahlException("group " + id + " did not finish within " + timeout + ": " + completedCount()
                    + " of " + members.size() + " tasks completed. Are workers consuming its queue?");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AmdahlException("interrupted while waiting for group " + id, e);
        }
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
        throw new UnsupportedOperationException("a group's future is completed by its tasks, not by hand");
    }

    @Override
    public boolean completeExceptionally(Throwable ex) {
        throw new UnsupportedOperationException("a group's future is completed by its tasks, not by hand");
    }

    @Override
    public <U> CompletableFuture<U> newIncompleteFuture() {
        return new CompletableFuture<>();
    }

    @Override
    public String toString() {
        return "GroupFuture[" + id + ", " + completedCount() + "/" + members.size() + " done]";
    }
}
