package dev.amdahl.internal.client;

import dev.amdahl.AmdahlException;
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
     * @param what        names what is awaited in messages, e.g. {@code task 'x' (id 1)}
     * @param whileWaiting what to say when the time runs out (the state it is in, and what to check)
     */
    static <T> T result(CompletableFuture<T> future, Duration timeout, String what, Supplier<String> whileWaiting) {
        try {
            return future.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException re) {
                throw re;
            }
            throw new AmdahlException(what + " failed: " + e.getCause(), e.getCause());
        } catch (TimeoutException e) {
            throw new AmdahlException(what + " did not finish within " + timeout + whileWaiting.get());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AmdahlException("interrupted while waiting for " + what, e);
        }
    }
}
