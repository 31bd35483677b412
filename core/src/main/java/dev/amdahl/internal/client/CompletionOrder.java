package dev.amdahl.internal.client;

import dev.amdahl.AmdahlException;
import dev.amdahl.TaskFuture;
import java.util.Collection;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.concurrent.LinkedBlockingQueue;

/** Iterates futures in the order they complete; each future enqueues itself when it does. */
public final class CompletionOrder<F extends TaskFuture<?>> implements Iterator<F> {

    private final LinkedBlockingQueue<F> done = new LinkedBlockingQueue<>();
    private int remaining;

    public CompletionOrder(Collection<F> futures) {
        remaining = futures.size();
        for (F f : futures) {
            f.whenComplete((r, e) -> done.add(f));
        }
    }

    @Override
    public boolean hasNext() {
        return remaining > 0;
    }

    @Override
    public F next() {
        if (remaining == 0) {
            throw new NoSuchElementException();
        }
        try {
            F next = done.take();
            remaining--;
            return next;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AmdahlException("interrupted while waiting for the next task to complete", e);
        }
    }
}
