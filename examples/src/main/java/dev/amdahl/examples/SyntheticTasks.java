package dev.amdahl.examples;

import dev.amdahl.Amdahl;
import dev.amdahl.Task;
import dev.amdahl.TaskCatalog;
import java.util.concurrent.locks.LockSupport;

/**
 * The synthetic job's task, {@value #WAIT}: waits until a deadline its argument sets, in microseconds,
 * and returns how long it actually took. It holds a worker slot without using a core, so a job of them
 * scales with the slots of a thread or virtual-thread pool far past the machine's cores.
 *
 * <pre>{@code
 * Amdahl app = Amdahl.builder().include(SyntheticTasks.class).build();
 * long tookMicros = SyntheticTasks.await(app).submit(5_000L).get();   // about 5000
 * }</pre>
 */
public final class SyntheticTasks implements TaskCatalog {

    /** The task's name. */
    public static final String WAIT = "synthetic.wait";

    /** The longest wait one task accepts, a minute: a larger argument is a mistake, not a workload. */
    static final long MAX_MICROS = 60_000_000L;

    @Override
    public void register(Amdahl app) {
        app.task(WAIT, Long.class, Long.class, SyntheticTasks::waitMicros);
    }

    /** A handle on the task, to submit it from an application that includes this catalog (or whose workers do). */
    public static Task<Long, Long> await(Amdahl app) {
        return app.task(WAIT, Long.class, Long.class);
    }

    /**
     * Parks until {@code micros} have passed since the call; a spurious or early wake-up parks again for
     * what is left, so the task lasts its time however the scheduler behaves.
     */
    static long waitMicros(Long micros) {
        if (micros == null || micros < 0 || micros > MAX_MICROS) {
            throw new IllegalArgumentException("a synthetic task waits 0 to " + MAX_MICROS + " microseconds, got " + micros);
        }
        long start = System.nanoTime();
        long deadline = start + micros * 1_000L;
        for (long left = deadline - start; left > 0; left = deadline - System.nanoTime()) {
            LockSupport.parkNanos(left);
        }
        return (System.nanoTime() - start) / 1_000L;
    }
}
