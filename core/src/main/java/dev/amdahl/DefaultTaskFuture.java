package dev.amdahl;

import dev.amdahl.spi.ResultBackend;
import dev.amdahl.spi.TaskRecord;
import java.time.Duration;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BiConsumer;

/**
 * A task's future, completed by the dispatcher when the result backend reports the task's final
 * record. Users cannot complete it themselves: {@code complete} and friends throw.
 */
class DefaultTaskFuture<R> extends CompletableFuture<R> implements TaskFuture<R> {

    private final String id;
    private final String taskName;
    private final ResultBackend backend;
    /** Revokes by id; the flag is whether to stop the task if it is running. */
    private final BiConsumer<String, Boolean> revoker;
    private volatile TaskRecord finalRecord;

    DefaultTaskFuture(String id, String taskName, ResultBackend backend, BiConsumer<String, Boolean> revoker) {
        this.id = id;
        this.taskName = taskName;
        this.backend = backend;
        this.revoker = revoker;
    }

    @Override
    public String id() {
        return id;
    }

    /** The registered name of the task. */
    String taskName() {
        return taskName;
    }

    /** The final record once the task ended, or {@code null}. */
    TaskRecord finalRecord() {
        return finalRecord;
    }

    @Override
    public TaskState state() {
        TaskRecord r = finalRecord;
        if (r != null) {
            return r.state();
        }
        return backend.get(id).map(TaskRecord::state).orElse(TaskState.PENDING);
    }

    @Override
    public R result(Duration timeout) {
        try {
            return get(timeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException re) {
                throw re;
            }
            throw new AmdahlException("task '" + taskName + "' (id " + id + ") failed: " + e.getCause(), e.getCause());
        } catch (TimeoutException e) {
            throw new AmdahlException("task '" + taskName + "' (id " + id + ") did not finish within " + timeout
                    + "; it is " + state() + ". Is a worker consuming its queue?");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AmdahlException("interrupted while waiting for task '" + taskName + "' (id " + id + ")", e);
        }
    }

    /**
     * Revokes the task ({@link Amdahl#revoke}); with {@code mayInterruptIfRunning} a worker running it stops
     * it. The future completes as cancelled once the backend reports it.
     */
    @Override
    public boolean cancel(boolean mayInterruptIfRunning) {
        if (isDone()) {
            return false;
        }
        revoker.accept(id, mayInterruptIfRunning);
        return isCancelled() || !isDone();
    }

    void succeed(TaskRecord record, R value) {
        finalRecord = record;
        super.complete(value);
    }

    void fail(TaskRecord record, Throwable error) {
        finalRecord = record;
        super.completeExceptionally(error);
    }

    void revoked(TaskRecord record) {
        finalRecord = record;
        super.completeExceptionally(new CancellationException("task '" + taskName + "' (id " + id + ") was revoked"));
    }

    @Override
    public boolean complete(R value) {
        throw new UnsupportedOperationException("a task's future is completed by its task, not by hand");
    }

    @Override
    public boolean completeExceptionally(Throwable ex) {
        throw new UnsupportedOperationException("a task's future is completed by its task, not by hand");
    }

    @Override
    public void obtrudeValue(R value) {
        throw new UnsupportedOperationException("a task's future is completed by its task, not by hand");
    }

    @Override
    public void obtrudeException(Throwable ex) {
        throw new UnsupportedOperationException("a task's future is completed by its task, not by hand");
    }

    @Override
    public <U> CompletableFuture<U> newIncompleteFuture() {
        return new CompletableFuture<>();
    }

    @Override
    public String toString() {
        return "TaskFuture[" + taskName + " " + id + (isDone() ? ", done" : "") + "]";
    }
}
