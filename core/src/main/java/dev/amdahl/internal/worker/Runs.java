package dev.amdahl.internal.worker;

import dev.amdahl.TaskState;
import dev.amdahl.internal.task.Outcome;
import dev.amdahl.internal.task.RunControl;
import dev.amdahl.internal.task.TaskMdc;
import dev.amdahl.internal.wire.TaskMessage;
import dev.amdahl.spi.Delivery;
import dev.amdahl.spi.ResultBackend;
import dev.amdahl.spi.TaskError;
import dev.amdahl.spi.TaskRecord;
import java.time.Instant;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One run of a held message: the job handed to the pool (its progress reports stored, its time limits armed
 * when it starts), and what the run's outcome means for the message: stored and acked, retried, given back,
 * or, after a worker process died on it too often, failed.
 */
final class Runs {

    private static final Logger log = LoggerFactory.getLogger(Runs.class);

    private final int maxDeliveries;
    private final ResultBackend backend;
    private final WorkerRecords records;
    private final Limits limits;
    private final Revocations revocations;
    private final Settlement settlement;
    private final Retries retries;

    Runs(int maxDeliveries, ResultBackend backend, WorkerRecords records, Limits limits, Revocations revocations,
         Settlement settlement, Retries retries) {
        this.maxDeliveries = maxDeliveries;
        this.backend = backend;
        this.records = records;
        this.limits = limits;
        this.revocations = revocations;
        this.settlement = settlement;
        this.retries = retries;
    }

    /** A job whose progress reports are stored, and whose time limits run from when the pool starts it. */
    ExecutionPool.Job job(Delivery d, TaskMessage m, Instant receivedAt) {
        ExecutionPool.Job[] self = new ExecutionPool.Job[1];
        RunControl control = new RunControl(
                progress -> backend.storeAllUnlessFinal(List.of(records.progress(m, receivedAt, progress))),
                () -> limits.armTimeLimits(self[0]), () -> settlement.mayStart(d));
        self[0] = new ExecutionPool.Job(m, d.deliveryCount(), outcome -> finish(d, m, outcome), control);
        return self[0];
    }

    private void finish(Delivery d, TaskMessage m, Outcome outcome) {
        try (TaskMdc ignored = TaskMdc.of(m.id())) {
            TaskRecord revoked = revocations.revokedMeanwhile(m.id());
            if (revoked != null) {
                // whatever the outcome (a cancel reports ABANDONED), the message is done: the settler keeps the REVOKED record
                settlement.storeThenAck(d, m, revoked);
                return;
            }
            switch (outcome.kind()) {
                case SUCCESS, FAILURE -> settlement.storeThenAck(d, m, records.outcome(m, outcome));
                case RETRY -> retries.retry(d, m, outcome);
                case ABANDONED -> settlement.requeue(d);
                case CRASHED -> {
                    if (d.deliveryCount() >= maxDeliveries) {
                        TaskError cause = outcome.error();
                        settlement.storeThenAck(d, m, records.of(m, TaskState.FAILURE, TaskError.of(cause.type(), "task '" + m.task()
                                + "' (id " + m.id() + ") was delivered " + d.deliveryCount() + " times and its worker process died"
                                + " every time; giving up. Last: " + cause.message()), outcome));
                    } else {
                        log.warn("task {}: {}; delivering it again", m.id(), outcome.error().message());
                        settlement.requeue(d);
                    }
                }
                default -> throw new AssertionError(outcome.kind());
            }
        }
    }
}
