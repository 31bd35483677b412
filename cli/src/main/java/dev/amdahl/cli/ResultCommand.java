package dev.amdahl.cli;

import dev.amdahl.Amdahl;
import dev.amdahl.TaskState;
import dev.amdahl.spi.TaskRecord;
import java.time.Duration;
import java.util.Optional;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code amdahl result ID}: a task's state and, once it has ended, its result or error. */
@Command(name = "result",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        header = "Print a task's state and result by id (what 'amdahl submit' printed).",
        description = "Print the state of the task with this id and, once it has ended, its result as JSON (exit 0) or its"
                + " error (exit 1). With --wait, wait that long for it to end first. A task the backend knows nothing of is"
                + " PENDING: not started yet, or its record expired.",
        footer = {"", "Examples:", "  amdahl result 3f2c... --broker redis://127.0.0.1:6379",
                "  amdahl result 3f2c... --wait 30s"})
final class ResultCommand extends OpsCommand {

    @Parameters(index = "0", paramLabel = "ID", description = "The task's id.")
    String id;

    @Option(names = "--wait", paramLabel = "DURATION", converter = Converters.DurationConverter.class,
            description = "Wait up to this long (e.g. 30s, 2m) for the task to end.")
    Duration wait;

    @Override
    String purpose() {
        return "reads the results that workers in other processes store";
    }

    @Override
    int execute() throws InterruptedException {
        try (Amdahl app = open()) {
            Optional<TaskRecord> record = wait == null ? app.resultBackend().get(id) : app.resultBackend().await(id, wait)
                    .or(() -> app.resultBackend().get(id));
            if (record.isEmpty()) {
                out().println("PENDING");
                err().println("task " + id + " is unknown to the result backend: not started yet, never submitted there, or"
                        + " its record expired" + (wait == null ? "" : "; it did not end within " + typed("--wait")));
                return wait == null ? OK : FAILED;
            }
            TaskRecord r = record.get();
            switch (r.state()) {
                case SUCCESS -> {
                    out().println(r.result());
                    return OK;
                }
                case FAILURE, REVOKED -> {
                    err().println(dev.amdahl.spi.UrlMasking.mask(failureLine(r.taskName(), id,
                            r.state() == TaskState.REVOKED ? "was revoked" : "failed",
                            r.error() == null ? null : r.error().type(), r.error() == null ? null : r.error().message())));
                    if (verbose() && r.error() != null && r.error().stackTrace() != null) {
                        err().println(r.error().stackTrace());
                    }
                    return FAILED;
                }
                default -> {
                    out().println(r.state() + (r.progress() == null ? "" : " " + Math.round(r.progress().fraction() * 100) + "%"
                            + (r.progress().message() == null ? "" : " " + r.progress().message())));
                    if (wait != null) {
                        err().println("task " + id + " did not end within " + typed("--wait"));
                        return FAILED;
                    }
                    return OK;
                }
            }
        }
    }
}
