package dev.amdahl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.amdahl.spi.TaskRecord;
import dev.amdahl.testkit.Await;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Revoking tasks before they start, while they are held, and while they run, on threads and processes. */
class RevokeTest {

    private static final Duration WAIT = Duration.ofSeconds(30);

    private final Amdahl app = Amdahl.builder().build();
    private final AtomicInteger runs = new AtomicInteger();
    private final Task<String, String> count = app.task("r.count", String.class, String.class, s -> {
        runs.incrementAndGet();
        return s;
    });
    private final CountDownLatch started = new CountDownLatch(1);
    private final CountDownLatch release = new CountDownLatch(1);
    private final AtomicBoolean interrupted = new AtomicBoolean();
    private final AtomicBoolean finished = new AtomicBoolean();
    /** Signals that it started, then waits to be released (or interrupted). */
    private final Task<String, String> gate = app.task("r.gate", String.class, String.class, s -> {
        started.countDown();
        try {
            release.await();
            finished.set(true);
            return s;
        } catch (InterruptedException e) {
            interrupted.set(true);
            throw e;
        }
    });

    @AfterEach
    void close() {
        release.countDown();
        app.close();
        assertThat(ProcessHandle.current().descendants().filter(ProcessHandle::isAlive).map(ProcessHandle::pid)).isEmpty();
    }

    private Worker threads(int concurrency) {
        return app.startWorker(WorkerOptions.builder().concurrency(concurrency).prefetch(concurrency + 4).build());
    }

    private TaskRecord record(String id) {
        return app.resultBackend().get(id).orElseThrow();
    }

    /** Waits for a condition the worker reaches on its own threads (never a fixed sleep). */
    private static void await(String what, BooleanSupplier condition) {
        Await.until(WAIT, what, condition);
    }

    @Test
    void aTaskRevokedBeforeAnyWorkerTookItNeverRunsEvenOnAWorkerStartedLater() throws Exception {
        TaskFuture<String> victim = count.submit("victim");
        assertThat(victim.cancel(false)).isTrue();
        assertThat(victim.isCancelled()).isTrue();
        assertThatThrownBy(victim::get).isInstanceOf(CancellationException.class).hasMessageContaining(victim.id());

        Worker worker = threads(1);
        assertThat(count.submit("after").get(WAIT.toSeconds(), TimeUnit.SECONDS)).isEqualTo("after");
        await("the revoked message to be acknowledged", () -> app.broker().depth(WorkerOptions.DEFAULT_QUEUE) == 0
                && worker.completedCount() >= 1);
        assertThat(runs.get()).isEqualTo(1);
        assertThat(record(victim.id()).state()).isEqualTo(TaskState.REVOKED);
    }

