package dev.amdahl.spi;

/** A callback registered with a {@link ResultBackend}; cancel it when the answer is no longer wanted. */
@FunctionalInterface
public interface Registration extends AutoCloseable {

    /** Stops the callback from being called, if it was not called yet. Idempotent. */
    void cancel();

    @Override
    default void close() {
        cancel();
    }
}
