package dev.amdahl.internal.worker;

import dev.amdahl.TaskState;
import dev.amdahl.internal.task.Outcome;
import dev.amdahl.internal.task.RunControl;
import dev.amdahl.internal.task.TaskMdc;
import dev.amdahl.internal.wire.TaskMessage;
import dev.amdahl.observe.TaskOutcome;
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
    private final WorkerActivity activity;

    Runs(int maxDeliveries, ResultBackend backend, WorkerRecords records, Limits limits, Revocations revocations,
         Settlement settlement, Retries retries, WorkerActivity activity) {
        this.activity = activity;
        this.maxDeliveries = maxDeliveries;
        this.backend = backend;
        this.records = records;
        this.limits = limits;
        this.revocations = revocations;
        this.settlement = settlement;
        this.retries = retries;
    }

    /**
     * A job whose progress reports are stored, whose time limits run from when the pool starts it, and whose start
     * and end {@code run} reports.
     */
    ExecutionPool.Job job(Delivery d, TaskMessage m, Instant receivedAt, WorkerEvents.Run run) {
        return job(d, m, m, receivedAt, run, () -> { });
    }

    /**
     * As {@link #job(Delivery, TaskMessage, Instant, WorkerEvents.Run)}, running {@code runAs} (the message with its
     * arguments read back from a reference) while retries and workflow steps go on from {@code m}, and calling
     * {@code ended} once the run's outcome is handled, whatever it was.
     */
    ExecutionPool.Job job(Delivery d, TaskMessage m, TaskMessage runAs, Instant receivedAt, WorkerEvents.Run run, Runnable ended) {
        ExecutionPool.Job[] self = new ExecutionPool.Job[1];
        RunControl control = new RunControl(
                progress -> backend.storeAllUnlessFinal(List.of(records.progress(m, receivedAt, progress))),
                () -> run.started(limits.armTimeLimits(self[0])), () -> {
                    boolean mayStart = settlement.mayStart(d);
                    if (mayStart) {
                        activity.started(d, m);
                    }
                    return mayStart;
                });
        self[0] = new ExecutionPool.Job(runAs, d.deliveryCount(), outcome -> {
            TaskOutcome reported = TaskOutcome.REQUEUED;
            try {
                reported = finish(d, m, outcome);
            } finally {
                try {
                    run.finished(reported, outcome.runtimeNanos());
                } finally {
                    ended.run();
                }
            }
        }, control);
        return self[0];
    }

    private TaskOutcome finish(Delivery d, TaskMessage m, Outcome outcome) {
        try (TaskMdc ignored = TaskMdc.of(m.id())) {
            TaskRecord revoked = revocations.revokedMeanwhile(m.id());
            activity.finished(d, m, outcome, revoked);
            if (revoked != null) {
                // whatever the outcome (a cancel reports ABANDONED), the message is done: the settler keeps the REVOKED record
                settlement.storeThenAck(d, m, revoked);
                return TaskOutcome.REVOKED;
            }
            switch (outcome.kind()) {
                case SUCCESS -> {
                    settlement.storeThenAck(d, m, records.outcome(m, outcome));
                    return TaskOutcome.SUCCESS;
                }
                case FAILURE -> {
                    settlement.storeThenAck(d, m, records.outcome(m, outcome));
                    return TaskOutcome.FAILURE;
                }
                case RETRY -> {
                    return retries.retry(d, m, outcome);
                }
                case ABANDONED -> {
                    settlement.requeue(d);
                    return TaskOutcome.REQUEUED;
                }
                case CRASHED -> {
                    if (d.deliveryCount() >= maxDeliveries) {
                        TaskError cause = outcome.error();
                        settlement.storeThenAck(d, m, records.of(m, TaskState.FAILURE, TaskError.of(cause.type(), "task '" + m.task()
                                + "' (id " + m.id() + ") was delivered " + d.deliveryCount() + " times and its worker process died"
                                + " every time; giving up. Last: " + cause.message()), outcome));
                        return TaskOutcome.FAILURE;
                    }
                    log.warn("task {}: {}; delivering it again", m.id(), outcome.error().message());
                    settlement.requeue(d);
                    return TaskOutcome.REQUEUED;
                }
                default -> throw new AssertionError(outcome.kind());
            }
        }
    }
}
