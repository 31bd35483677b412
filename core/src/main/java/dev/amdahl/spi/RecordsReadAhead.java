package dev.amdahl.spi;

import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * A result backend's capability to hand the worker the task records that its broker read together with the
 * deliveries, where broker and backend share one store: the Redis broker can send the MGET of a batch's records on the
 * connection that brought the batch, before the consumer thread wakes; PostgreSQL's claim can join the results table.
 * The worker reads every polled task's record before it runs it (a redelivery, or a message reusing a finished task's
 * id, is acknowledged unrun); read ahead, that read costs no round trip of its own.
 *
 * <pre>{@code
 * Optional<RecordsReadAhead> ahead = backend.capability(RecordsReadAhead.class).filter(r -> r.readsAheadFor(broker));
 * ...
 * ReadAhead carried = ahead.get().readAhead(batch);      // what came with the deliveries
 * // getAll only for the deliveries whose message id is not in carried.read()
 * }</pre>
 *
 * <h2>Contract</h2>
 * <ul>
 *   <li>{@link #readsAheadFor} is true only for a broker whose deliveries will carry reads made in this backend's
 *       store, from that call on (the backend may switch the broker's reading on in it), and stays true for the
 *       broker's life.</li>
 *   <li>A delivery carries a read of the record of the task its message id names, made no earlier than the broker
 *       began to hand that delivery out (to claim it): so a record stored before the claim is in it. One stored while
 *       the claim is being made may not be (PostgreSQL's claim reads in its statement's snapshot: a lapsed lease's
 *       consumer storing just as the message is claimed again); the task then runs again, as at-least-once delivery
 *       allows. A read belongs to its delivery alone; a later delivery of the same message carries its own or
 *       none.</li>
 *   <li>{@link #readAhead} answers, for the deliveries given, which carried a read ({@link ReadAhead#read}, by message
 *       id) and the records those reads found ({@link ReadAhead#records}, by task id), decoded as {@link
 *       ResultBackend#getAll} decodes them; a carried record that does not decode is left out of both, so the worker
 *       reads it the usual way and hears the usual error. It makes no round trip.</li>
 *   <li>A read ahead is older than a read the worker would make when it handles the batch: a revocation stored between
 *       the two is not in it. The worker therefore uses one only together with a complete revocation feed (see
 *       {@code Revocations}), and reads itself otherwise.</li>
 * </ul>
 *
 * @see ResultBackend#capability(Class)
 */
public interface RecordsReadAhead extends ResultBackend.Capability {

    /** Whether {@code broker}'s deliveries carry their records read in this backend's store, from now on. */
    boolean readsAheadFor(Broker broker);

    /** The reads carried by {@code deliveries} of a broker that {@link #readsAheadFor} accepted; no round trip. */
    ReadAhead readAhead(List<Delivery> deliveries);

    /**
     * @param read    the message ids of the deliveries that carried a read
     * @param records the records those reads found, by task id: a read id without a record here found none
     */
    record ReadAhead(Set<String> read, Map<String, TaskRecord> records) {
        public ReadAhead {
            read = Set.copyOf(Objects.requireNonNull(read, "read"));
            records = Map.copyOf(Objects.requireNonNull(records, "records"));
        }

        /** Nothing carried: every record is read the usual way. */
        public static ReadAhead none() {
            return new ReadAhead(Set.of(), Map.of());
        }
    }
}
