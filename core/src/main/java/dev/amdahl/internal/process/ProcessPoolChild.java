package dev.amdahl.internal.process;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.amdahl.Amdahl;
import dev.amdahl.Progress;
import dev.amdahl.TaskCatalog;
import dev.amdahl.internal.task.ApplicationAccess;
import dev.amdahl.internal.task.Outcome;
import dev.amdahl.internal.task.RunControl;
import dev.amdahl.internal.task.TaskInvoker;
import dev.amdahl.internal.wire.MalformedMessageException;
import dev.amdahl.internal.wire.MessageCodec;
import dev.amdahl.internal.wire.TaskMessage;
import dev.amdahl.spi.TaskError;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.FileDescriptor;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * The {@code main} of a process-pool child JVM; started by {@link ProcessExecutionPool}, not by users.
 *
 * <p>Arguments: {@code <parent pid> <maxResultBytes> <catalog class>...}. The child registers the
 * catalogs' tasks in an application of its own (on an embedded broker it never uses), answers
 * {@code ready}, then runs one task per {@code run} frame on its main thread until its stdin ends. A
 * reader thread takes the frames off stdin, so that an {@code interrupt} (the soft time limit) reaches
 * the task while it runs: it sets the task's {@link TaskContext#softTimeLimitExceeded()} and interrupts
 * the main thread. Progress reports ({@link TaskContext#progress}) go to the parent as frames.
 *
 * <p>The protocol owns the real stdout: {@code System.out} is pointed at stderr before anything else
 * runs, so a task that prints cannot corrupt a frame, and {@code System.in} is emptied so a task
 * that reads stdin cannot swallow one. Stderr is the child's log; the parent forwards it.
 *
 * <p>The child ignores SIGINT and SIGTERM. A terminal's Ctrl-C, and a service manager stopping a
 * worker, signal the whole process group; only the parent must act on that (graceful shutdown: it
 * lets running tasks finish, then tells its children to exit). Children dying at once instead would
 * turn every running task into a crash. SIGKILL still kills a child.
 *
 * <p>No orphans: the child exits when its stdin ends (the parent closed it, or died and the kernel
 * closed it), and a watcher thread halts it when its parent process is gone, which also covers a
 * task that never returns to read stdin.
 */
public final class ProcessPoolChild {

    /** Exit status when the catalogs cannot be loaded; the parent reports stderr with it. */
    public static final int EXIT_BAD_START = 2;
    /** Exit status when the parent vanished or the protocol broke. */
    static final int EXIT_PARENT_GONE = 4;

    private ProcessPoolChild() {
    }

    public static void main(String[] args) {
        // first of all, before any class initialisation can print: stdout belongs to the protocol
        DataOutputStream out = new DataOutputStream(new BufferedOutputStream(new FileOutputStream(FileDescriptor.out), 64 * 1024));
        DataInputStream in = new DataInputStream(new BufferedInputStream(new FileInputStream(FileDescriptor.in), 64 * 1024));
        System.setOut(new PrintStream(new FileOutputStream(FileDescriptor.err), true));
        System.setIn(InputStream.nullInputStream());

        long parentPid = Long.parseLong(args[0]);
        int maxResultBytes = Integer.parseInt(args[1]);
        watchParent(parentPid);
        ignoreGroupSignals();

        TaskInvoker invoker;
        try {
            invoker = load(maxResultBytes, List.of(args).subList(2, args.length));
        } catch (Throwable t) {
            System.err.println("amdahl process-pool child " + ProcessHandle.current().pid() + " cannot start: " + t);
            t.printStackTrace();
            System.exit(EXIT_BAD_START);
            return;
        }
        try {
            ChildProtocol.write(out, ChildProtocol.header(ChildProtocol.READY).put("pid", ProcessHandle.current().pid()), new byte[0]);
            serve(in, out, invoker);
        } catch (IOException e) {
            System.err.println("amdahl process-pool child " + ProcessHandle.current().pid() + ": protocol stream failed: " + e);
            System.exit(EXIT_PARENT_GONE);
        }
        System.exit(0);
    }

    private static TaskInvoker load(int maxResultBytes, List<String> catalogNames) throws ClassNotFoundException {
        List<Class<? extends TaskCatalog>> catalogs = new ArrayList<>();
        for (String name : catalogNames) {
            catalogs.add(Class.forName(name, true, ClassLoader.getSystemClassLoader()).asSubclass(TaskCatalog.class));
        }
        // never closed: its embedded broker holds nothing, and the JVM ends with the loop below
        Amdahl app = Amdahl.builder().maxResultBytes(maxResultBytes).build();
        catalogs.forEach(app::include);
        return ApplicationAccess.get().invoker(app);
    }

    private static void serve(DataInputStream in, DataOutputStream out, TaskInvoker invoker) throws IOException {
        Runner runner = new Runner(out, invoker);
        BlockingQueue<ChildProtocol.Frame> runs = new LinkedBlockingQueue<>();
        Thread reader = new Thread(() -> readFrames(in, runs, runner), "amdahl-child-reader");
        reader.setDaemon(true);
        reader.start();
        while (true) {
            ChildProtocol.Frame frame;
            try {
                frame = runs.take();
            } catch (InterruptedException e) {
                // nothing interrupts this thread between runs (see Runner); wait on
                continue;
            }
            if (frame == END) {
                return; // the parent closed our stdin: time to go
            }
            runner.run(frame);
        }
    }

    /** Marks the end of the parent's frames in the queue of runs. */
    private static final ChildProtocol.Frame END = new ChildProtocol.Frame(ChildProtocol.header("end"), new byte[0]);

    /**
     * The reader thread: runs go to the main thread in order; interrupts are acted on at once, which is
     * why reading is not the main thread's job (it is busy running the task they are meant for).
     */
    private static void readFrames(DataInputStream in, BlockingQueue<ChildProtocol.Frame> runs, Runner runner) {
        try {
            while (true) {
                ChildProtocol.Frame frame = ChildProtocol.read(in, Integer.MAX_VALUE - 64);
                if (frame == null) {
                    runs.add(END);
                    return;
                }
                switch (frame.op()) {
                    case ChildProtocol.RUN -> runs.add(frame);
                    case ChildProtocol.INTERRUPT -> runner.interrupt(frame.header().path("seq").asLong(-1));
                    default -> throw new ChildProtocol.ProtocolException("unexpected frame " + frame.header());
                }
            }
        } catch (IOException e) {
            System.err.println("amdahl process-pool child " + ProcessHandle.current().pid() + ": protocol stream failed: " + e);
            Runtime.getRuntime().halt(EXIT_PARENT_GONE);
        }
    }

    /**
     * Runs tasks on the main thread and writes their frames.
     *
     * <p>Its monitor guards {@code out} (the task's thread writes started, progress and outcome; threads
     * the task started may report progress too) and {@code current}, the run in progress. A progress
     * report or an interrupt acts only on the run it belongs to, checked under the monitor: so no
     * progress frame follows an outcome, and a late interrupt never reaches the next task.
     */
    private static final class Runner {
        private final DataOutputStream out;
        private final TaskInvoker invoker;
        private Run current;

        Runner(DataOutputStream out, TaskInvoker invoker) {
            this.out = out;
            this.invoker = invoker;
        }

        /** One run of a task: what an interrupt for it must reach. */
        private record Run(long seq, RunControl control, Thread thread) {
        }

        void run(ChildProtocol.Frame frame) throws IOException {
            int delivery = frame.header().path("delivery").asInt(1);
            long seq = frame.header().path("seq").asLong(-1);
            TaskMessage message;
            try {
                message = MessageCodec.trusted().read(frame.payload());
            } catch (MalformedMessageException e) {
                // cannot happen with our parent, which decoded the same bytes; still, never a silent loss
                Outcome outcome = Outcome.failure(TaskError.of(e), Instant.now(), Instant.now(), 0);
                synchronized (this) {
                    write(ChildProtocol.header(ChildProtocol.STARTED), new byte[0]);
                    writeOutcome(outcome);
                }
                return;
            }
            Run[] self = new Run[1];
            Run run = new Run(seq, new RunControl(p -> progress(self[0], p), () -> null), Thread.currentThread());
            self[0] = run;
            synchronized (this) {
                current = run;
                write(ChildProtocol.header(ChildProtocol.STARTED), new byte[0]);
            }
            Outcome outcome;
            try {
                outcome = invoker.invoke(message, delivery, run.control());
            } finally {
                synchronized (this) {
                    current = null;
                }
                Thread.interrupted(); // a soft-limit interrupt the task did not consume must not reach the next one
            }
            System.out.flush(); // the task's prints reach the log before its outcome reaches the parent
            synchronized (this) {
                writeOutcome(outcome);
            }
        }

        synchronized void interrupt(long seq) {
            if (current != null && current.seq() == seq) {
                current.control().softLimitReached(); // first, so the task sees why it was interrupted
                current.thread().interrupt();
            }
        }

        private synchronized void progress(Run run, Progress p) {
            if (current != run) {
                return; // a thread the task left behind, after its outcome: the parent reads the next run now
            }
            try {
                write(ChildProtocol.progressHeader(p), new byte[0]);
            } catch (IOException e) {
                throw new UncheckedIOException(e); // RunControl logs it; the parent is gone, the reader will notice
            }
        }

        /** Guarded by this. */
        private void writeOutcome(Outcome outcome) throws IOException {
            ChildProtocol.Frame f = ChildProtocol.outcomeFrame(outcome);
            write(f.header(), f.payload());
        }

        /** Guarded by this. */
        private void write(ObjectNode header, byte[] payload) throws IOException {
            ChildProtocol.write(out, header, payload);
        }
    }

    // sun.misc.Signal (module jdk.unsupported) by reflection: no compile-time tie to it, and a runtime
    // without it just keeps the default handlers
    private static void ignoreGroupSignals() {
        try {
            Class<?> signal = Class.forName("sun.misc.Signal");
            Class<?> handler = Class.forName("sun.misc.SignalHandler");
            Object ignore = handler.getField("SIG_IGN").get(null);
            var handle = signal.getMethod("handle", signal, handler);
            for (String name : List.of("INT", "TERM")) {
                handle.invoke(null, signal.getConstructor(String.class).newInstance(name), ignore);
            }
        } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
            System.err.println("amdahl process-pool child " + ProcessHandle.current().pid()
                    + ": cannot ignore SIGINT/SIGTERM (" + e + "); a Ctrl-C will kill running tasks");
        }
    }

    private static void watchParent(long parentPid) {
        Thread watcher = new Thread(() -> {
            while (true) {
                // once the parent is gone the child is re-parented (to init or a subreaper): its parent pid changes
                long now = ProcessHandle.current().parent().map(ProcessHandle::pid).orElse(-1L);
                if (now != parentPid) {
                    System.err.println("amdahl process-pool child " + ProcessHandle.current().pid() + ": parent " + parentPid
                            + " is gone; exiting");
                    Runtime.getRuntime().halt(EXIT_PARENT_GONE);
                }
                try {
                    Thread.sleep(1_000);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }, "amdahl-parent-watch");
        watcher.setDaemon(true);
        watcher.start();
    }
}
