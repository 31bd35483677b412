package dev.amdahl.internal.process;

import dev.amdahl.AmdahlException;
import dev.amdahl.internal.task.TaskMdc;
import dev.amdahl.internal.wire.MessageCodec;
import dev.amdahl.internal.worker.ExecutionPool;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.BufferedReader;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.Charset;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The parent's handle on one child JVM of the process pool: the process, its protocol streams
 * (stdin/stdout, see {@link ChildProtocol}) and a thread that forwards its stderr to this JVM's log.
 *
 * <p>One pool thread (the slot's) reads a child's frames and sends it runs; the watchdog may send an
 * {@link #interrupt} meanwhile from its own thread. Writes hold the {@code toChild} monitor, so two
 * frames never interleave on the child's stdin. {@link #kill()} may be called from any thread; the
 * reading thread then sees its stream end.
 *
 * <p>The stderr tail is guarded by its own monitor: the pump thread appends, the talking thread reads
 * it to explain a failed start or a death.
 */
public final class ChildProcess {

    /** Where child stderr goes: one logger, so users can route or silence children's output in one place. */
    private static final Logger childLog = LoggerFactory.getLogger(ProcessExecutionPool.class.getName() + ".child");
    private static final int TAIL_LINES = 40;
    private static final int MAX_LINE_IN_MESSAGE = 300;
    private static final Duration EXIT_WAIT = Duration.ofSeconds(5);

    private final Process process;
    private final long pid;
    private final DataOutputStream toChild;
    private final DataInputStream fromChild;
    private final int maxPayloadBytes;
    private final Thread stderrPump;
    /** The last {@link #TAIL_LINES} stderr lines; guarded by itself, as is {@link #linesSeen}. */
    private final ArrayDeque<String> tail = new ArrayDeque<>();
    private long linesSeen;
    /** {@link #linesSeen} when the current task started: later lines are that task's doing. */
    private volatile long linesAtTaskStart;

    private ChildProcess(Process process, int maxPayloadBytes) {
        this.process = process;
        this.pid = process.pid();
        this.maxPayloadBytes = maxPayloadBytes;
        this.toChild = new DataOutputStream(new BufferedOutputStream(process.getOutputStream(), 64 * 1024));
        this.fromChild = new DataInputStream(new BufferedInputStream(process.getInputStream(), 64 * 1024));
        this.stderrPump = new Thread(this::pumpStderr, "amdahl-child-stderr-" + pid);
        stderrPump.setDaemon(true);
        stderrPump.start();
    }

    /** Spawns a child; it is not ready until {@link #awaitReady} returns. */
    static ChildProcess spawn(List<String> command, int maxPayloadBytes) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(command);
        pb.redirectInput(ProcessBuilder.Redirect.PIPE).redirectOutput(ProcessBuilder.Redirect.PIPE)
                .redirectError(ProcessBuilder.Redirect.PIPE);
        return new ChildProcess(pb.start(), maxPayloadBytes);
    }

    long pid() {
        return pid;
    }

    boolean isAlive() {
        return process.isAlive();
    }

    CompletableFuture<Process> onExit() {
        return process.onExit();
    }

    /**
     * Waits for the child's {@code ready} frame.
     *
     * @throws AmdahlException when the child exits, breaks the protocol or is not ready in time, with its stderr
     */
    void awaitReady(Duration timeout) {
        // a read cannot time out; a child that hangs while starting is killed, which ends the read
        AtomicBoolean timedOut = new AtomicBoolean();
        CompletableFuture<Void> timer = new CompletableFuture<>();
        timer.completeOnTimeout(null, timeout.toMillis(), TimeUnit.MILLISECONDS).thenRun(() -> {
            if (process.isAlive()) {
                timedOut.set(true);
                kill();
            }
        });
        ChildProtocol.Frame ready;
        try {
            ready = ChildProtocol.read(fromChild, 0);
        } catch (IOException e) {
            kill();
            throw new AmdahlException(startFailure("broke the protocol while starting (" + e.getMessage() + ")"));
        } finally {
            timer.cancel(false);
        }
        if (ready == null) {
            throw new AmdahlException(startFailure(timedOut.get()
                    ? "was not ready within " + timeout.toMillis() + " ms and was killed" : describeExit()));
        }
        if (!ChildProtocol.READY.equals(ready.op())) {
            kill();
            throw new AmdahlException(startFailure("sent " + ready.header() + " instead of a ready frame"));
        }
    }

    private String startFailure(String how) {
        String stderr = String.join(System.lineSeparator(), stderrTail());
        return "process-pool child " + pid + " could not start: it " + how
                + (stderr.isBlank() ? ", and printed nothing on stderr" : ". Its stderr:" + System.lineSeparator() + stderr);
    }

    /**
     * Sends a task as run number {@code seq}; the child answers {@code started}, any number of
     * {@code progress} frames, then {@code outcome}.
     */
    void send(ExecutionPool.Job job, long seq) throws IOException {
        synchronized (tail) {
            linesAtTaskStart = linesSeen;
        }
        byte[] message = MessageCodec.encode(job.message());
        synchronized (toChild) {
            ChildProtocol.write(toChild, ChildProtocol.header(ChildProtocol.RUN).put("delivery", job.deliveryCount())
                    .put("seq", seq), message);
        }
    }

    /**
     * Tells the child that run {@code seq} passed its soft time limit. Harmless when that run has ended:
     * the child ignores an interrupt for a run it is not running. May block while the slot thread writes
     * a run frame, which the child's reader thread takes at once.
     */
    void interrupt(long seq) throws IOException {
        synchronized (toChild) {
            ChildProtocol.write(toChild, ChildProtocol.header(ChildProtocol.INTERRUPT).put("seq", seq), new byte[0]);
        }
    }

    /** The next frame, or {@code null} if the child's stdout ended (it died or exited). */
    ChildProtocol.Frame read() throws IOException {
        return ChildProtocol.read(fromChild, maxPayloadBytes);
    }

    /** Kills the child at once (SIGKILL). Safe from any thread, and on a child that is gone already. */
    void kill() {
        process.destroyForcibly();
    }

    /**
     * Waits for the child to be gone and says how it went: "exited with code 3", "was killed by SIGKILL
     * (exit code 137)", with the last line it printed while running the current task when there is one.
     */
    String describeExit() {
        if (!waitFor(EXIT_WAIT)) {
            // its stdout ended but it lives on: it is of no use to us any more
            kill();
            waitFor(EXIT_WAIT);
        }
        if (process.isAlive()) {
            return "did not exit even when killed";
        }
        joinPump();
        int code = process.exitValue();
        // Java reports a death by signal n as exit status 128 + n, as shells do
        String how = code > 128 && code <= 128 + 64 ? "was killed by " + signalName(code - 128) + " (exit code " + code + ")"
                : "exited with code " + code;
        String last = lastLineSinceTaskStart();
        return last == null ? how : how + "; its last output: " + last;
    }

    /**
     * Tells the child to exit by closing its stdin, and waits for it; kills it if it does not go. Returns
     * when the process is gone.
     */
    void close(Duration wait) {
        try {
            toChild.close();
        } catch (IOException e) {
            // it is gone already
        }
        if (!waitFor(wait)) {
            childLog.warn("process-pool child {} did not exit within {} of being told to; killing it", pid, wait);
            kill();
            waitFor(EXIT_WAIT);
        }
        joinPump();
    }

    private boolean waitFor(Duration d) {
        try {
            return process.waitFor(d.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return !process.isAlive();
        }
    }

    private void joinPump() {
        try {
            stderrPump.join(1_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    List<String> stderrTail() {
        joinPumpIfExited();
        synchronized (tail) {
            return List.copyOf(tail);
        }
    }

    private void joinPumpIfExited() {
        if (!process.isAlive()) {
            joinPump();
        }
    }

    private String lastLineSinceTaskStart() {
        synchronized (tail) {
            if (linesSeen <= linesAtTaskStart) {
                return null;
            }
            for (var it = tail.descendingIterator(); it.hasNext(); ) {
                String line = it.next().strip();
                if (!line.isEmpty()) {
                    return line.length() > MAX_LINE_IN_MESSAGE ? line.substring(0, MAX_LINE_IN_MESSAGE) + "…" : line;
                }
            }
            return null;
        }
    }

    private void pumpStderr() {
        try (TaskMdc ignored = TaskMdc.childPid(pid);
             BufferedReader r = new BufferedReader(new InputStreamReader(process.getErrorStream(), Charset.defaultCharset()))) {
            String line;
            while ((line = r.readLine()) != null) {
                synchronized (tail) {
                    if (tail.size() == TAIL_LINES) {
                        tail.removeFirst();
                    }
                    tail.addLast(line);
                    linesSeen++;
                }
                childLog.info("[child {}] {}", pid, line);
            }
        } catch (IOException e) {
            // the stream closed under us: the child is gone
        }
    }

    static String signalName(int signal) {
        return switch (signal) {
            case 1 -> "SIGHUP";
            case 2 -> "SIGINT";
            case 3 -> "SIGQUIT";
            case 4 -> "SIGILL";
            case 6 -> "SIGABRT";
            case 7 -> "SIGBUS";
            case 8 -> "SIGFPE";
            case 9 -> "SIGKILL";
            case 11 -> "SIGSEGV";
            case 13 -> "SIGPIPE";
            case 15 -> "SIGTERM";
            default -> "signal " + signal;
        };
    }

    @Override
    public String toString() {
        return "child " + pid;
    }
}
