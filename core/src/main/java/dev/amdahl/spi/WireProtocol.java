package dev.amdahl.spi;

import dev.amdahl.Amdahl;
import dev.amdahl.MessageLimits;
import dev.amdahl.observe.TaskObserver;
import java.lang.reflect.Type;
import java.net.URI;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/**
 * The bytes a task message is on the broker: Amdahl's own JSON by default, or another system's protocol (Celery's
 * protocol 2, in {@code amdahl-celery}) so that its clients and workers share queues with Amdahl's. An application
 * uses one protocol for everything it publishes and takes ({@code Amdahl.builder().wireProtocol(...)}); a provider on
 * the class path is found by its {@link #name()} through {@link java.util.ServiceLoader}.
 *
 * <pre>{@code
 * Amdahl app = Amdahl.builder().wireProtocol("celery").broker("redis://127.0.0.1:6379/0").build();
 * }</pre>
 *
 * <h2>Contract</h2>
 * <ul>
 *   <li>{@link #decode} treats the delivery as hostile: it reads within the {@link MessageLimits} before it builds
 *       anything, and fails only with a {@link MalformedDeliveryException} naming what is wrong (and the task id when
 *       one could be read), which the worker turns into a dead letter and, with an id, the task's FAILURE.</li>
 *   <li>{@link #encode} refuses, with an {@link IllegalArgumentException} naming the limit or the field, a message a
 *       worker with the same limits would refuse, and one the protocol cannot carry (a workflow, for a protocol
 *       without Amdahl's continuations): a submission fails at once instead of a worker dropping it later.</li>
 *   <li>{@code decode(encode(m))} gives back {@code m}'s fields, as far as the protocol carries them.</li>
 * </ul>
 * Message signing is Amdahl's own envelope: an application with a protocol other than Amdahl's signs nothing.
 */
public interface WireProtocol {

    /** The name it is chosen by, e.g. {@code celery}. */
    String name();

    /**
     * Encodes a message to publish at {@code priority} (0 lowest to 9 highest); the {@link OutboundMessage}'s id is the
     * task id and its {@code notBefore} the message's ETA.
     *
     * @throws IllegalArgumentException naming what a worker would refuse, or what the protocol cannot carry
     */
    OutboundMessage encode(TaskEnvelope message, int priority, MessageLimits limits);

    /**
     * Decodes a delivery.
     *
     * @param argumentTypes the argument type of a task registered here, by task name, or {@code null} for one that is
     *                      not; for a protocol whose arguments must be bound onto the task's type (Celery's positional
     *                      and keyword arguments onto a record's components)
     * @throws MalformedDeliveryException saying what is wrong
     */
    TaskEnvelope decode(Delivery delivery, MessageLimits limits, Function<String, Type> argumentTypes);

    /**
     * The broker this protocol needs at {@code uri} when it keeps its own layout on that transport (Celery's kombu lists
     * on Redis); empty to open the transport's own broker by the URL's scheme, as without a protocol.
     */
    default Optional<Broker> openBroker(URI uri, ProviderContext context) {
        return Optional.empty();
    }

    /** The result backend this protocol's peers read at {@code uri} (Celery's result keys); empty for the scheme's own. */
    default Optional<ResultBackend> openResultBackend(URI uri, ProviderContext context) {
        return Optional.empty();
    }

    /**
     * Runs what the protocol's own message says comes after its task (Celery's callbacks, chain and chord), once the
     * task's final {@code record} is stored and before the message is acknowledged; a failure here gives the message
     * back, so it may run again for one message (as the core's own workflow steps do). {@code message} is what
     * {@link #decode} returned. The default does nothing.
     */
    default void afterFinal(TaskEnvelope message, TaskRecord record) {
    }

    /** The queue an application of this protocol submits to and a worker takes from unless told otherwise. */
    default Optional<String> defaultQueue() {
        return Optional.empty();
    }

    /**
     * Observers this protocol adds to an application opened on the broker at {@code brokerUri}: how the protocol's own
     * tools see the application's workers (Celery's remote control and events). They are added after the
     * application's own observers and follow {@link TaskObserver}'s contract; whatever they open on
     * {@link TaskObserver#workerStarted} they close on {@link TaskObserver#workerStopped}.
     *
     * @param app the application being built: not to be used before a worker starts
     */
    default List<TaskObserver> workerObservers(URI brokerUri, Amdahl app) {
        return List.of();
    }
}
