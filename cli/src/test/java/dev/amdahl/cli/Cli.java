package dev.amdahl.cli;

import java.io.PrintWriter;
import java.io.StringWriter;
import picocli.CommandLine;

/** Runs the {@code amdahl} command in this JVM, capturing what it prints. */
final class Cli {

    /**
     * A row of a demo's timing table: worker count, median, fastest - slowest, tasks per second, speedup (flagged
     * superlinear or not).
     */
    static java.util.regex.Pattern timingRow(int workers) {
        return java.util.regex.Pattern.compile("(?m)^\\s+" + workers + "\\s+\\d+\\.\\d{3} s\\s+\\d+\\.\\d{3} -\\s+\\d+\\.\\d{3} s"
                + "\\s+\\d+\\.\\d\\s+\\d+\\.\\d\\dx( {2}superlinear: .*)?$");
    }

    /** What one run printed and returned. */
    record Result(int exitCode, String out, String err) {
        @Override
        public String toString() {
            return "exit " + exitCode + "\n--- out ---\n" + out + "--- err ---\n" + err;
        }
    }

    private Cli() {
    }

    static Result run(String... args) {
        return run(new CommandLine(new AmdahlCommand()), args);
    }

    static Result run(CommandLine commandLine, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        commandLine.setOut(new PrintWriter(out, true));
        commandLine.setErr(new PrintWriter(err, true));
        int exitCode = commandLine.execute(args);
        return new Result(exitCode, out.toString(), err.toString());
    }
}
