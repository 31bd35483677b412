package dev.amdahl.internal.client;

import dev.amdahl.TaskState;
import dev.amdahl.internal.task.Outcome;
import dev.amdahl.internal.task.RunControl;
import dev.amdahl.internal.task.TaskInvoker;
import dev.amdahl.internal.wire.TaskMessage;
import dev.amdahl.internal.wire.Wire;
import dev.amdahl.spi.Delivery;
import dev.amdahl.spi.OutboundMessage;
import dev.amdahl.internal.workflow.Continuations;
import dev.amdahl.spi.ResultBackend;
import dev.amdahl.spi.TaskRecord;
import java.time.Clock;
import java.util.List;

/**
 * Eager mode: runs a task message in the caller's thread instead of publishing it. The message makes the
 * full wire round trip, then runs here, continuations too, at once: ETAs, rate and time limits do not apply,
 * and retries run again straight away, each storing RETRY first. Every record goes through
 * {@link ResultBackend#storeAllUnlessFinal}, as a worker's do, so a task revoked while it ran (or between its
 * retries) stays REVOKED: it is not run again, its outcome is dropped, and its continuations follow the record
 * kept, as on a worker.
 */
final class EagerRunner {

    private static final String WORKER = "eager";

    private final ResultBackend backend;
    private final TaskInvoker invoker;
    private final Continuations continuations;
    private final Wire wire;

    EagerRunner(ResultBackend backend, Clock clock, TaskInvoker invoker, Wire wire) {
        this.wire = wire;
        this.backend = backend;
        this.invoker = invoker;
        this.continuations = new Continuations(backend, (queue, m, priority) -> run(m), clock);
    }

    void run(TaskMessage message) {
        OutboundMessage out = wire.encodeUnchecked(message, 0);
        TaskMessage received = wire.decode(new Delivery("eager", out.id(), out.body(), out.priority(), 1, null));
        RunControl control = RunControl.unwatched();
        Outcome outcome = invoker.invoke(received, 1, control);
        while (outcome.kind() == Outcome.Kind.RETRY) {
            received = received.retried(null, received.sentAt());
            TaskRecord kept = backend.storeAllUnlessFinal(List.of(new TaskRecord(received.id(), received.task(),
                    TaskState.RETRY, null, outcome.error(), received.retries(), WORKER, outcome.startedAt(), null,
                    outcome.runtimeNanos()))).get(received.id());
            if (kept != null) {
                continuations.afterFinal(received, kept);
                return;
            }
            outcome = invoker.invoke(received, 1, control);
        }
        TaskRecord record = outcome.record(received, WORKER);
        TaskRecord kept = backend.storeAllUnlessFinal(List.of(record)).get(received.id());
        continuations.afterFinal(received, kept != null ? kept : record);
    }
}
