package dev.amdahl.internal.worker;

import java.util.concurrent.Semaphore;
import java.util.concurrent.locks.LockSupport;

/**
 * The prefetch slots: one permit per message the worker may still take ({@link QueueConsumer} takes them before it
 * polls, {@link Settlement} gives one back per settled message), and a wait for the consumer that can ask for a batch
 * of them.
 *
 * <p>Why a batch: on the embedded broker a poll costs no round trip, and the consumer woken for every settled message
 * polls one message at a time, so each task costs a wake-up of the consumer and of a pool thread. Waiting until half
 * the prefetch is free makes that one wake-up per half a prefetch, while the messages still held keep the pool busy.
 * The wait for a batch is bounded ({@code patience}): messages held but not running (waiting for a rate limit or a
 * resource) must not keep the consumer from taking what the idle threads could run.
 *
 * <p>No wake-up is lost: the consumer publishes what it waits for ({@code wanted}, then {@code waiter}) before it
 * looks at the permits a last time and parks, and a release adds its permits before it reads {@code waiter}; both
 * are volatile, so one of them sees the other. A wake-up may be spurious: the consumer looks again.
 */
final class PrefetchSlots extends Semaphore {

    private volatile Thread waiter;
    private volatile int wanted = Integer.MAX_VALUE;

    PrefetchSlots(int permits) {
        super(permits);
    }

    @Override
    public void release() {
        super.release();
        wake();
    }

    @Override
    public void release(int permits) {
        super.release(permits);
        wake();
    }

    private void wake() {
        Thread w = waiter;
        if (w != null && availablePermits() >= wanted) {
            LockSupport.unpark(w);
        }
    }

    /**
     * Takes every free permit once at least {@code batch} are free, or, after {@code patienceNanos}, once at least one
     * is; returns how many it took (at least one).
     */
    int takeBatch(int batch, long patienceNanos) throws InterruptedException {
        if (batch <= 1) {
            acquire();
            return 1 + drainPermits();
        }
        long deadline = System.nanoTime() + patienceNanos;
        try {
            while (true) {
                int free = availablePermits();
                boolean patient = System.nanoTime() - deadline < 0;
                if (free >= batch || free >= 1 && !patient) {
                    int taken = drainPermits();
                    if (taken > 0) {
                        return taken;
                    }
                    continue;
                }
                wanted = patient ? batch : 1;
                waiter = Thread.currentThread();
                if (availablePermits() < wanted) {
                    if (patient) {
                        LockSupport.parkNanos(this, deadline - System.nanoTime());
                    } else {
                        LockSupport.park(this);
                    }
                }
                waiter = null;
                if (Thread.interrupted()) {
                    throw new InterruptedException();
                }
            }
        } finally {
            waiter = null;
            wanted = Integer.MAX_VALUE;
        }
    }
}
