package dev.amdahl.testkit;

import java.io.File;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Worker JVMs for tests that kill, pause or halt real processes: started with the test's class path and a
 * small heap, and living no longer than the test JVM that started them.
 *
 * <pre>{@code
 * Process worker = ChildJvm.command(MyWorkerMain.class, url, queue).redirectErrorStream(true).start();
 * // in MyWorkerMain.main, once the worker runs:
 * ChildJvm.liveWhileParentDoes();
 * }</pre>
 */
public final class ChildJvm {

    private ChildJvm() {
    }

    /** A process builder for {@code java -cp <the test's class path> main args...}, run in the current directory. */
    public static ProcessBuilder command(Class<?> main, String... args) {
        String classpath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-cp", classpath, main.getName()));
        command.addAll(List.of(args));
        return new ProcessBuilder(command).directory(new File("."));
    }

    /**
     * For a child's {@code main}: blocks until the JVM that started this one ends, then halts. A child left behind by
     * a test run that was killed would otherwise go on taking tasks from a shared broker.
     */
    public static void liveWhileParentDoes() throws InterruptedException {
        ProcessHandle parent = ProcessHandle.current().parent().orElse(null);
        if (parent == null) {
            Thread.currentThread().join();
        }
        parent.onExit().join();
        Runtime.getRuntime().halt(3);
    }

    /** Starts {@link #command} with its output to {@code log}. */
    static Process start(Path log, Class<?> main, String... args) throws IOException {
        return command(main, args).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    }
}
