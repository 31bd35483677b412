package dev.amdahl.internal.worker;

import dev.amdahl.TaskState;
import dev.amdahl.internal.task.Outcome;
import dev.amdahl.internal.wire.TaskMessage;
import dev.amdahl.internal.wire.Wire;
import dev.amdahl.observe.TaskOutcome;
import dev.amdahl.spi.Broker;
import dev.amdahl.spi.Delivery;
import dev.amdahl.spi.OutboundMessage;
import dev.amdahl.spi.ResultBackend;
import dev.amdahl.spi.TaskError;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Publishes the next try of a task whose run asked for a retry.
 *
 * <p><b>A retry is never lost.</b> The next try is published (with one more retry and its ETA) before RETRY
 * is stored and before the current message is acked: the task exists in the broker at every moment. If
 * publishing fails, the current message is requeued and runs again; if storing RETRY fails after it, the next
 * try is out already and acking is safe (the record just shows the older state until the next try reports).
 */
final class Retries {

    private static final Logger log = LoggerFactory.getLogger(Retries.class);

    private final Broker broker;
    private final ResultBackend backend;
    private final Clock clock;
    private final WorkerRecords records;
    private final Settlement settlement;
    private final Wire wire;
    private final ThrottledLog warnings = ThrottledLog.warnings(log);

    Retries(Broker broker, ResultBackend backend, Clock clock, WorkerRecords records, Settlement settlement, Wire wire) {
        this.broker = broker;
        this.backend = backend;
        this.clock = clock;
        this.records = records;
        this.settlement = settlement;
        this.wire = wire;
    }

    /**
     * Publishes the next try, stores RETRY, then acks this message; a try past the task's expiry fails it instead.
     * Returns what became of this delivery: RETRY, FAILURE (past its expiry), or REQUEUED (not retried from here).
     */
    TaskOutcome retry(Delivery d, TaskMessage m, Outcome outcome) {
        Instant eta = clock.instant().plus(outcome.retryDelay());
        TaskMessage next = m.retried(eta, clock.instant());
        if (next.expires() != null && eta.isAfter(next.expires())) {
            TaskError cause = outcome.error();
            settlement.storeThenAck(d, m, records.of(m, TaskState.FAILURE, new TaskError(cause.type(), "not retried: the next try at "
                    + eta + " would come after the task expires at " + next.expires() + "; last error: " + cause.message(),
                    cause.stackTrace()), outcome));
            return TaskOutcome.FAILURE;
        }
        if (!settlement.holds(d)) {
            // the lease was lost while the task ran: the message's new owner runs it and publishes its retry; a second
            // one from here would fork the task into two chains of tries
            log.info("task {}: not retried here: this worker lost its lease on the message while the task ran", m.id());
            return TaskOutcome.REQUEUED;
        }
        try {
            // a message id of its own, so a broker that keys messages by id never confuses it with the one held now
            OutboundMessage out = wire.encodeUnchecked(next, d.priority());
            broker.publish(d.queue(), new OutboundMessage(m.id() + "/retry-" + next.retries(), out.body(), out.priority(),
                    outcome.retryDelay().isZero() ? null : eta));
        } catch (RuntimeException e) {
            warnings.log("retry-publish", "worker " + records.worker() + ": could not publish the retry of task " + m.id()
                    + "; giving its message back (each give-back counts toward the broker's max deliveries)", e);
            settlement.requeue(d);
            return TaskOutcome.REQUEUED;
        }
        try {
            backend.storeAllUnlessFinal(List.of(records.of(next, TaskState.RETRY, outcome.error(), outcome)));
        } catch (RuntimeException e) {
            warnings.log("retry-store", "worker " + records.worker() + ": could not store RETRY for task " + m.id()
                    + "; its next try is published", e);
        }
        settlement.ack(d);
        return TaskOutcome.RETRY;
    }
}
