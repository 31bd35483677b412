package dev.amdahl.internal.worker;

import dev.amdahl.Progress;
import dev.amdahl.TaskState;
import dev.amdahl.internal.task.Outcome;
import dev.amdahl.internal.wire.TaskMessage;
import dev.amdahl.spi.TaskError;
import dev.amdahl.spi.TaskRecord;
import java.time.Clock;
import java.time.Instant;

/** The records this worker writes, stamped with its name and its clock's time. */
final class WorkerRecords {

    private final String worker;
    private final Clock clock;

    WorkerRecords(String worker, Clock clock) {
        this.worker = worker;
        this.clock = clock;
    }

    /** @param timing the run the record reports on, for its start time and runtime; {@code null} for none */
    TaskRecord of(TaskMessage m, TaskState state, TaskError error, Outcome timing) {
        return new TaskRecord(m.id(), m.task(), state, null, error, m.retries(), worker,
                timing == null ? clock.instant() : timing.startedAt(), state.isReady() ? clock.instant() : null,
                timing == null ? 0 : timing.runtimeNanos());
    }

    /** The final record of a finished run. */
    TaskRecord outcome(TaskMessage m, Outcome outcome) {
        return outcome.record(m, worker);
    }

    /** A progress report: STARTED with the progress beside it. */
    TaskRecord progress(TaskMessage m, Instant receivedAt, Progress progress) {
        return new TaskRecord(m.id(), m.task(), TaskState.STARTED, null, null, m.retries(), worker, receivedAt, null, 0, progress);
    }

    /** The FAILURE of a message that does not decode, for a client waiting on the task it names. */
    TaskRecord malformed(String taskId, TaskError error) {
        return new TaskRecord(taskId, null, TaskState.FAILURE, null, error, 0, worker, null, clock.instant(), 0);
    }

    String worker() {
        return worker;
    }
}
