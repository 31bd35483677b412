package dev.amdahl.cli;

import java.io.PrintWriter;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.UnmatchedArgumentException;
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
        return new CommandLine(new AmdahlCommand())
                .setCaseInsensitiveEnumValuesAllowed(true)
                .setParameterExceptionHandler(Main::usageError);
    }

    /**
     * A command line that does not parse: the message and where to read more, exit code 2. Picocli's
     * default also prints the whole usage, which buries the one line that says what is wrong.
     */
    private static int usageError(ParameterException e, String[] args) {
        CommandLine cmd = e.getCommandLine();
        PrintWriter err = cmd.getErr();
        err.println(e.getMessage());
        UnmatchedArgumentException.printSuggestions(e, err);
        err.println("See '" + cmd.getCommandSpec().qualifiedName() + " --help'.");
        err.flush();
        return cmd.getExitCodeExceptionMapper() != null
                ? cmd.getExitCodeExceptionMapper().getExitCode(e)
                : cmd.getCommandSpec().exitCodeOnInvalidInput();
    }
}
