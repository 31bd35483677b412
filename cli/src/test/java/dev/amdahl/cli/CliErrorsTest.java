package dev.amdahl.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import picocli.CommandLine;

/**
 * Issue 13, item 10, tried as a new user would: a failed task is reported once, naming the fields that are wrong;
 * errors speak in the command's flags, never the builder's methods; no stack traces.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class CliErrorsTest {

    private static int count(String text, String part) {
        Matcher m = Pattern.compile(Pattern.quote(part)).matcher(text);
        int n = 0;
        while (m.find()) {
            n++;
        }
        return n;
    }

    @Test
    void aTaskWithAMisspeltFieldFailsOnceNamingTheFields() throws Exception {
        String broker = InProcessSharedProvider.SCHEME + "://cli-errors-fields";
        CommandLine workerLine = new CommandLine(new AmdahlCommand());
        WorkerCommand command = workerLine.getSubcommands().get("worker").getCommand();
        CompletableFuture<Cli.Result> worker = CompletableFuture.supplyAsync(
                () -> Cli.run(workerLine, "worker", "--broker", broker, "--concurrency", "1"));
        Cli.Result submitted;
        Cli.Result fetched;
        try {
            command.started.get(30, TimeUnit.SECONDS);
            submitted = Cli.run("submit", "--broker", broker, "--wait", "30s", "montecarlo.pi", "{\"sampls\": 10}");
            String id = submitted.out().strip();
            fetched = Cli.run("result", "--broker", broker, id);
        } finally {
            command.started.get(30, TimeUnit.SECONDS).close();
        }
        worker.get(30, TimeUnit.SECONDS);

        String id = submitted.out().strip();
        String expected = "task 'montecarlo.pi' (id " + id + ") failed: its argument does not decode into"
                + " dev.amdahl.examples.PiChunk: unknown field 'sampls'; missing fields 'seed', 'samples' (its fields: seed, samples)";
        assertThat(submitted.exitCode()).as(submitted.toString()).isEqualTo(1);
        assertThat(submitted.err().strip()).isEqualTo(expected);
        assertThat(count(submitted.err(), "failed")).isEqualTo(1);
        assertThat(submitted.err()).doesNotContain("AmdahlException", "Feature", "Creator", "\tat ");
        assertThat(fetched.exitCode()).as(fetched.toString()).isEqualTo(1);
        assertThat(fetched.err().strip()).isEqualTo(expected);
    }

    @Test
    void aFailureLineNamesTheTaskOnce() {
        assertThat(CliCommand.failureLine("t.x", "id-1", "failed", "dev.amdahl.AmdahlException",
                "task 't.x' (id id-1) is not registered in this worker; it knows [a]"))
                .isEqualTo("task 't.x' (id id-1) failed: is not registered in this worker; it knows [a]");
        assertThat(CliCommand.failureLine("t.x", "id-1", "failed", "java.lang.IllegalStateException", "boom"))
                .as("a task's own exception keeps its type").isEqualTo("task 't.x' (id id-1) failed: java.lang.IllegalStateException: boom");
        assertThat(CliCommand.failureLine("t.x", "id-1", "failed", "dev.amdahl.TimeLimitExceeded",
                "task 't.x' (id id-1) exceeded its hard time limit of 1s"))
                .isEqualTo("task 't.x' (id id-1) failed: TimeLimitExceeded: exceeded its hard time limit of 1s");
        assertThat(CliCommand.failureLine("t.x", "id-1", "was revoked", "dev.amdahl.Revoked", null))
                .isEqualTo("task 't.x' (id id-1) was revoked: Revoked");
    }

    @Test
    void aMemoryBackendForASharedBrokerIsRefusedInFlags() {
        Cli.Result r = Cli.run("status", "--broker", InProcessSharedProvider.SCHEME + "://cli-errors-memory", "--backend", "memory://");

        assertThat(r.exitCode()).as(r.toString()).isEqualTo(2);
        assertThat(r.err()).contains("Give --backend a shared backend such as redis://").doesNotContain("resultBackend(", "\tat ");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "--concurrency 0                  | --concurrency 0: at least 1 task must run at once",
        "--concurrency 4 --prefetch 2     | --prefetch 2 is less than the 4 tasks that run at once (--concurrency)",
        "--lease-renewal 0                | --lease-renewal 0: must be longer than 0, e.g. 10s",
        "--lease-renewal 0ms              | --lease-renewal 0ms: must be longer than 0",
    })
    void workerCountsAreCheckedInTheFlagsWords(String flags, String message) {
        String[] args = ("worker --broker " + InProcessSharedProvider.SCHEME + "://cli-errors-counts " + flags.trim()).split("\\s+");

        Cli.Result r = Cli.run(args);

        assertThat(r.exitCode()).as(r.toString()).isEqualTo(2);
        assertThat(r.err()).contains(message).doesNotContain("prefetch (", "concurrency must", "leaseRenewal", "PT0S", "\tat ");
    }

    @Test
    void anUnknownSchemeListsTheSchemesThereAreAsUrls() {
        Cli.Result r = Cli.run("status", "--broker", "kafka://127.0.0.1:9092");

        assertThat(r.exitCode()).as(r.toString()).isEqualTo(2);
        assertThat(r.err()).contains("no broker for 'kafka://' on the class path (there are ", "redis://", "amqp://",
                        "postgres://", "); check the URL's scheme")
                .as("no module to add is named for a scheme no module provides").doesNotContain("dev.amdahl:amdahl-");
    }

    @Test
    void aDefaultDurationIsEchoedAsWrittenNotAsJavaPrintsIt() {
        Cli.Result r = Cli.run("status", "--broker", InProcessSharedProvider.SCHEME + "://cli-errors-status");

        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(r.out()).contains("depth 0 in 2s (0.0/s)").doesNotContain("PT2S");
    }
}
