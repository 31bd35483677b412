package dev.amdahl.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 3, unit = TimeUnit.MINUTES)
class DemoFetchCommandTest {

    /** A row of the table: pool, wall time, tasks per second, peak memory, peak threads. */
    private static Pattern row(String pool) {
        return Pattern.compile("(?m)^  " + pool + "\\s+\\d+\\.\\d{3} s\\s+\\d+\\.\\d\\s+\\d+\\.\\d MiB\\s+\\d+$");
    }

    @Test
    void theTableListsEveryPoolThisJvmHas() {
        Cli.Result r = Cli.run("demo", "fetch", "--tasks", "12", "--concurrency", "2", "--latency", "20ms", "--bytes", "100");

        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(r.out()).containsPattern("I/O-bound fetches, 12 downloads from http://127\\.0\\.0\\.1:\\d+/, which answers each after 20 ms")
                .containsPattern(row("threads")).containsPattern(row("processes"))
                .contains("waiting alone: 12 x 20 ms at 2 at once = 0.120 s whatever the cores (one at a time: 0.240 s");
        if (Runtime.version().feature() >= 21) {
            assertThat(r.out()).containsPattern(row("virtual")).doesNotContain("no virtual-thread pool");
        } else {
            assertThat(r.out()).doesNotContainPattern("(?m)^  virtual ")
                    .contains("no virtual-thread pool: this is Java " + Runtime.version().feature() + ", and virtual threads need Java 21 or newer");
        }
        assertThat(r.out().indexOf("  threads ")).as("in the order threads, virtual, processes").isLessThan(r.out().indexOf("  processes "));
    }

    @Test
    void askingForVirtualThreadsOnAnOlderJavaIsAUsageErrorSayingWhatToRunInstead() {
        assumeThat(Runtime.version().feature()).as("a runtime without virtual threads").isLessThan(21);

        Cli.Result r = Cli.run("demo", "fetch", "--pools", "virtual", "--tasks", "2");

        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err()).contains("virtual threads need Java 21 or newer").contains("leave virtual out of --pools").doesNotContain("\tat ");
    }

    @Test
    void onASharedBrokerWithoutPoolsGivenItLeavesTheDownloadsToWorkersElsewhere() throws Exception {
        String broker = InProcessSharedProvider.SCHEME + "://fetch-elsewhere";
        picocli.CommandLine workerLine = new picocli.CommandLine(new AmdahlCommand());
        WorkerCommand command = workerLine.getSubcommands().get("worker").getCommand();
        CompletableFuture<Cli.Result> running = CompletableFuture.supplyAsync(
                () -> Cli.run(workerLine, "worker", "--broker", broker, "--concurrency", "4"));
        try {
            Cli.Result r = Cli.run("demo", "fetch", "--broker", broker, "--tasks", "8", "--latency", "10ms");

            assertThat(r.exitCode()).as(r.toString()).isZero();
            assertThat(r.out()).contains("served by workers elsewhere on this machine")
                    .containsPattern("(?m)^  elsewhere\\s+\\d+\\.\\d{3} s\\s+\\d+\\.\\d\\s+-\\s+-$")
                    .contains("waiting alone: 8 x 10 ms = 0.080 s one at a time");
        } finally {
            command.started.get(30, TimeUnit.SECONDS).close();
        }
        Cli.Result worker = running.get(30, TimeUnit.SECONDS);
        assertThat(worker.exitCode()).as(worker.toString()).isZero();
        assertThat(worker.out()).contains("stopped after 16 task(s)"); // the warm-up's 8 and the timed run's 8
    }

    @Test
    void badValuesAreUsageErrors() {
        Cli.Result concurrency = Cli.run("demo", "fetch", "--concurrency", "0");
        Cli.Result latency = Cli.run("demo", "fetch", "--latency", "2m");
        Cli.Result pool = Cli.run("demo", "fetch", "--pools", "threads,fibers");

        assertThat(concurrency.exitCode()).isEqualTo(2);
        assertThat(concurrency.err()).contains("run 1 to 10000 tasks at once");
        assertThat(latency.exitCode()).isEqualTo(2);
        assertThat(latency.err()).contains("a response latency is 0 to 60 s");
        assertThat(pool.exitCode()).isEqualTo(2);
        assertThat(pool.err()).contains("choose threads, virtual or processes");
    }
}
