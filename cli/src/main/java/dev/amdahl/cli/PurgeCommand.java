package dev.amdahl.cli;

import dev.amdahl.Amdahl;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code amdahl purge QUEUE}: removes every message waiting in a queue, after asking. */
@Command(name = "purge",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        header = "Remove every message waiting in a queue (asks first unless --yes).",
        description = "Remove every message waiting in the queue, delayed ones included; messages a worker holds now are"
                + " left alone, and so are the dead letters. Asks for confirmation unless --yes.",
        footer = {"", "Examples:", "  amdahl purge tiles --broker redis://127.0.0.1:6379", "  amdahl purge amdahl --yes"})
final class PurgeCommand extends OpsCommand {

    @Parameters(index = "0", paramLabel = "QUEUE", description = "The queue to empty.")
    String queue;

    @Option(names = {"-y", "--yes"}, description = "Do not ask for confirmation.")
    boolean yes;

    /** Where the answer is read from; the terminal but in tests. */
    BufferedReader answers = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));

    @Override
    String purpose() {
        return "empties a queue that other processes use";
    }

    @Override
    int execute() throws IOException {
        try (Amdahl app = open()) {
            long depth = app.broker().depth(queue);
            if (!yes) {
                out().print("remove the " + depth + " message(s) ready in queue '" + queue + "'? [y/N] ");
                out().flush();
                String answer = answers.readLine();
                if (answer == null || !answer.trim().toLowerCase(Locale.ROOT).matches("y|yes")) {
                    out().println("nothing removed" + (answer == null ? " (no answer; pass --yes to purge without asking)" : ""));
                    return FAILED;
                }
            }
            out().println("removed " + app.broker().purge(queue) + " message(s) from queue '" + queue + "'");
            return OK;
        }
    }
}
