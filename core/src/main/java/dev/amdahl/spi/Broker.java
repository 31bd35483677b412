package dev.amdahl.spi;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * Moves task messages from producers to workers. One implementation per transport (the embedded
 * in-memory broker, Redis, RabbitMQ, PostgreSQL...), found from the URL scheme by a
 * {@link BrokerProvider}.
 *
 * <h2>Contract</h2>
 * Every implementation passes the abstract {@code BrokerContractTest} of {@code amdahl-testkit}; that test
 * is the definition of this contract. In words:
 * <ul>
 *   <li><b>At-least-once, late acknowledgement.</b> A delivered message stays owned by its consumer
 *       until {@link #ack}, {@link #requeue} or {@link #reject}. A message whose consumer disappears
 *       without doing either (the process died) is delivered again, with a higher
 *       {@link Delivery#deliveryCount()}. Brokers that can detect this only by a timeout offer
 *       {@link #extendLease} so a live consumer can keep a long task.</li>
 *   <li><b>Max deliveries.</b> A broker that redelivers bounds how often: a message delivered its maximum
 *       number of times without an acknowledgement is moved to the {@link #deadLetters dead letters}, with a
 *       reason that says so, instead of being delivered again. Every way a message comes back counts: a lost
 *       consumer, {@link #requeue}, and a {@link #close} that gives back what it held; so a message that is
 *       requeued every time (its result cannot be stored) ends as a dead letter, not in a loop. Only a message
 *       a poll read but never handed out does not count, since no consumer saw it.</li>
 *   <li><b>The last word goes to a consumer.</b> A message delivered its maximum number of times is handed out
 *       once more, {@link Delivery#exhausted() exhausted} (its {@link Delivery#deliveryCount()} one past the
 *       maximum), so that someone can tell whoever waits for it: its consumer must not process it, but record
 *       why it gave up where it can (the worker stores the task's FAILURE) and {@link #reject} it with that
 *       reason. If that last delivery comes back too (its consumer died, requeued or closed), the broker
 *       dead-letters the message itself, body unchanged, with a reason that says how often it was delivered.
 *       So a message that kills every consumer still reaches someone who can report it, and still ends as
 *       a dead letter.</li>
 *   <li><b>Order.</b> Within a queue, a message of higher priority is delivered before one of lower
 *       priority that is ready at the same time; equal priorities are delivered first in, first out.
 *       A consumer of several queues is served from all of them: one busy queue does not starve
 *       another.</li>
 *   <li><b>Delay.</b> A message with {@link OutboundMessage#notBefore()} is not delivered before that
 *       time, and is not held by a consumer while it waits.</li>
 *   <li><b>Bodies are opaque</b>: returned byte for byte. The broker never decodes them.</li>
 *   <li><b>Thread safety.</b> All methods may be called from any thread at once.</li>
 * </ul>
 *
 * <h2>Stability</h2>
 * This interface is the plug-in point for transports that live outside this project. From version 1.0
 * on: a method is added only with a default that keeps its contract on every existing broker (as
 * {@link #publishAll} does on {@link #publish}); nothing is removed and no contract is changed without a
 * new major version. Before 1.0 (nothing has been released yet) this SPI may still change in a minor
 * version; the contract kit changes with it, so a broker that passes the kit of a version works with that
 * version.
 *
 * <pre>{@code
 * try (Broker broker = provider.open(URI.create("redis://127.0.0.1:6379"), ProviderContext.ofDefaults())) {
 *     broker.publish("tiles", OutboundMessage.of("id-1", body));
 *     for (Delivery d : broker.poll(List.of("tiles"), 10, Duration.ofSeconds(1))) {
 *         process(d.body());
 *         broker.ack(d);
 *     }
 * }
 * }</pre>
 */
public interface Broker extends AutoCloseable {

    /** Publishes one message to {@code queue}, creating the queue if needed. */
    void publish(String queue, OutboundMessage message);

    /**
     * Publishes many messages to one queue. Implementations batch this into as few round trips as
     * their transport allows; the default publishes one at a time.
     */
    default void publishAll(String queue, List<OutboundMessage> messages) {
        for (OutboundMessage message : messages) {
            publish(queue, message);
        }
    }

    /**
     * Takes up to {@code max} ready messages from the given queues, waiting up to {@code timeout}
     * for the first one. Returns an empty list when none arrived in time.
     *
     * @throws InterruptedException if the calling thread is interrupted while waiting; no message is
     *                              lost by that
     */
    List<Delivery> poll(List<String> queues, int max, Duration timeout) throws InterruptedException;

    /** Acknowledges a delivery: the message is done and is removed for good. */
    void ack(Delivery delivery);

    /**
     * Acknowledges many deliveries. Workers settle the tasks that finish close together with one call;
     * implementations answer in as few round trips as their transport allows. The default acks one at
     * a time.
     */
    default void ackAll(List<Delivery> deliveries) {
        for (Delivery d : deliveries) {
            ack(d);
        }
    }

    /** Returns a delivery to its queue to be delivered again, to this or another consumer. */
    void requeue(Delivery delivery);

    /**
     * Removes a delivery from its queue and keeps it, with {@code reason}, among the queue's
     * {@link #deadLetters dead letters}: for messages that can never be processed.
     */
    void reject(Delivery delivery, String reason);

    /**
     * Tells the broker that the consumer of {@code delivery} is alive and still working on it, so a
     * broker that redelivers after a visibility timeout does not hand it to someone else. Workers call
     * this periodically for every message they hold, at least three times per {@link #visibilityTimeout()}.
     *
     * <p>Returns whether the consumer still holds it. False means the lease was lost: the delivery was
     * settled already, or its lease ran out (the consumer was paused or too slow) and the message went back
     * to its queue or to another consumer. Extending a lost lease never takes the message back; the consumer
     * must not start what it has not started, and settling it may fail or do nothing. A lost lease is an
     * answer, not an error: nothing is thrown or logged for it. The default does nothing and returns true
     * (brokers that notice a dead consumer by its connection need nothing more).
     */
    default boolean extendLease(Delivery delivery) {
        return true;
    }

    /**
     * How long a delivery may go unsettled and unextended before this broker hands it to another consumer;
     * empty for a broker that redelivers only when it sees its consumer gone (a closed connection). Workers
     * renew their leases at a third of it unless told otherwise. The default is empty.
     */
    default Optional<Duration> visibilityTimeout() {
        return Optional.empty();
    }

    /** The number of messages in {@code queue} that are ready for delivery now. */
    long depth(String queue);

    /** Removes every message waiting in {@code queue} (not those delivered and unacknowledged); returns how many. */
    long purge(String queue);

    /** Up to {@code max} dead letters of {@code queue}, oldest first. */
    List<DeadLetter> deadLetters(String queue, int max);

    /**
     * Puts the dead letters of {@code queue} with id {@code messageId} back on that queue, body unchanged, to be
     * delivered as new messages (their delivery count starts again, at its lowest priority), and removes them from
     * the dead letters, the move being one step: a dead letter is requeued once even when two operators ask at once.
     * Returns how many were moved (0 when there is none with that id; a message dead-lettered twice is moved twice).
     * The default refuses: a broker that cannot do it says so.
     */
    default int requeueDeadLetter(String queue, String messageId) {
        throw new UnsupportedOperationException(getClass().getSimpleName() + " cannot requeue dead letters");
    }

    /**
     * Deletes the dead letters of {@code queue} with id {@code messageId} for good; returns how many. The default
     * refuses: a broker that cannot do it says so.
     */
    default int dropDeadLetter(String queue, String messageId) {
        throw new UnsupportedOperationException(getClass().getSimpleName() + " cannot drop dead letters");
    }

    /**
     * Whether this broker hands each message's {@link OutboundMessage#decoded()} back with its deliveries
     * ({@link Delivery#decoded()}), unchanged: only a broker in the publisher's own process can, and then a publisher
     * may make the decoded form beside the bytes so that its consumers need not decode them again. The bytes are still
     * made and carried, byte for byte, for whatever reads them (a dead letter, a consumer that does not recognise the
     * decoded form). The default is false: the decoded form is not carried, and publishers need not make it.
     */
    default boolean carriesDecoded() {
        return false;
    }

    /**
     * Whether other processes can reach this broker. The embedded broker cannot: its queues live in
     * the memory of the process that made it.
     */
    default boolean isShared() {
        return true;
    }

    /** Releases connections and threads. Messages delivered and not yet acknowledged are redelivered later. */
    @Override
    void close();
}
