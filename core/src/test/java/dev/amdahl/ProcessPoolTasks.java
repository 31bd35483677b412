package dev.amdahl;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * Tasks for the process-pool tests. A catalog, so the children register them too; test classes are on
 * the children's class path because surefire's {@code java.class.path} is the test class path.
 */
public final class ProcessPoolTasks implements TaskCatalog {

    /** A result type with structure, to compare pools field by field. */
    public record Collatz(int start, int steps, long peak) {
    }

    @Override
    public void register(Amdahl app) {
        app.task("p.collatz", Integer.class, Collatz.class, ProcessPoolTasks::collatz);
        app.task("p.pid", String.class, Long.class, s -> ProcessHandle.current().pid());
        app.task("p.noop", String.class, String.class, s -> s);
        app.task("p.collatzSum", Integer.class, Long.class, n -> {
            long sum = 0;
            for (int i = 1; i <= n; i++) {
                sum += collatz(i).steps();
            }
            return sum;
        });
        app.task("p.boom", String.class, String.class, s -> {
            throw new IllegalStateException("no " + s);
        });
        app.task("p.exit", Integer.class, String.class, code -> {
            System.exit(code);
            return "unreachable";
        });
        app.task("p.oom", Integer.class, String.class, n -> "allocated " + new long[Integer.MAX_VALUE - 16].length);
        app.task("p.print", String.class, String.class, s -> {
            // more than a pipe buffer, no trailing newline, and text that looks like nothing in particular
            String line = "printing " + s + " to System.out ".repeat(20);
            for (int i = 0; i < 2_000; i++) {
                System.out.println(line);
            }
            System.out.print("AMD\u0001 no newline");
            System.err.println(" and some stderr");
            return s.toUpperCase();
        });
        app.task("p.rendezvous", Integer.class, Long.class, ProcessPoolTasks::rendezvous);
        app.task("p.progress", Integer.class, Long.class, ProcessPoolTasks::reportProgress);
        app.task("p.spin", Integer.class, String.class, port -> {
            hello(port);
            long spins = 0;
            while (true) {   // a CPU loop: never blocks, never looks at its interrupt or its soft limit
                spins++;
            }
        });
        app.task("p.checkSoftLimit", String.class, String.class, s -> {
            long spins = 0;
            while (true) {   // a CPU loop that never blocks, but looks at its soft limit
                TaskContext.current().checkSoftTimeLimit();
                spins++;
            }
        });
        app.task("p.partial", Integer.class, String.class, steps -> {
            int done = 0;
            try {
                while (done < steps) {
                    Thread.sleep(10);
                    done++;
                }
                return "done " + done;
            } catch (InterruptedException e) {
                return "partial " + done + ", softTimeLimitExceeded=" + TaskContext.current().softTimeLimitExceeded();
            }
        });
        app.task("p.retry", String.class, Integer.class, s -> {
            if (TaskContext.current().retries() < 2) {
                throw TaskContext.current().retry(new IllegalStateException("not yet"), java.time.Duration.ofMillis(10));
            }
            return TaskContext.current().retries();
        });
    }

    static Collatz collatz(int start) {
        long n = start;
        long peak = n;
        int steps = 0;
        while (n != 1) {
            n = (n % 2 == 0) ? n / 2 : 3 * n + 1;
            peak = Math.max(peak, n);
            steps++;
        }
        return new Collatz(start, steps, peak);
    }

    /**
     * Connects to the test on {@code port}, tells it "pid deliveryCount", and does what the test answers:
     * {@code return} (returns the pid) or {@code exit N}. Until the answer, the task is provably running.
     */
    static long rendezvous(int port) {
        long pid = ProcessHandle.current().pid();
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
            OutputStream out = s.getOutputStream();
            out.write((pid + " " + TaskContext.current().deliveryCount() + "\n").getBytes(StandardCharsets.UTF_8));
            out.flush();
            String command = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8)).readLine();
            if (command != null && command.startsWith("exit ")) {
                System.exit(Integer.parseInt(command.substring(5)));
            }
            return pid;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Connects to the test on {@code port}, tells it "pid deliveryCount" and hangs up. */
    static void hello(int port) {
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
            s.getOutputStream().write((ProcessHandle.current().pid() + " " + TaskContext.current().deliveryCount() + "\n")
                    .getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Connects to the test on {@code port}, tells it "pid deliveryCount", then does what it is told line by
     * line: {@code progress <fraction> <message>} reports progress, {@code return} returns the pid.
     */
    static long reportProgress(int port) {
        long pid = ProcessHandle.current().pid();
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
            OutputStream out = s.getOutputStream();
            out.write((pid + " " + TaskContext.current().deliveryCount() + "\n").getBytes(StandardCharsets.UTF_8));
            out.flush();
            BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
            String command;
            while ((command = in.readLine()) != null && command.startsWith("progress ")) {
                String[] words = command.split(" ", 3);
                TaskContext.current().progress(Double.parseDouble(words[1]), words[2]);
            }
            return pid;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A catalog that cannot load in a child started with {@code -Damdahl.test.brokenCatalog}. */
    public static final class BrokenInChild implements TaskCatalog {
        @Override
        public void register(Amdahl app) {
            if (System.getProperty("amdahl.test.brokenCatalog") != null) {
                throw new IllegalStateException("catalog broken in this child on purpose");
            }
            app.task("p.fine", String.class, String.class, s -> s);
        }
    }
}
