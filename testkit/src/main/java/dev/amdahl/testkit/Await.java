package dev.amdahl.testkit;

import java.time.Duration;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * Waits for an outcome instead of sleeping for a guessed time: checks a condition every few milliseconds
 * until it holds or the time is up, and then fails with a message that says what was awaited.
 *
 * <pre>{@code
 * Await.until(Duration.ofSeconds(5), "the worker to take the task", () -> broker.depth("tiles") == 0);
 * TaskRecord done = Await.value(Duration.ofSeconds(5), "task t-1 to be stored", () -> backend.get("t-1"));
 * }</pre>
 *
 * <p>The checks run on the calling thread; an exception thrown by one ends the wait at once (an
 * {@link AssertionError} included, so a check may assert). Interrupting the thread ends it too, with an
 * {@link AssertionError} whose cause is the {@link InterruptedException} and the interrupt flag set again.
 */
public final class Await {

    /** How long to pause between two checks. Short, since a check is usually cheap. */
    private static final long PAUSE_NANOS = Duration.ofMillis(10).toNanos();

    private Await() {
    }

    /** Waits until {@code condition} holds; fails after {@code timeout} naming {@code what} was awaited. */
    public static void until(Duration timeout, String what, BooleanSupplier condition) {
        value(timeout, what, () -> condition.getAsBoolean() ? Optional.of(Boolean.TRUE) : Optional.empty());
    }

    /** {@link #until(Duration, String, BooleanSupplier)} for a condition that needs no description. */
    public static void until(Duration timeout, BooleanSupplier condition) {
        until(timeout, "a condition", condition);
    }

    /**
     * Waits until {@code value} is present and returns it; fails after {@code timeout} naming {@code what}
     * was awaited.
     */
    public static <T> T value(Duration timeout, String what, Supplier<Optional<T>> value) {
        long start = System.nanoTime();
        long deadline = start + timeout.toNanos();
        int checks = 0;
        while (true) {
            Optional<T> got = value.get();
            checks++;
            if (got.isPresent()) {
                return got.get();
            }
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                throw new AssertionError("waited " + timeout + " for " + what + " (checked " + checks + " times); it did not happen");
            }
            try {
                Thread.sleep(Duration.ofNanos(Math.min(left, PAUSE_NANOS)).toMillis() + 1);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted while waiting for " + what, e);
            }
        }
    }

    /** {@link #value(Duration, String, Supplier)} for a value that needs no description. */
    public static <T> T value(Duration timeout, Supplier<Optional<T>> value) {
        return value(timeout, "a value", value);
    }
}