    @Test
    void aTaskHeldInTheWorkersPrefetchButNotStartedIsNotRun() throws Exception {
        threads(1);
        TaskFuture<String> blocker = gate.submit("blocker");
        assertThat(started.await(WAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();
        TaskFuture<String> victim = count.submit("victim");
        await("the worker to take the victim into its prefetch", () -> app.broker().depth(WorkerOptions.DEFAULT_QUEUE) == 0);

        app.revoke(victim.id());
        release.countDown();

        assertThat(blocker.get(WAIT.toSeconds(), TimeUnit.SECONDS)).isEqualTo("blocker");
        assertThat(count.submit("after").get(WAIT.toSeconds(), TimeUnit.SECONDS)).isEqualTo("after");
        assertThat(runs.get()).as("only 'after' ran").isEqualTo(1);
        assertThat(victim.isCancelled()).isTrue();
        assertThat(record(victim.id()).state()).isEqualTo(TaskState.REVOKED);
    }

    @Test
    void terminateInterruptsARunningTaskOnTheThreadPool() throws Exception {
        Worker worker = threads(2);
        TaskFuture<String> running = gate.submit("x");
        assertThat(started.await(WAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();

        assertThat(running.cancel(true)).isTrue();

        assertThatThrownBy(() -> running.get(WAIT.toSeconds(), TimeUnit.SECONDS)).isInstanceOf(CancellationException.class);
        await("the task to be interrupted and its message settled", () -> interrupted.get() && worker.completedCount() == 1);
        assertThat(finished).isFalse();
        assertThat(record(running.id()).state()).isEqualTo(TaskState.REVOKED);
        assertThat(record(running.id()).error().type()).isEqualTo("dev.amdahl.Terminated");
    }

    @Test
    void terminateKeepsTheThreadPoolAtFullConcurrencyEvenWhenTheTaskIgnoresTheInterrupt() throws Exception {
        CountDownLatch stubbornStarted = new CountDownLatch(1);
        CountDownLatch stubbornMayReturn = new CountDownLatch(1);
        Task<String, String> stubborn = app.task("r.stubborn", String.class, String.class, s -> {
            stubbornStarted.countDown();
            while (true) {
                try {
                    if (stubbornMayReturn.await(WAIT.toSeconds(), TimeUnit.SECONDS)) {
                        return s;
                    }
                } catch (InterruptedException ignored) {
                    // a task that will not be stopped
                }
            }
        });
        CyclicBarrier bothAtOnce = new CyclicBarrier(2);
        Task<String, String> together = app.task("r.together", String.class, String.class, s -> {
            bothAtOnce.await(WAIT.toSeconds(), TimeUnit.SECONDS);
            return s;
        });
        Worker worker = threads(2);
        TaskFuture<String> stuck = stubborn.submit("x");
        assertThat(stubbornStarted.await(WAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();

        app.terminate(stuck.id());
        await("the revoked task's message to be settled", () -> worker.completedCount() == 1);

        // the stubborn thread still runs, yet two tasks can run at the same time
        TaskFuture<String> a = together.submit("a");
        TaskFuture<String> b = together.submit("b");
        assertThat(a.get(WAIT.toSeconds(), TimeUnit.SECONDS) + b.get(WAIT.toSeconds(), TimeUnit.SECONDS)).isEqualTo("ab");
        stubbornMayReturn.countDown();
        assertThat(record(stuck.id()).state()).isEqualTo(TaskState.REVOKED);
    }

    @Test
    void withoutTerminateARunningTaskFinishesButItsRecordStaysRevoked() throws Exception {
        Worker worker = threads(1);
        TaskFuture<String> running = gate.submit("x");
        assertThat(started.await(WAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();

        app.revoke(running.id());
        assertThat(running.isCancelled()).isTrue();
        release.countDown();

        await("the task to finish and its message to be settled", () -> finished.get() && worker.completedCount() == 1);
        assertThat(interrupted).isFalse();
        assertThat(record(running.id()).state()).isEqualTo(TaskState.REVOKED);
        assertThat(record(running.id()).result()).isNull();
    }

    @Test
    void revokingAnEndedTaskChangesNothing() throws Exception {
        threads(1);
        TaskFuture<String> done = count.submit("done");
        assertThat(done.get(WAIT.toSeconds(), TimeUnit.SECONDS)).isEqualTo("done");

        app.terminate(done.id());

        assertThat(done.cancel(true)).isFalse();
        assertThat(record(done.id()).state()).isEqualTo(TaskState.SUCCESS);
    }

    @Test
    void terminateKillsTheChildProcessRunningTheTaskAndReplacesIt() throws Exception {
        // its own application: the process pool runs only tasks of catalogs, and this class's app has others
        try (Amdahl processes = Amdahl.builder().include(ProcessPoolTasks.class).build();
             ServerSocket server = new ServerSocket(0, 10, InetAddress.getLoopbackAddress())) {
            server.setSoTimeout((int) WAIT.toMillis());
            Task<Integer, Long> meet = processes.task("p.rendezvous", Integer.class, Long.class);
            Task<String, Long> whoRuns = processes.task("p.pid", String.class, Long.class);
            Worker worker = processes.startWorker(WorkerOptions.builder().pool(Pool.PROCESSES).concurrency(1)
                    .shutdownGrace(Duration.ofSeconds(5)).build());
            TaskFuture<Long> running = meet.submit(server.getLocalPort());
            long child;
            try (Socket s = server.accept()) {
                child = Long.parseLong(readLine(s).split(" ")[0]);

                processes.terminate(running.id());

                // gone already (no handle) or gone within the wait: either way not alive
                ProcessHandle.of(child).ifPresent(p -> p.onExit().orTimeout(WAIT.toSeconds(), TimeUnit.SECONDS).join());
                assertThat(ProcessHandle.of(child).map(ProcessHandle::isAlive)).isNotEqualTo(java.util.Optional.of(true));
            }
            assertThatThrownBy(() -> running.get(WAIT.toSeconds(), TimeUnit.SECONDS)).isInstanceOf(CancellationException.class);
            assertThat(whoRuns.submit("next").get(WAIT.toSeconds(), TimeUnit.SECONDS)).isNotEqualTo(child);
            await("the revoked message to be settled", () -> worker.completedCount() == 2);
            assertThat(processes.resultBackend().get(running.id()).orElseThrow().state()).isEqualTo(TaskState.REVOKED);
        }
    }

    @Test
    void withoutARevocationFeedTheWorkerWatchesEachTaskItHolds() throws Exception {
        PlainBackend noFeed = new PlainBackend();   // no RevocationFeed capability
        CountDownLatch running = new CountDownLatch(1);
        AtomicBoolean stopped = new AtomicBoolean();
        try (Amdahl watched = Amdahl.builder().resultBackend(noFeed).build()) {
            Task<String, String> wait = watched.task("r.wait", String.class, String.class, s -> {
                running.countDown();
                try {
                    new CountDownLatch(1).await();
                } catch (InterruptedException e) {
                    stopped.set(true);
                }
                return s;
            });
            Worker worker = watched.startWorker(WorkerOptions.builder().concurrency(1).build());
            TaskFuture<String> f = wait.submit("x");
            assertThat(running.await(WAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();

            f.cancel(true);

            await("the task to be stopped and settled", () -> stopped.get() && worker.completedCount() == 1);
            assertThat(noFeed.get(f.id()).orElseThrow().state()).isEqualTo(TaskState.REVOKED);
        }
    }

    @Test
    void onACompleteRevocationFeedTheWorkerStillReadsFirstDeliveriesRecordsAndSkipsARevokedTask() throws Exception {
        // a first delivery may reuse a finished task's id, so its record is read even when the feed is complete
        List<String> read = revokeOneRunTwo(true);
        assertThat(read).as("ids whose records the worker read").hasSize(3);
    }

    @Test
    void whenTheFeedMayHaveMissedRevocationsTheWorkerReadsEveryBatchsRecords() throws Exception {
        List<String> read = revokeOneRunTwo(false);
        assertThat(read).as("ids whose records the worker read").hasSize(3);
    }

    /**
     * Revokes a queued task, then starts a worker that takes it and two others, on a memory backend whose
     * feed reports itself complete or not; returns the ids whose records the worker read before running.
     */
    private List<String> revokeOneRunTwo(boolean feedComplete) throws Exception {
        dev.amdahl.spi.ResultBackend memory = new dev.amdahl.internal.memory.MemoryResultBackend();
        List<String> read = new java.util.concurrent.CopyOnWriteArrayList<>();
        dev.amdahl.spi.ResultBackend backend = (dev.amdahl.spi.ResultBackend) java.lang.reflect.Proxy.newProxyInstance(getClass().getClassLoader(),
                new Class<?>[]{dev.amdahl.spi.ResultBackend.class, dev.amdahl.spi.RevocationFeed.class}, (proxy, method, args) -> {
                    if (method.getName().equals("capability")) {   // the proxy's own, so revocationFeedComplete comes here
                        return ((Class<?>) args[0]).isInstance(proxy) ? java.util.Optional.of(proxy) : java.util.Optional.empty();
                    }
                    if (method.getName().equals("revocationFeedComplete")) {
                        return feedComplete;
                    }
                    if (method.getName().equals("getAll")) {
                        ((java.util.Collection<?>) args[0]).forEach(id -> read.add((String) id));
                    }
                    try {
                        return method.invoke(memory, args);
                    } catch (java.lang.reflect.InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
        AtomicInteger ran = new AtomicInteger();
        try (Amdahl client = Amdahl.builder().resultBackend(backend).build()) {
            Task<String, String> echo = client.task("r.echo", String.class, String.class, x -> {
                ran.incrementAndGet();
                return x;
            });
            TaskFuture<String> victim = echo.submit("victim");
            client.revoke(victim.id());
            TaskFuture<String> a = echo.submit("a");
            TaskFuture<String> b = echo.submit("b");

            client.startWorker(WorkerOptions.builder().concurrency(1).build());

            assertThat(a.get(WAIT.toSeconds(), TimeUnit.SECONDS)).isEqualTo("a");
            assertThat(b.get(WAIT.toSeconds(), TimeUnit.SECONDS)).isEqualTo("b");
            // the victim was published first: the worker decided on it before it ran the other two
            assertThat(ran).as("the revoked task did not run").hasValue(2);
            assertThat(memory.get(victim.id()).orElseThrow().state()).isEqualTo(TaskState.REVOKED);
        }
        return read;
    }

    private static String readLine(Socket s) throws IOException {
        s.setSoTimeout((int) WAIT.toMillis());
        return new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8)).readLine();
    }
}
