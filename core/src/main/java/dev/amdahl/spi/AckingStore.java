package dev.amdahl.spi;

import java.util.List;
import java.util.Map;

/**
 * A result backend's capability to store a batch's outcomes and acknowledge their messages in one atomic step, where
 * the backend and the broker live in one store: PostgreSQL's backend, beside a PostgreSQL broker in the same database,
 * does both in one statement, so one transaction and one round trip instead of two. A worker settles a batch of tasks
 * that have nothing to run after them (no workflow steps) through it when its backend {@link #acknowledges} its
 * broker's deliveries, and by {@link ResultBackend#storeAllUnlessFinal} then {@link Broker#ackAll} otherwise.
 *
 * <pre>{@code
 * Optional<AckingStore> together = backend.capability(AckingStore.class).filter(a -> a.acknowledges(broker));
 * Map<String, TaskRecord> kept = together.isPresent()
 *         ? together.get().storeAllUnlessFinalAndAck(records, broker, deliveries)
 *         : backend.storeAllUnlessFinal(records);     // and then broker.ackAll(deliveries)
 * }</pre>
 *
 * <h2>Contract</h2>
 * Checked by the store-and-acknowledge tests of {@code ResultBackendContractTest} (where the subclass gives the kit a
 * broker), which the two-step path passes too:
 * <ul>
 *   <li>{@link #storeAllUnlessFinalAndAck} is {@link ResultBackend#storeAllUnlessFinal} (same records kept, same
 *       return, same notifications) and {@link Broker#ackAll} of the deliveries, atomically: a delivery is never
 *       acknowledged without the records being stored. When it throws, the deliveries are still held by their consumer,
 *       who may give them back, and the records may or may not be stored.</li>
 *   <li>{@link #acknowledges} is true only for a broker whose deliveries this backend can settle so, and stays the
 *       same for a broker's life.</li>
 * </ul>
 *
 * @see ResultBackend#capability(Class)
 */
public interface AckingStore extends ResultBackend.Capability {

    /** Whether {@link #storeAllUnlessFinalAndAck} can acknowledge {@code broker}'s deliveries. */
    boolean acknowledges(Broker broker);

    /**
     * Stores {@code records} as {@link ResultBackend#storeAllUnlessFinal} does and, in the same atomic step,
     * acknowledges {@code deliveries} of {@code broker} (which {@link #acknowledges} accepted).
     *
     * @return the final records kept instead of the given ones, by task id, as {@code storeAllUnlessFinal} returns them
     */
    Map<String, TaskRecord> storeAllUnlessFinalAndAck(List<TaskRecord> records, Broker broker, List<Delivery> deliveries);
}
