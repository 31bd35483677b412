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
        CommandLine line;
        try {
            line = commandLine(args, System.getenv());
        } catch (IllegalArgumentException e) {
            System.err.println(dev.amdahl.spi.UrlMasking.mask(e.getMessage()));
            System.exit(2);
            return;
        }
        ((WorkerCommand) line.getSubcommands().get("worker").getCommand()).ownsJvm = true;
        System.exit(line.execute(args));
    }

    /** The configured command line, without defaults from the environment or a file. */
    static CommandLine commandLine() {
        return new CommandLine(new AmdahlCommand())
                .setCaseInsensitiveEnumValuesAllowed(true)
                .setParameterExceptionHandler(Main::usageError);
    }

    /**
     * The configured command line, with the defaults of {@code env} and of the file {@code --config} names in
     * {@code args} (or amdahl.properties here); tests run it without exiting the JVM.
     *
     * @throws IllegalArgumentException when the configuration file cannot be used, saying why
     */
    static CommandLine commandLine(String[] args, java.util.Map<String, String> env) {
        return commandLine().setDefaultValueProvider(ConfigDefaults.load(configOption(args), env));
    }

    /** The value of {@code --config} in {@code args}, read before parsing since it decides the defaults. */
    static String configOption(String[] args) {
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--config") && i + 1 < args.length) {
                return args[i + 1];
            }
            if (args[i].startsWith("--config=")) {
                return args[i].substring("--config=".length());
            }
            if (args[i].equals("--")) {
                break;
            }
        }
        return null;
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
