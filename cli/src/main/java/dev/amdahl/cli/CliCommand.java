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
        if (verbose()) {
            // before any logger exists: slf4j-simple reads its level once, on first use
            System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "info");
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
            err().println("task '" + e.taskName() + "' (id " + e.taskId() + ") failed: " + e.remoteType()
                    + (e.remoteMessage() == null ? "" : ": " + UrlMasking.mask(e.remoteMessage())));
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

    /** A usage error about this command, reported with exit code 2. */
    ParameterException usageError(String message) {
        return new ParameterException(spec.commandLine(), message);
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
