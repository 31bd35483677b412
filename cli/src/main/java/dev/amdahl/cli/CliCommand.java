package dev.amdahl.cli;

import dev.amdahl.TaskFailedException;
import dev.amdahl.spi.UrlMasking;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;
import picocli.CommandLine;

/**
 * The base of the subcommands: turns what they throw into a message and an exit code, so a user sees
 * what happened and what to do, never a stack trace unless they ask with {@code --verbose}.
 *
 * <p>The handling lives here rather than in handlers set on the {@link CommandLine} so that every
 * way of building the command line (the {@code main} method, tests, other tools) behaves the same.
 */
abstract class CliCommand implements Callable<Integer> {

    /** The command ran and did what it was asked. */
    static final int OK = 0;
    /** The command was used correctly but what it did failed (a task failed, a broker is down). */
    static final int FAILED = 1;
    /** The command line was wrong: a bad option value, a missing argument, a broker it cannot use. */
    static final int USAGE = 2;

    @Spec
    CommandSpec spec;

    /** Does the command's work; returns the exit code. */
    abstract int execute() throws Exception;

    @Override
    public final Integer call() {
        try {
            configureLogging();
        } catch (ParameterException e) {
            err().println(e.getMessage());
            return USAGE;
        }
        try {
            return execute();
        } catch (ParameterException e) {
            err().println(UrlMasking.mask(e.getMessage()));
            if (verbose()) {
                printMaskedStackTrace(e);
            }
            err().println("See '" + e.getCommandLine().getCommandSpec().qualifiedName() + " --help'.");
            return USAGE;
        } catch (TaskFailedException e) {
            err().println(UrlMasking.mask(failureLine(e.taskName(), e.taskId(), "failed", e.remoteType(), e.remoteMessage())));
            if (verbose()) {
                err().println("--- remote stack trace ---");
                err().println(e.remoteStackTrace());
            }
            return FAILED;
        } catch (Exception e) {
            err().println(spec.qualifiedName() + ": " + UrlMasking.mask(messageOf(e)));
            printStackTraceIfVerbose(e);
            return FAILED;
        } finally {
            out().flush();
            err().flush();
        }
    }

    /**
     * One line for a task that ended badly: {@code task 'NAME' (id ID) failed: REASON}, the task named once. The runtime's
     * own messages often open with the task again, and its exception type ({@code dev.amdahl.AmdahlException}) says
     * nothing to a user: both go. A task's own exception keeps its type, which is what its author looks for; a runtime
     * error type ({@code dev.amdahl.TimeLimitExceeded}) is shown by its simple name.
     */
    static String failureLine(String taskName, String taskId, String verb, String type, String message) {
        String reason = message == null ? null : withoutTaskPrefix(message, taskName, taskId);
        String kind = type == null || type.equals(dev.amdahl.AmdahlException.class.getName()) ? null
                : dev.amdahl.ErrorType.of(type).isPresent() ? type.substring(type.lastIndexOf('.') + 1) : type;
        String because = kind == null ? reason : reason == null || reason.isBlank() ? kind : kind + ": " + reason;
        return "task '" + taskName + "' (id " + taskId + ") " + verb + (because == null || because.isBlank() ? "" : ": " + because);
    }

    private static String withoutTaskPrefix(String message, String taskName, String taskId) {
        String prefix = "task '" + taskName + "' (id " + taskId + ")";
        if (!message.startsWith(prefix)) {
            return message;
        }
        String rest = message.substring(prefix.length());
        return rest.startsWith(": ") ? rest.substring(2) : rest.stripLeading();
    }

    /** The level this command logs at unless {@code --loglevel} says otherwise. */
    String defaultLogLevel() {
        return verbose() ? "info" : "warn";
    }

    /**
     * Sets the level and format of the log for this command ({@link CliLogging}); a later command in the same JVM
     * sets its own.
     */
    private void configureLogging() {
        AmdahlCommand root = (AmdahlCommand) spec.root().userObject();
        String level = root.loglevel;
        String chosen = level == null ? defaultLogLevel() : level.trim().toLowerCase(java.util.Locale.ROOT);
        if (chosen.equals("warning")) {
            chosen = "warn";
        }
        if (!java.util.List.of("error", "warn", "info", "debug", "trace").contains(chosen)) {
            throw usageError("--loglevel " + level + ": not a level; choose error, warn, info, debug or trace");
        }
        CliLogging.Format format = root.logFormat == null ? CliLogging.Format.TEXT : CliLogging.Format.parse(root.logFormat);
        if (format == null) {
            throw usageError("--log-format " + root.logFormat + ": not a format; choose text (for people) or json (one"
                    + " object per line, for log shippers)");
        }
        CliLogging.configure(chosen, format);
    }

    /** A usage error about this command, reported with exit code 2. */
    ParameterException usageError(String message) {
        return new ParameterException(spec.commandLine(), message);
    }

    /** The value of {@code option} as the user typed it, to echo it back (a duration says 90s, not PT1M30S). */
    String typed(String option) {
        picocli.CommandLine.ParseResult parsed = spec.commandLine().getParseResult();
        if (parsed != null && parsed.hasMatchedOption(option)) {
            java.util.List<String> values = parsed.matchedOption(option).stringValues();
            if (!values.isEmpty()) {
                return values.get(values.size() - 1);
            }
        }
        picocli.CommandLine.Model.OptionSpec spec = this.spec.findOption(option);
        if (spec == null) {
            return "null";
        }
        // not on the command line: the environment's or the file's value as written there, else the option's default
        picocli.CommandLine.IDefaultValueProvider provider = this.spec.commandLine().getDefaultValueProvider();
        try {
            String fromProvider = provider == null ? null : provider.defaultValue(spec);
            if (fromProvider != null) {
                return fromProvider;
            }
        } catch (Exception e) {
            // the value came from somewhere: fall through to the option's own
        }
        return spec.defaultValue() != null ? spec.defaultValue() : String.valueOf(spec.getValue());
    }

    PrintWriter out() {
        return spec.commandLine().getOut();
    }

    PrintWriter err() {
        return spec.commandLine().getErr();
    }

    boolean verbose() {
        return ((AmdahlCommand) spec.root().userObject()).verbose;
    }

    private void printStackTraceIfVerbose(Exception e) {
        if (verbose()) {
            printMaskedStackTrace(e);
        } else {
            err().println("(add --verbose for the stack trace)");
        }
    }

    /** A stack trace repeats the messages of every cause, and a driver's may hold the URL it was given. */
    private void printMaskedStackTrace(Throwable e) {
        StringWriter trace = new StringWriter();
        e.printStackTrace(new PrintWriter(trace));
        err().print(UrlMasking.mask(trace.toString()));
    }

    private static String messageOf(Throwable e) {
        String message = e.getMessage();
        return message == null || message.isBlank() ? e.getClass().getSimpleName() : message;
    }
}
