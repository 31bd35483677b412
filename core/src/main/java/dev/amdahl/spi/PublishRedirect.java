package dev.amdahl.spi;

import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.Callable;

/**
 * Lets a broker module take over the publishes of the submissions made on the current thread, for the length of one
 * call: what transactional enqueue is built on ({@code amdahl-postgres} writes the messages into the caller's own
 * database transaction instead of committing them itself).
 *
 * <pre>{@code
 * PublishRedirect.call(app.broker(), (queue, messages) -> insertInto(connection, queue, messages), () -> {
 *     sendEmail.submit(order);           // goes to insertInto, not to the broker
 *     return null;
 * });
 * }</pre>
 *
 * <h2>Invariants</h2>
 * <ul>
 *   <li><b>This thread, this call.</b> Only the submissions ({@code Task.submit}, {@code Task.map}, {@code
 *       Signature.submit}, groups, chords) made on the thread that called {@link #call}, while it runs, are redirected.
 *       Submissions from other threads, and everything a worker publishes (workflow continuations, retries), go to the
 *       broker as always.</li>
 *   <li><b>This broker.</b> Only the submissions of applications on the given broker instance are redirected; an
 *       application on another broker publishes to its own, even on this thread.</li>
 *   <li><b>Nesting.</b> The innermost call for a broker wins; every call restores what held before it, whether
 *       {@code work} returns or throws.</li>
 *   <li><b>The publishes may be discarded.</b> A redirected publish may never reach a worker (the transaction it joined
 *       rolls back), so a submission whose side effects would outlive a discarded publish and break a later one is
 *       refused inside a redirect: an idempotency key (it would name, for its whole window, a task that never ran).
 *       The side effects that stay harmless happen outside the redirect, as always: the future's watch on the result
 *       backend.</li>
 *   <li><b>What the futures watch.</b> Before a submission publishes, the publisher hears the id of every future it
 *       returns ({@link Publisher#submitted}): for a workflow those are its last tasks, not the messages published, so
 *       a publisher whose publishes were discarded can complete them (store a REVOKED record) instead of leaving them
 *       waiting forever.</li>
 *   <li>A publisher's exception fails the submission, as a broker's would.</li>
 * </ul>
 */
public final class PublishRedirect {

    /** Where the redirected submissions go instead of {@link Broker#publishAll}. */
    public interface Publisher {

        /** Publishes in place of the broker's {@link Broker#publishAll}, with the same arguments. */
        void publishAll(String queue, List<OutboundMessage> messages);

        /**
         * The id of a future that a submission inside the redirect returns, told before that submission publishes.
         * The default ignores it.
         */
        default void submitted(String taskId) {
        }
    }

    /** The redirects of this thread, innermost first. */
    private record Frame(Broker broker, Publisher publisher, Frame outer) {
    }

    private static final ThreadLocal<Frame> FRAMES = new ThreadLocal<>();

    private PublishRedirect() {
    }

    /**
     * Runs {@code work}; the submissions it makes on this thread to applications on {@code broker} publish to
     * {@code publisher} instead.
     *
     * @return what {@code work} returned
     * @throws Exception what {@code work} threw
     */
    public static <T> T call(Broker broker, Publisher publisher, Callable<T> work) throws Exception {
        Objects.requireNonNull(broker, "broker");
        Objects.requireNonNull(publisher, "publisher");
        Objects.requireNonNull(work, "work");
        Frame outer = FRAMES.get();
        FRAMES.set(new Frame(broker, publisher, outer));
        try {
            return work.call();
        } finally {
            if (outer == null) {
                FRAMES.remove();
            } else {
                FRAMES.set(outer);
            }
        }
    }

    /**
     * The publisher that takes this thread's submissions to {@code broker} now, or empty when they go to the broker.
     * Core's client side asks this for every submission; a module has no reason to.
     */
    public static Optional<Publisher> current(Broker broker) {
        for (Frame f = FRAMES.get(); f != null; f = f.outer()) {
            if (f.broker() == broker) {
                return Optional.of(f.publisher());
            }
        }
        return Optional.empty();
    }
}
