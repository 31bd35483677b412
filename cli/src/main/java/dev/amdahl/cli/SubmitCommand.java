package dev.amdahl.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.amdahl.Amdahl;
import dev.amdahl.Task;
import dev.amdahl.TaskFuture;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CancellationException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code amdahl submit}: submits one task by name, with its argument as JSON. */
@Command(name = "submit",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        header = "Submit a task by name with a JSON argument; print its id (and result).",
        description = "Submit a task by name to a shared broker, its argument written as JSON, and print the task id; with --wait, also wait for the result and print it as JSON (or the failure, exit code 1).",
        footer = {
            "",
            "Examples:",
            "  amdahl submit --broker redis://127.0.0.1:6379 --wait 30s \\",
            "      montecarlo.pi '{\"seed\": 1, \"samples\": 1000000}'",
            "  amdahl submit --broker redis://127.0.0.1:6379 -q reports \\",
            "      reports.daily '\"2024-05-01\"'",
        })
final class SubmitCommand extends CliCommand {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Mixin
    SigningKeysOption signing = new SigningKeysOption();

    @Option(names = "--broker", paramLabel = "URL",
            description = "The shared broker to submit to, e.g. redis://127.0.0.1:6379 (required; the embedded memory:// is refused).")
    String broker;

    @Option(names = "--backend", paramLabel = "URL", description = Brokers.BACKEND_DESCRIPTION
            + " Use the one the workers report to, or --wait never sees the result.")
    String backend;

    @Parameters(index = "0", paramLabel = "TASK", description = "The task's registered name, e.g. montecarlo.pi.")
    String task;

    @Parameters(index = "1", paramLabel = "JSON-ARG",
            description = "The task's argument as JSON: an object for a record, a quoted string, a number ...")
    String argument;

    @Option(names = {"-q", "--queue"}, paramLabel = "QUEUE",
            description = "The queue to submit to (default: " + dev.amdahl.WorkerOptions.DEFAULT_QUEUE + ").")
    String queue;

    @Option(names = "--wait", paramLabel = "DURATION", converter = Converters.DurationConverter.class,
            description = "Wait this long for the result (e.g. 30s, 2m) and print it; by default only the id is printed.")
    Duration wait;

    @Override
    int execute() {
        Brokers.requireShared(spec, broker, "hands tasks to workers in other processes");
        JsonNode json = parse(argument);
        try (Amdahl app = Brokers.open(spec, broker, backend, List.of(), signing.load(spec))) {
            Task<JsonNode, JsonNode> handle = handle(app);
            TaskFuture<JsonNode> future = handle.submit(json);
            out().println(future.id());
            out().flush();
            if (wait == null) {
                err().println("submitted " + task + "; its result, later: amdahl result " + future.id() + where() + " [--wait 30s]");
                return OK;
            }
            try {
                out().println(future.result(wait));
            } catch (CancellationException e) {
                err().println("task '" + task + "' (id " + future.id() + ") was revoked");
                return FAILED;
            } catch (dev.amdahl.TaskTimeoutException e) {
                // the duration as the user typed it, not Duration's PT30S
                err().println("task '" + task + "' (id " + future.id() + ") did not finish within --wait " + typed("--wait")
                        + "; it is " + e.state() + (e.state() == dev.amdahl.TaskState.PENDING ? ": is a worker consuming queue "
                        + (queue == null ? app.defaultQueue() : queue) + " on this broker?" : "")
                        + "\nIts result, later: amdahl result " + future.id() + where() + " --wait 30s");
                return FAILED;
            }
            return OK;
        }
    }

    /** The options that reach this broker and backend again, for a command line the user may copy. */
    private String where() {
        return (broker == null ? "" : " --broker " + dev.amdahl.spi.UrlMasking.mask(broker))
                + (backend == null ? "" : " --backend " + dev.amdahl.spi.UrlMasking.mask(backend));
    }

    private Task<JsonNode, JsonNode> handle(Amdahl app) {
        try {
            Task<JsonNode, JsonNode> handle = app.task(task, JsonNode.class, JsonNode.class);
            return queue == null ? handle : handle.onQueue(queue);
        } catch (IllegalArgumentException e) {
            throw usageError(e.getMessage());
        }
    }

    private JsonNode parse(String text) {
        try {
            JsonNode json = JSON.readTree(text);
            if (json == null || json.isMissingNode()) {
                throw usageError("JSON-ARG is empty: write the task's argument as JSON, e.g. '{\"samples\": 1000}' or 'null'");
            }
            return json;
        } catch (JsonProcessingException e) {
            throw usageError("JSON-ARG is not valid JSON (" + e.getOriginalMessage() + "): " + text
                    + "\nWrite the argument as JSON and quote it for the shell, e.g. '{\"samples\": 1000}' or '\"text\"'");
        }
    }
}
