package dev.amdahl.internal.client;

import dev.amdahl.ErrorType;
import dev.amdahl.Progress;
import dev.amdahl.TaskFuture;
import dev.amdahl.TaskState;
import dev.amdahl.spi.Registration;
import dev.amdahl.spi.ResultBackend;
import dev.amdahl.spi.TaskRecord;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A task's future, completed by the dispatcher when the result backend reports the task's final
 * record. Users cannot complete it themselves: {@code complete} and friends throw, and
 * {@link #toCompletableFuture()} hands out a {@link Follower} that they can complete, time out and
 * obtrude on as any {@link CompletableFuture}.
 */
public class DefaultTaskFuture<R> extends CompletableFuture<R> implements TaskFuture<R> {

    private static final Logger log = LoggerFactory.getLogger(DefaultTaskFuture.class);

    private final String id;
    private final String taskName;
    private final ResultBackend backend;
    /** Revokes by id; the flag is whether to stop the task if it is running. */
    private final BiConsumer<String, Boolean> revoker;
    private final Function<DefaultTaskFuture<?>, Registration> progressSubscriber;
    private volatile TaskRecord finalRecord;
    /** The group told when this future completes, or {@code null}; guarded by {@code this}. See {@link #joinGroup}. */
    private DefaultGroupFuture<R> group;
    /**
     * Guarded by {@code this}: the progress last handed to the listeners, the subscription feeding them, and the
     * listeners ({@code null} until the first: most futures never have one, and a million pending futures each
     * holding an empty list would cost 24 MB).
     */
    private Progress lastProgress;
    private Registration subscription;
    private List<Consumer<? super Progress>> listeners;

    DefaultTaskFuture(String id, String taskName, ResultBackend backend, BiConsumer<String, Boolean> revoker) {
        this(id, taskName, backend, revoker, null);
    }

    /** @param progressSubscriber starts feeding {@link #progressed} for a future; {@code null} when progress is not tracked */
    DefaultTaskFuture(String id, String taskName, ResultBackend backend, BiConsumer<String, Boolean> revoker,
                      Function<DefaultTaskFuture<?>, Registration> progressSubscriber) {
        this.id = id;
        this.taskName = taskName;
        this.backend = backend;
        this.revoker = revoker;
        this.progressSubscriber = progressSubscriber;
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
    public Optional<Progress> progress() {
        if (!isDone()) {
            backend.get(id).map(TaskRecord::progress).ifPresent(this::progressed);
        }
        synchronized (this) {
            return Optional.ofNullable(lastProgress);
        }
    }

    @Override
    public TaskFuture<R> onProgress(Consumer<? super Progress> listener) {
        Objects.requireNonNull(listener, "listener");
        boolean subscribe;
        Progress known;
        synchronized (this) {
            if (isDone()) {
                return this;
            }
            if (listeners == null) {
                listeners = new ArrayList<>(1);
            }
            listeners.add(listener);
            subscribe = subscription == null && progressSubscriber != null;
            known = lastProgress;
        }
        if (known != null) {
            listener.accept(known);
        }
        if (subscribe) {
            Registration r = progressSubscriber.apply(this);
            synchronized (this) {
                if (subscription == null && !isDone()) {
                    subscription = r;
                    r = null;
                }
            }
            if (r != null) {
                r.cancel();
            }
        }
        return this;
    }

    /** A progress report arrived; listeners hear of it if it is new. Called in order by one thread at a time. */
    void progressed(Progress p) {
        List<Consumer<? super Progress>> targets;
        synchronized (this) {
            if (p == null || p.equals(lastProgress)) {
                return;
            }
            lastProgress = p;
            targets = listeners == null ? List.of() : List.copyOf(listeners);
        }
        for (Consumer<? super Progress> l : targets) {
            try {
                l.accept(p);
            } catch (RuntimeException e) {
                log.warn("a progress listener of task {} failed: {}", id, e.toString());
            }
        }
    }

    /**
     * Called by each way this future completes (they are all here, since it cannot be completed by hand) rather than
     * from a {@code whenComplete}: a million pending futures would hold a million more completion nodes.
     */
    private void stopProgress() {
        Registration r;
        synchronized (this) {
            r = subscription;
            subscription = null;
            listeners = null;
        }
        if (r != null) {
            r.cancel();
        }
    }

    @Override
    public R result(Duration timeout) {
        return Waiting.result(this, timeout, taskName, id, () -> "task '" + taskName + "' (id " + id + ")",
                this::state, now -> "; it is " + now + ". Is a worker consuming its queue?");
    }

    /** A future that follows this one and that the caller owns: see {@link Follower} for why not this. */
    @Override
    public CompletableFuture<R> toCompletableFuture() {
        return Follower.of(this);
    }

    /** Times out a {@link #toCompletableFuture() follower}: this future is completed only by its task. */
    @Override
    public CompletableFuture<R> orTimeout(long timeout, java.util.concurrent.TimeUnit unit) {
        return toCompletableFuture().orTimeout(timeout, unit);
    }

    /** Completes a {@link #toCompletableFuture() follower} on timeout: this future is completed only by its task. */
    @Override
    public CompletableFuture<R> completeOnTimeout(R value, long timeout, java.util.concurrent.TimeUnit unit) {
        return toCompletableFuture().completeOnTimeout(value, timeout, unit);
    }

    /**
     * Revokes the task ({@code Amdahl.revoke}); with {@code mayInterruptIfRunning} a worker running it stops
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
        if (super.complete(value)) {
            ended(null);
        }
    }

    void fail(TaskRecord record, Throwable error) {
        finalRecord = record;
        if (super.completeExceptionally(error)) {
            ended(error);
        }
    }

    void revoked(TaskRecord record) {
        finalRecord = record;
        // a revocation by hand says no more than that; any other reason (an expiry, a rollback) is told
        String reason = record.error() == null || record.error().message() == null || ErrorType.REVOKED.typeName().equals(record.error().type())
                || ErrorType.TERMINATED.typeName().equals(record.error().type()) ? "" : ": " + record.error().message();
        CancellationException cancelled = new CancellationException("task '" + taskName + "' (id " + id + ") was revoked" + reason);
        if (super.completeExceptionally(cancelled)) {
            ended(cancelled);
        }
    }

    /**
     * Makes {@code group} hear of this future's completion from {@link #ended}; false when this future is done already
     * or in another group, and the group must watch it itself.
     */
    synchronized boolean joinGroup(DefaultGroupFuture<R> group) {
        if (isDone() || this.group != null) {
            return false;
        }
        this.group = group;
        return true;
    }

    /** This future just completed: its progress stops and its group hears of it (see {@link #stopProgress}). */
    private void ended(Throwable error) {
        stopProgress();
        DefaultGroupFuture<R> g;
        synchronized (this) {
            // after the completion: a group joining from now on finds this future done and watches it itself
            g = group;
        }
        if (g != null) {
            g.memberDone(this, error);
        }
    }

    @Override
    public boolean complete(R value) {
        throw completedByHand();
    }

    @Override
    public boolean completeExceptionally(Throwable ex) {
        throw completedByHand();
    }

    @Override
    public void obtrudeValue(R value) {
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
        return "TaskFuture[" + taskName + " " + id + (isDone() ? ", done" : "") + "]";
    }

    /** Completion belongs to the backend's record: a caller completes its own {@code toCompletableFuture()} copy instead. */
    private static UnsupportedOperationException completedByHand() {
        return new UnsupportedOperationException("a task's future is completed by its task, not by hand");
    }
}
