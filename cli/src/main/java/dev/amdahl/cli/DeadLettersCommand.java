package dev.amdahl.cli;

import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.amdahl.Amdahl;
import dev.amdahl.spi.DeadLetter;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code amdahl dead-letters list|show|requeue|drop}: the messages a queue gave up on. */
@Command(name = "dead-letters",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        header = "List, show, requeue or drop the dead letters of a queue.",
        description = {"The messages a queue gave up on (rejected as malformed, or delivered too often), with the reason:",
            "  list                 id, task, when and why, oldest first",
            "  show ID              one in full: its reason and body",
            "  requeue ID|--task T  put them back on their queue as new messages",
            "  drop ID|--task T     delete them for good"},
        footer = {"", "Examples:", "  amdahl dead-letters list --broker redis://127.0.0.1:6379",
            "  amdahl dead-letters requeue --task reports.daily -q reports",
            "  amdahl dead-letters drop 3f2c..."})
final class DeadLettersCommand extends OpsCommand {

    /** Reads bodies to show them; a body is untrusted, so only what it costs to display is read. */
    private static final ObjectMapper BODIES = JsonMapper.builder(com.fasterxml.jackson.core.JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(100).build()).build()).build();

    enum Action { list, show, requeue, drop }

    @Parameters(index = "0", paramLabel = "ACTION", description = "list, show, requeue or drop.")
    Action action;

    @Parameters(index = "1", paramLabel = "ID", arity = "0..1", description = "The message (task) id, for show, requeue and drop.")
    String id;

    @Option(names = "--task", paramLabel = "NAME", description = "For requeue and drop: every dead letter of this task name.")
    String task;

    @Option(names = {"-q", "--queue"}, paramLabel = "QUEUE,...", split = ",", hideParamSyntax = true,
            description = "The queues to look in (default: amdahl and those the live workers consume).")
    List<String> queues;

    @Option(names = "--max", paramLabel = "N", defaultValue = "100", description = "List at most N per queue (default: ${DEFAULT-VALUE}).")
    int max;

    @Override
    String purpose() {
        return "handles the dead letters other processes left";
    }

    @Override
    int execute() {
        if (action == Action.list && (id != null || task != null)) {
            throw usageError("'dead-letters list' takes no ID nor --task: it lists them all; use 'show ID' for one");
        }
        if (action == Action.show && id == null) {
            throw usageError("'dead-letters show' needs the ID of the dead letter (see 'dead-letters list')");
        }
        if ((action == Action.requeue || action == Action.drop) && (id == null) == (task == null)) {
            throw usageError("'dead-letters " + action + "' needs either an ID or --task NAME (every dead letter of that task)");
        }
        try (Amdahl app = open()) {
            List<String> where = queuesOf(queues, workersIfListed(app));
            int found = 0;
            for (String q : where) {
                List<DeadLetter> letters = app.broker().deadLetters(q, action == Action.list ? max : Integer.MAX_VALUE);
                for (DeadLetter d : letters) {
                    Summary s = summary(d.body());
                    boolean matches = id != null ? id.equals(d.messageId()) : task == null || task.equals(s.task());
                    if (!matches) {
                        continue;
                    }
                    switch (action) {
                        case list -> out().printf("%s  %-24s %s  %s  %s%n", q, s.task(), d.messageId(), d.rejectedAt(), d.reason());
                        case show -> {
                            out().println("queue:    " + q);
                            out().println("id:       " + d.messageId());
                            out().println("task:     " + s.task());
                            out().println("rejected: " + d.rejectedAt());
                            out().println("reason:   " + d.reason());
                            out().println("body:     " + s.text());
                        }
                        default -> {
                        }
                    }
                    found++;
                }
                if (action == Action.requeue || action == Action.drop) {
                    Set<String> ids = new LinkedHashSet<>();
                    for (DeadLetter d : letters) {
                        if (id != null ? id.equals(d.messageId()) : task.equals(summary(d.body()).task())) {
                            ids.add(d.messageId());
                        }
                    }
                    for (String one : ids) {
                        int n = action == Action.requeue ? app.requeueDeadLetter(q, one) : app.broker().dropDeadLetter(q, one);
                        out().println((action == Action.requeue ? "requeued " : "dropped ") + one + " (" + q + ")" + (n > 1 ? " x" + n : ""));
                    }
                }
            }
            if (found == 0) {
                out().println(action == Action.list ? "no dead letters in " + where
                        : "no dead letter " + (id != null ? "with id " + id : "of task " + task) + " in " + where
                                + (queues == null ? " (give the queue with -q)" : ""));
                return action == Action.list ? OK : FAILED;
            }
            return OK;
        }
    }

    private List<dev.amdahl.spi.WorkerHeartbeat> workersIfListed(Amdahl app) {
        try {
            return workers(app);
        } catch (IllegalStateException noRegistry) {
            return List.of();
        }
    }

    /** What a body says of itself, for display; anything that is not an Amdahl message is shown as it is. */
    record Summary(String task, String text) {
    }

    static Summary summary(byte[] body) {
        String text = new String(body, StandardCharsets.UTF_8);
        String shown = text.length() > 2_000 ? text.substring(0, 2_000) + "... (" + body.length + " bytes)" : text;
        try {
            JsonNode json = BODIES.readTree(body);
            if (json != null && json.has("amdahl-signed") && json.get("message") != null) {
                json = json.get("message");
            }
            JsonNode name = json == null ? null : json.get("task");
            return new Summary(name != null && name.isTextual() ? name.asText() : "(unknown task)", shown);
        } catch (java.io.IOException | RuntimeException e) {
            return new Summary("(not an Amdahl message)", shown);
        }
    }
}
