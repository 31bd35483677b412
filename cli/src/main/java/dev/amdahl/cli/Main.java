package dev.amdahl.cli;

import picocli.CommandLine;

/** Entry point of the {@code amdahl} command. */
public final class Main {

    private Main() {
    }

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    /** The configured command line; tests run it without exiting the JVM. */
    static CommandLine commandLine() {
        return new CommandLine(new AmdahlCommand()).setCaseInsensitiveEnumValuesAllowed(true);
    }
}
