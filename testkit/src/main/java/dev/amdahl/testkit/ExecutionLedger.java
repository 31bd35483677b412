package dev.amdahl.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * Where a task writes down that it ran, independently of the framework under test: one file per worker in a
 * directory, one line {@code taskId argument worker epochMillis} per execution, appended with
 * {@code O_APPEND} in a single write. A line written is in the kernel's page cache at once, so it survives
 * SIGKILL of the worker's process; the chaos suite reads all files at the end and compares them with what
 * the framework says ran.
 *
 * <pre>{@code
 * ExecutionLedger ledger = ExecutionLedger.open(dir, "worker-1");
 * app.task("square", Integer.class, Long.class, n -> {
 *     ledger.record(TaskContext.current().taskId(), n);
 *     return (long) n * n;
 * });
 * List<ExecutionLedger.Execution> all = ExecutionLedger.readAll(dir);
 * }</pre>
 */
public final class ExecutionLedger implements AutoCloseable {

    private static final String SUFFIX = ".ledger";

    /** One execution of a task: its id, its argument, the worker that ran it, when it started. */
    public record Execution(String taskId, int argument, String worker, long atMillis) {
    }

    private final String worker;
    private final FileChannel file;

    private ExecutionLedger(String worker, FileChannel file) {
        this.worker = worker;
        this.file = file;
    }

    /** The ledger of {@code worker} in {@code dir}, appending to what it holds already. */
    public static ExecutionLedger open(Path dir, String worker) {
        if (worker.isBlank() || worker.contains(" ") || worker.contains("/")) {
            throw new IllegalArgumentException("a worker name in a ledger needs no spaces or slashes: '" + worker + "'");
        }
        try {
            FileChannel file = FileChannel.open(dir.resolve(worker + SUFFIX),
                    StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
            return new ExecutionLedger(worker, file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open the ledger of " + worker + " in " + dir, e);
        }
    }

    /** Writes down one execution of {@code taskId} with {@code argument}, now. */
    public void record(String taskId, int argument) {
        ByteBuffer line = ByteBuffer.wrap((taskId + " " + argument + " " + worker + " " + System.currentTimeMillis() + "\n")
                .getBytes(StandardCharsets.UTF_8));
        // one write call per line: with O_APPEND the kernel never interleaves it with another thread's line
        synchronized (this) {
            try {
                while (line.hasRemaining()) {
                    file.write(line);
                }
            } catch (IOException e) {
                throw new UncheckedIOException("cannot write to the ledger of " + worker, e);
            }
        }
    }

    /**
     * Every execution written to a ledger in {@code dir}, in no particular order. A last line cut short
     * (a disk that filled up) is reported, not skipped: a ledger that cannot be read is a failed test.
     */
    public static List<Execution> readAll(Path dir) {
        List<Execution> all = new ArrayList<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : files.filter(p -> p.getFileName().toString().endsWith(SUFFIX)).toList()) {
                for (String line : Files.readAllLines(f, StandardCharsets.UTF_8)) {
                    String[] parts = line.split(" ");
                    if (parts.length != 4) {
                        throw new IllegalStateException("ledger " + f + " has a malformed line: '" + line + "'");
                    }
                    all.add(new Execution(parts[0], Integer.parseInt(parts[1]), parts[2], Long.parseLong(parts[3])));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the ledgers in " + dir, e);
        }
        return all;
    }

    @Override
    public void close() {
        try {
            file.close();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot close the ledger of " + worker, e);
        }
    }
}
