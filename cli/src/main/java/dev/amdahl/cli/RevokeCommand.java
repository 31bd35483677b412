package dev.amdahl.cli;

import dev.amdahl.Amdahl;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code amdahl revoke ID...}: no worker starts these tasks; one running lets it finish unrecorded. */
@Command(name = "revoke",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        header = "Revoke tasks by id: they will not start (a running one finishes, its result discarded).",
        description = "Revoke tasks by id: their records become REVOKED, whoever waits on them hears it, and no worker starts"
                + " them. A task running already finishes and its result is discarded; use 'amdahl terminate' to stop it.",
        footer = {"", "Examples:", "  amdahl revoke 3f2c... --broker redis://127.0.0.1:6379"})
class RevokeCommand extends OpsCommand {

    @Parameters(paramLabel = "ID", arity = "1..*", description = "The ids of the tasks.")
    List<String> ids;

    /** Whether running tasks are stopped too. */
    boolean terminate() {
        return false;
    }

    @Override
    String purpose() {
        return "revokes tasks that workers in other processes run";
    }

    @Override
    int execute() {
        try (Amdahl app = open()) {
            for (String id : ids) {
                if (terminate()) {
                    app.terminate(id);
                    out().println("terminated " + id);
                } else {
                    app.revoke(id);
                    out().println("revoked " + id);
                }
            }
            return OK;
        }
    }
}
