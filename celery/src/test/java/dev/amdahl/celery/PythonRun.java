package dev.amdahl.celery;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Runs a Python script of the test resources with Debian's {@code /usr/bin/python3} (the one {@code python3-celery}
 * installs for), isolated ({@code -I}) and from the script's own folder: from this checkout, its {@code celery/} and
 * {@code redis/} folders would shadow the Python packages of those names.
 */
public final class PythonRun {

    private PythonRun() {
    }

    /** The command that runs {@code script} with {@code args}. */
    public static List<String> command(Path script, List<String> args) {
        List<String> command = new ArrayList<>(List.of("/usr/bin/python3", "-I", script.toString()));
        command.addAll(args);
        return command;
    }

    /**
     * Runs {@code command} from {@code directory}, handing the process to {@code started} (to be killed by the test's
     * cleanup should the test end first), and returns what it printed once it exits 0 within 90 s; fails the test,
     * with what it printed on stderr, otherwise.
     */
    public static String output(List<String> command, Path directory, Consumer<Process> started) throws IOException,
            InterruptedException {
        Process p = new ProcessBuilder(command).directory(directory.toFile()).start();
        started.accept(p);
        CompletableFuture<String> out = CompletableFuture.supplyAsync(() -> read(p.getInputStream()));
        CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> read(p.getErrorStream()));
        if (!p.waitFor(90, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError(command + " did not finish in 90 s: " + err.getNow(""));
        }
        assertThat(p.exitValue()).as("%s failed:%n%s%n%s", command, out.join(), err.join()).isZero();
        return out.join();
    }

    /** {@link #output(List, Path, Consumer)} of {@code script} with {@code args}, from the script's folder. */
    public static String output(Path script, List<String> args, Consumer<Process> started) throws IOException,
            InterruptedException {
        return output(command(script, args), script.getParent(), started);
    }

    /** Stops the test's processes: asked first, killed after 20 s. */
    public static void stop(List<Process> processes) throws InterruptedException {
        for (Process p : processes) {
            p.destroy();
            if (!p.waitFor(20, TimeUnit.SECONDS)) {
                p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        }
    }

    private static String read(InputStream in) {
        try (in) {
            ByteArrayOutputStream b = new ByteArrayOutputStream();
            in.transferTo(b);
            return b.toString(StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
