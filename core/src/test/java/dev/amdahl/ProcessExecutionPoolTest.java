package dev.amdahl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.amdahl.internal.process.ProcessExecutionPool;
import dev.amdahl.internal.process.ProcessPoolChild;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * The process pool end to end: real child JVMs on the embedded broker. Every test ends with no child
 * process left alive. Outcomes are awaited on futures, and "the task is running now" is a socket
 * connection from the task ({@link ProcessPoolTasks#rendezvous}), never a sleep.
 */
class ProcessExecutionPoolTest extends ProcessPoolTestBase {

    @Test
    void childrenSeeTheTestClassPath() {
        // surefire may start its JVM from a manifest-only jar; the children still need the real class path
        assertThat(System.getProperty("java.class.path")).contains("test-classes");
    }

    @Test
    void resultsMatchTheThreadPoolsForABatch() {
        Task<Integer, ProcessPoolTasks.Collatz> collatz = app.task("p.collatz", Integer.class, ProcessPoolTasks.Collatz.class);
        List<Integer> xs = IntStream.rangeClosed(1, 200).boxed().toList();
        List<ProcessPoolTasks.Collatz> viaProcesses;
        try (Worker w = processes(2, 3)) {
            viaProcesses = collatz.map(xs).result(WAIT);
        }
        List<ProcessPoolTasks.Collatz> viaThreads;
        try (Worker w = app.startWorker(WorkerOptions.builder().concurrency(2).build())) {
            viaThreads = collatz.map(xs).result(WAIT);
        }
        assertThat(viaProcesses).hasSize(200).isEqualTo(viaThreads);
        assertThat(viaProcesses.get(26)).isEqualTo(new ProcessPoolTasks.Collatz(27, 111, 9232));
    }

    @Test
    void tasksRunInChildProcessesNotHere() {
        processes(2, 3);
        long here = ProcessHandle.current().pid();
        List<Long> pids = pid.map(List.of("a", "b", "c", "d")).result(WAIT);
        assertThat(pids).doesNotContain(here)
                .allSatisfy(p -> assertThat(ProcessHandle.of(p).flatMap(ProcessHandle::parent).map(ProcessHandle::pid)).hasValue(here));
    }

    @Test
    void aChildDecidesARetryAndTheParentSchedulesIt() {
        Task<String, Integer> retry = app.task("p.retry", String.class, Integer.class);
        processes(1, 3);

        assertThat(retry.submit("x").result(WAIT)).isEqualTo(2);
    }

    @Test
    void aTaskThatThrowsFailsWithTheRemoteErrorAndTheChildKeepsServing() {
        Task<String, String> boom = app.task("p.boom", String.class, String.class);
        processes(1, 3);
        long before = pid.submit("x").result(WAIT);

        TaskFuture<String> f = boom.submit("luck");

        assertThatThrownBy(() -> f.result(WAIT)).isInstanceOfSatisfying(TaskFailedException.class, e -> {
            assertThat(e.remoteType()).isEqualTo("java.lang.IllegalStateException");
            assertThat(e.remoteMessage()).isEqualTo("no luck");
            assertThat(e.remoteStackTrace()).contains("ProcessPoolTasks");
            assertThat(e.getMessage()).contains("p.boom", f.id());
        });
        assertThat(f.state()).isEqualTo(TaskState.FAILURE);
        assertThat(pid.submit("y").result(WAIT)).as("the same child serves on").isEqualTo(before);
    }

    @Test
    void aTaskThatCallsSystemExitIsRedeliveredThenFailsNamingTheExitCode() {
        Task<Integer, String> exit = app.task("p.exit", Integer.class, String.class);
        processes(1, 2);
        long first = pid.submit("x").result(WAIT);

        TaskFuture<String> f = exit.submit(3);

        assertThatThrownBy(() -> f.result(WAIT)).isInstanceOfSatisfying(TaskFailedException.class, e -> {
            assertThat(e.remoteType()).isEqualTo(ErrorType.WORKER_LOST.typeName());
            assertThat(e.remoteMessage()).contains("p.exit", f.id(), "delivered 2 times", "exited with code 3");
        });
        long replacement = pid.submit("y").result(WAIT);
        assertThat(replacement).as("a fresh child").isNotEqualTo(first);
    }

    @Test
    void aChildKilledWithSigkillMidTaskIsReplacedAndTheTaskCompletesOnTheFreshChild() throws Exception {
        processes(1, 3);
        long killed;
        try (ServerSocket server = listen()) {
            TaskFuture<Long> f = rendezvous.submit(server.getLocalPort());

            try (Socket first = server.accept()) {
                String[] hello = readLine(first).split(" ");
                killed = Long.parseLong(hello[0]);
                assertThat(hello[1]).as("delivery count").isEqualTo("1");
                assertThat(ProcessHandle.of(killed).orElseThrow().destroyForcibly()).isTrue();
            }
            try (Socket second = server.accept()) {
                String[] hello = readLine(second).split(" ");
                assertThat(Long.parseLong(hello[0])).as("a fresh child").isNotEqualTo(killed);
                assertThat(hello[1]).as("delivery count").isEqualTo("2");
                second.getOutputStream().write("return\n".getBytes(StandardCharsets.UTF_8));
                assertThat(f.result(WAIT)).isEqualTo(Long.parseLong(hello[0]));
            }
            assertThat(f.state()).isEqualTo(TaskState.SUCCESS);
        }
        assertThat(pid.submit("next").result(WAIT)).as("the worker keeps serving").isNotEqualTo(killed);
    }

    @Test
    void progressReportedInAChildReachesTheCaller() throws Exception {
        Task<Integer, Long> reporting = app.task("p.progress", Integer.class, Long.class);
        processes(1, 1);
        List<Progress> seen = new CopyOnWriteArrayList<>();
        CountDownLatch first = new CountDownLatch(1);
        CountDownLatch second = new CountDownLatch(2);
        try (ServerSocket server = listen()) {
            TaskFuture<Long> f = reporting.submit(server.getLocalPort()).onProgress(p -> {
                seen.add(p);
                first.countDown();
                second.countDown();
            });
            try (Socket s = server.accept()) {
                long child = Long.parseLong(readLine(s).split(" ")[0]);
                OutputStream toTask = s.getOutputStream();

                toTask.write("progress 0.25 copying cat.jpg\n".getBytes(StandardCharsets.UTF_8));
                toTask.flush();
                assertThat(first.await(WAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();
                assertThat(f.progress()).contains(new Progress(0.25, "copying cat.jpg"));
                assertThat(f.state()).isEqualTo(TaskState.STARTED);

                toTask.write("progress 0.75 resizing cat.jpg\n".getBytes(StandardCharsets.UTF_8));
                toTask.flush();
                assertThat(second.await(WAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();
                assertThat(f.progress()).contains(new Progress(0.75, "resizing cat.jpg"));

                toTask.write("return\n".getBytes(StandardCharsets.UTF_8));
                assertThat(f.result(WAIT)).isEqualTo(child);
            }
        }
        assertThat(seen).containsExactly(new Progress(0.25, "copying cat.jpg"), new Progress(0.75, "resizing cat.jpg"));
    }

    @Test
    void aChildIgnoresSigtermWhichIsTheParentsToHandle() throws Exception {
        processes(1, 1);
        try (ServerSocket server = listen()) {
            TaskFuture<Long> f = rendezvous.submit(server.getLocalPort());
            long child;
            try (Socket s = server.accept()) {
                child = Long.parseLong(readLine(s).split(" ")[0]);
                assertThat(ProcessHandle.of(child).orElseThrow().destroy()).as("SIGTERM sent").isTrue();
                s.getOutputStream().write("return\n".getBytes(StandardCharsets.UTF_8));
            }
            assertThat(f.result(WAIT)).isEqualTo(child);
            assertThat(pid.submit("after").result(WAIT)).as("the same child lives on").isEqualTo(child);
        }
    }

    @Test
    void aChildKilledWithSigkillOnEveryDeliveryFailsNamingTheSignal() throws Exception {
        processes(1, 1);
        try (ServerSocket server = listen()) {
            TaskFuture<Long> f = rendezvous.submit(server.getLocalPort());
            long killed;
            try (Socket s = server.accept()) {
                killed = Long.parseLong(readLine(s).split(" ")[0]);
                ProcessHandle.of(killed).orElseThrow().destroyForcibly();
            }
            assertThatThrownBy(() -> f.result(WAIT)).isInstanceOfSatisfying(TaskFailedException.class, e ->
                    assertThat(e.remoteMessage()).contains("p.rendezvous", f.id(), "child process " + killed,
                            "killed by SIGKILL (exit code 137)"));
        }
    }

    @Test
    void aChildThatRunsOutOfMemoryDiesAndSaysSo() {
        Task<Integer, String> oom = app.task("p.oom", Integer.class, String.class);
        processes(1, 1);

        TaskFuture<String> f = oom.submit(1);

        assertThatThrownBy(() -> f.result(WAIT)).isInstanceOfSatisfying(TaskFailedException.class, e ->
                assertThat(e.remoteMessage()).contains("p.oom", f.id(), "exited with code 3", "OutOfMemoryError"));
        assertThat(pid.submit("after").result(WAIT)).isPositive();
    }

    @Test
    void aChildKilledWhileIdleIsReplacedWithoutChargingTheNextTask() throws Exception {
        processes(1, 1);
        long idle = pid.submit("x").result(WAIT);
        ProcessHandle child = ProcessHandle.of(idle).orElseThrow();
        child.destroyForcibly();
        child.onExit().get(WAIT.toSeconds(), TimeUnit.SECONDS);

        // maxDeliveries is 1: had the death been charged to this task, it would fail
        assertThat(pid.submit("y").result(WAIT)).isNotEqualTo(idle);
    }

    @Test
    void aTaskPrintingToSystemOutDoesNotBreakTheProtocol() {
        Task<String, String> print = app.task("p.print", String.class, String.class);
        processes(1, 1);
        long before = pid.submit("x").result(WAIT);

        assertThat(print.submit("hello").result(WAIT)).isEqualTo("HELLO");
        assertThat(print.submit("again").result(WAIT)).isEqualTo("AGAIN");
        assertThat(pid.submit("y").result(WAIT)).as("the same child serves on").isEqualTo(before);
    }

    @Test
    void anUnknownTaskNameFailsNamingTheTask() {
        Task<String, String> nowhere = app.task("p.nowhere", String.class, String.class);
        processes(1, 1);

        TaskFuture<String> f = nowhere.submit("x");

        assertThatThrownBy(() -> f.result(WAIT)).isInstanceOfSatisfying(TaskFailedException.class, e ->
                assertThat(e.remoteMessage()).contains("p.nowhere", f.id(), "not registered"));
        assertThat(pid.submit("y").result(WAIT)).isPositive();
    }

    @Test
    void aTaskRegisteredOutsideACatalogMakesStartWorkerRefuse() {
        app.task("loose.one", String.class, String.class, s -> s);
        app.task("loose.two", String.class, String.class, s -> s);

        assertThatThrownBy(() -> processes(1, 1)).isInstanceOf(AmdahlException.class)
                .hasMessageContaining("[loose.one, loose.two]")
                .hasMessageContaining("TaskCatalog")
                .hasMessageContaining("Amdahl.builder().include(");
    }

    @Test
    void aChildThatCannotStartFailsStartWorkerWithItsStderr() {
        app.include(ProcessPoolTasks.BrokenInChild.class);
        System.setProperty(ProcessExecutionPool.JVM_OPTIONS_PROPERTY, "-Damdahl.test.brokenCatalog=yes");
        try {
            assertThatThrownBy(() -> processes(2, 1)).isInstanceOf(AmdahlException.class)
                    .hasMessageContaining("could not start")
                    .hasMessageContaining("exited with code " + ProcessPoolChild.EXIT_BAD_START)
                    .hasMessageContaining("catalog broken in this child on purpose");
        } finally {
            System.clearProperty(ProcessExecutionPool.JVM_OPTIONS_PROPERTY);
        }
    }

    @Test
    void gracefulShutdownRequeuesWhatItHoldsAndLeavesNoChildren() throws Exception {
        Worker first = app.startWorker(WorkerOptions.builder().pool(Pool.PROCESSES).concurrency(1)
                .shutdownGrace(Duration.ofMillis(300)).build());
        try (ServerSocket server = listen()) {
            TaskFuture<Long> running = rendezvous.submit(server.getLocalPort());
            try (Socket s = server.accept()) {
                assertThat(readLine(s)).endsWith(" 1"); // running in a child, and never told to return
                List<TaskFuture<Long>> queued = IntStream.range(0, 3).mapToObj(i -> pid.submit("q" + i)).toList();

                first.close();

                assertThat(ProcessHandle.current().descendants().filter(ProcessHandle::isAlive).toList()).isEmpty();
                assertThat(running.isDone()).isFalse();
                assertThat(queued).noneMatch(TaskFuture::isDone);

                // a second worker on the same embedded broker finishes everything the first gave back
                app.startWorker(WorkerOptions.builder().concurrency(2).build());
                try (Socket again = server.accept()) {
                    assertThat(readLine(again)).endsWith(" 2");
                    again.getOutputStream().write("return\n".getBytes(StandardCharsets.UTF_8));
                }
                long here = ProcessHandle.current().pid();
                assertThat(running.result(WAIT)).isEqualTo(here);
                for (TaskFuture<Long> q : queued) {
                    assertThat(q.result(WAIT)).isEqualTo(here);
                }
            }
        }
    }

    @Test
    void childrenExitWhenTheirParentIsKilled() throws Exception {
        try (ServerSocket server = listen()) {
            Process parent = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-XX:+UseSerialGC", "-cp", System.getProperty("java.class.path"), ProcessPoolParentMain.class.getName(),
                    Integer.toString(server.getLocalPort()))
                    .redirectError(ProcessBuilder.Redirect.DISCARD).start();
            try {
                String line = new BufferedReader(new InputStreamReader(parent.getInputStream(), StandardCharsets.UTF_8)).readLine();
                assertThat(line).startsWith("children ");
                List<ProcessHandle> children = Arrays.stream(line.substring(9).split(" "))
                        .map(p -> ProcessHandle.of(Long.parseLong(p)).orElseThrow()).toList();
                assertThat(children).hasSize(2);
                try (Socket busy = server.accept()) {
                    // one child is inside a task (not reading stdin), the other idle
                    long busyPid = Long.parseLong(readLine(busy).split(" ")[0]);
                    assertThat(children).extracting(ProcessHandle::pid).contains(busyPid);

                    parent.destroyForcibly().waitFor();

                    for (ProcessHandle child : children) {
                        child.onExit().get(WAIT.toSeconds(), TimeUnit.SECONDS);
                    }
                }
                assertThat(children).noneMatch(ProcessHandle::isAlive);
            } finally {
                parent.destroyForcibly();
            }
        }
    }

    static ServerSocket listen() throws IOException {
        ServerSocket server = new ServerSocket(0, 10, InetAddress.getLoopbackAddress());
        server.setSoTimeout((int) WAIT.toMillis());
        return server;
    }

    static String readLine(Socket s) throws IOException {
        s.setSoTimeout((int) WAIT.toMillis());
        return new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8)).readLine();
    }
}
