package dev.amdahl;

import static dev.amdahl.ProcessExecutionPoolTest.listen;
import static dev.amdahl.ProcessExecutionPoolTest.readLine;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Soft and hard time limits on the process pool: the hard limit kills the child and a fresh one takes
 * its slot; the soft limit reaches the task inside its child. Every test ends with no child process
 * left alive; "the task is running now" is a socket connection from the task, never a sleep.
 */
class ProcessPoolTimeLimitTest extends ProcessPoolTestBase {

    private static SubmitOptions limits(Duration soft, Duration hard) {
        return SubmitOptions.builder().softTimeLimit(soft).hardTimeLimit(hard).build();
    }

    @Test
    void theHardLimitKillsTheChildInACpuLoopAndAFreshChildKeepsTheConcurrency() throws Exception {
        Task<Integer, String> spin = app.task("p.spin", Integer.class, String.class)
                // long enough for a child on a busy machine to call back with its pid before the limit kills it
                .withOptions(SubmitOptions.builder().hardTimeLimit(Duration.ofSeconds(2)).build());
        processes(2, 1);
        try (ServerSocket server = listen()) {
            TaskFuture<String> f = spin.submit(server.getLocalPort());
            long spinner;
            try (Socket s = server.accept()) {
                spinner = Long.parseLong(readLine(s).split(" ")[0]);
            }
            Optional<ProcessHandle> spinning = ProcessHandle.of(spinner);

            assertThatThrownBy(() -> f.result(WAIT)).isInstanceOfSatisfying(TaskFailedException.class, e -> {
                assertThat(e.remoteType()).isEqualTo("dev.amdahl.TimeLimitExceeded");
                assertThat(e.remoteMessage()).contains("p.spin", f.id(), "exceeded its hard time limit of PT2S");
            });
            assertThat(f.state()).isEqualTo(TaskState.FAILURE);
            if (spinning.isPresent()) {
                spinning.get().onExit().get(WAIT.toSeconds(), TimeUnit.SECONDS); // killed, not left spinning
            }

            // two tasks at once, each holding its child until both have said hello: both slots serve
            TaskFuture<Long> a = rendezvous.submit(server.getLocalPort());
            TaskFuture<Long> b = rendezvous.submit(server.getLocalPort());
            try (Socket first = server.accept(); Socket second = server.accept()) {
                long one = Long.parseLong(readLine(first).split(" ")[0]);
                long two = Long.parseLong(readLine(second).split(" ")[0]);
                assertThat(List.of(one, two)).doesNotHaveDuplicates().doesNotContain(spinner);
                first.getOutputStream().write("return\n".getBytes(StandardCharsets.UTF_8));
                second.getOutputStream().write("return\n".getBytes(StandardCharsets.UTF_8));
            }
            assertThat(List.of(a.result(WAIT), b.result(WAIT))).doesNotContain(spinner);
            assertThat(app.resultBackend().get(f.id()).orElseThrow().state()).isEqualTo(TaskState.FAILURE);
        }
    }

    @Test
    void theSoftLimitInterruptsTheTaskInItsChildWhichReturnsWhatItHas() {
        Task<Integer, String> partial = app.task("p.partial", Integer.class, String.class);
        processes(1, 1);
        long child = pid.submit("x").result(WAIT);

        String result = partial.withOptions(limits(Duration.ofMillis(300), Duration.ofSeconds(30))).submit(1_000_000).result(WAIT);

        assertThat(result).startsWith("partial ").endsWith("softTimeLimitExceeded=true");
        // the child lives on, and its next task is not hit by the interrupt meant for the last one
        assertThat(partial.withOptions(limits(Duration.ofSeconds(30), Duration.ofSeconds(60))).submit(20).result(WAIT))
                .isEqualTo("done 20");
        assertThat(pid.submit("y").result(WAIT)).isEqualTo(child);
    }

    @Test
    void aCpuLoopInAChildSeesItsSoftLimitWhenItChecksIt() {
        Task<String, String> loop = app.task("p.checkSoftLimit", String.class, String.class)
                .withOptions(limits(Duration.ofMillis(300), Duration.ofSeconds(30)));
        processes(1, 1);
        long child = pid.submit("x").result(WAIT);

        TaskFuture<String> f = loop.submit("x");

        assertThatThrownBy(() -> f.result(WAIT)).isInstanceOfSatisfying(TaskFailedException.class, e -> {
            assertThat(e.remoteType()).isEqualTo("dev.amdahl.SoftTimeLimitExceeded");
            assertThat(e.remoteMessage()).contains("soft time limit of PT0.3S");
        });
        assertThat(pid.submit("y").result(WAIT)).as("no kill at the soft limit").isEqualTo(child);
    }
}
