package dev.amdahl.internal.client;

import dev.amdahl.AmdahlException;
import dev.amdahl.TaskState;
import dev.amdahl.TaskTimeoutException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

/** The one way futures turn a bounded wait into a result or an unchecked exception that says what happened. */
public final class Waiting {

    private Waiting() {
    }

    /**
     * Waits up to {@code timeout} for {@code future}.
     *
     * @param taskName    the task's name, {@code null} for a group
     * @param id          the task's or group's id
     * @param what        names what is awaited in messages, e.g. {@code task 'x' (id 1)}; made only for a message, since
     *                    a wait that ends well (the common case) reads none
     * @param state       reads the state it is in when the time runs out
     * @param whileWaiting what to say when the time runs out (the state it is in, and what to check)
     * @throws TaskTimeoutException when the time runs out
     */
    static <T> T result(CompletableFuture<T> future, Duration timeout, String taskName, String id, Supplier<String> what,
                        Supplier<TaskState> state, java.util.function.Function<TaskState, String> whileWaiting) {
        try {
            return future.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException re) {
                throw re;
            }
            throw new AmdahlException(what.get() + " failed: " + e.getCause(), e.getCause());
        } catch (TimeoutException e) {
            TaskState now = state.get();
            throw new TaskTimeoutException(what.get() + " did not finish within " + timeout.toString().substring(2).toLowerCase(java.util.Locale.ROOT) + whileWaiting.apply(now),
                    taskName, id, timeout, now, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AmdahlException("interrupted while waiting for " + what.get(), e);
        }
    }
}
