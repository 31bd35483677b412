package dev.amdahl.cli;

import picocli.CommandLine.Command;

/** {@code amdahl terminate ID...}: revoke, and stop them where they run. */
@Command(name = "terminate",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        header = "Revoke tasks by id and stop them where they run.",
        description = "Revoke tasks by id as 'amdahl revoke' does, and stop those running: a thread pool interrupts the"
                + " task's thread, the process pool kills its child. Their error is TERMINATED.",
        footer = {"", "Examples:", "  amdahl terminate 3f2c... --broker redis://127.0.0.1:6379"})
final class TerminateCommand extends RevokeCommand {

    @Override
    boolean terminate() {
        return true;
    }
}
