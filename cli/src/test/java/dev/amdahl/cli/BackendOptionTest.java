package dev.amdahl.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.amdahl.Amdahl;
import dev.amdahl.TaskState;
import dev.amdahl.Worker;
import dev.amdahl.spi.TaskRecord;
import dev.amdahl.testkit.Await;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import picocli.CommandLine;

/** {@code --backend} on worker, submit and demo: where results go, and the broker's own backend when it is absent. */
class BackendOptionTest {

    @ParameterizedTest
    @CsvSource({
        "amqp://guest:guest@h:5672/, rpc://guest:guest@h:5672/",
        "amqps://u:p@h/app?queue-type=quorum, rpcs://u:p@h/app?queue-type=quorum",
        "AMQP://h, rpc://h",
        "amqp://h:5672//, rpc://h:5672//",
    })
    void theOwnBackendOfARabbitBrokerIsRpcWithTheRestOfItsUrl(String broker, String backend) {
        assertThat(Brokers.defaultBackend(broker)).isEqualTo(backend);
        assertThat(Brokers.backendUrl(broker, null)).isEqualTo(backend);
    }

    @ParameterizedTest
    @ValueSource(strings = {"redis://127.0.0.1:6379", "rediss://:pw@h:6380/0", "memory://", "test-shared://x", "rpc://h"})
    void everyOtherBrokersUrlServesAsItsOwnBackend(String broker) {
        // null: the application builder's default, the broker's URL, exactly as before --backend existed
        assertThat(Brokers.defaultBackend(broker)).isNull();
    }

    @Test
    void backendWhenGivenWinsOverTheDefault() {
        assertThat(Brokers.backendUrl(null, null)).as("the embedded broker").isNull();
        assertThat(Brokers.backendUrl("amqp://h/", "redis://r:6379")).isEqualTo("redis://r:6379");
        assertThat(Brokers.backendUrl("redis://h:6379", "redis://r:6379")).isEqualTo("redis://r:6379");
        assertThat(Brokers.backendUrl("redis://h:6379", null)).isNull();
    }

    @Test
    void aMissingDefaultBackendNamesBackendTheSchemesThereAreAndMasksThePassword() {
        String problem = Brokers.missingBackend("amqp://guest:s3cret@h:5672/", null, "rpc://guest:s3cret@h:5672/",
                Set.of("redis", "memory", "rediss"));

        assertThat(problem).isEqualTo("--broker amqp://guest:****@h:5672/ keeps its results in its own backend,"
                + " rpc://guest:****@h:5672/, when --backend is not given, but no result backend for 'rpc://' is on the"
                + " class path; the schemes there are memory://, redis://, rediss://. Give --backend one of them,"
                + " e.g. --backend redis://127.0.0.1:6379");
        assertThat(Brokers.missingBackend("amqp://h/", null, "rpc://h/", Set.of("rpc", "redis"))).isNull();
    }

    @Test
    void aWorkerAndSubmitKeepResultsInTheBackendGivenNotTheBrokers() throws Exception {
        String broker = InProcessSharedProvider.SCHEME + "://backend-option-broker";
        String backend = InProcessSharedProvider.SCHEME + "://backend-option-results";
        CommandLine workerLine = new CommandLine(new AmdahlCommand());
        WorkerCommand command = workerLine.getSubcommands().get("worker").getCommand();
        CompletableFuture<Cli.Result> worker = CompletableFuture.supplyAsync(() -> Cli.run(workerLine, "worker",
                "--broker", broker, "--backend", backend, "--concurrency", "1"));
        Cli.Result ok;
        Cli.Result lookingInTheBroker;
        try {
            Worker started = command.started.get(30, TimeUnit.SECONDS);
            ok = Cli.run("submit", "--broker", broker, "--backend", backend, "montecarlo.pi",
                    "{\"seed\": 3, \"samples\": 100}", "--wait", "30s");
            // the same task, but awaited in the broker's own backend, where this worker reports nothing
            lookingInTheBroker = Cli.run("submit", "--broker", broker, "montecarlo.pi",
                    "{\"seed\": 3, \"samples\": 100}", "--wait", "300ms");
            Await.until(Duration.ofSeconds(30), "the worker to finish both tasks",
                    () -> started.completedCount() == 2);
        } finally {
            command.started.get(30, TimeUnit.SECONDS).close();
        }
        Cli.Result stopped = worker.get(30, TimeUnit.SECONDS);

        assertThat(ok.exitCode()).as(ok.toString()).isZero();
        String id = ok.out().lines().findFirst().orElseThrow();
        assertThat(record(backend, id)).hasValueSatisfying(r -> assertThat(r.state()).isEqualTo(TaskState.SUCCESS));
        assertThat(record(broker, id)).isEmpty();
        assertThat(lookingInTheBroker.exitCode()).as(lookingInTheBroker.toString()).isEqualTo(1);
        assertThat(lookingInTheBroker.err()).contains("did not finish within");
        assertThat(stopped.exitCode()).as(stopped.toString()).isZero();
        assertThat(stopped.out()).contains("consuming [amdahl] on " + broker + ", results in " + backend);
    }

    @Test
    void theDemoTakesBackendToo() {
        Cli.Result r = Cli.run("demo", "pi", "--workers", "1", "--samples", "10000", "--chunks", "4",
                "--backend", InProcessSharedProvider.SCHEME + "://demo-results");

        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(r.out()).contains("on the embedded broker, results in test-shared://demo-results;");
    }

    @Test
    void anUnknownBackendSchemeNamesBackendAndTheSchemesThereAreWithoutThePassword() {
        for (String command : new String[] {"worker", "submit", "demo"}) {
            Cli.Result r = switch (command) {
                case "worker" -> Cli.run("worker", "--broker", "test-shared://unknown-backend", "--backend", "nosuch://u:s3cret@h:1");
                case "submit" -> Cli.run("submit", "--broker", "test-shared://unknown-backend", "--backend", "nosuch://u:s3cret@h:1",
                        "montecarlo.pi", "{}");
                default -> Cli.run("demo", "pi", "--backend", "nosuch://u:s3cret@h:1");
            };

            assertThat(r.exitCode()).as(command + ": " + r).isEqualTo(2);
            assertThat(r.err()).as(command)
                    .contains("--backend nosuch://u:****@h:1: no result backend for 'nosuch://' on the class path")
                    .contains("the schemes there are ").contains("redis://").contains("memory://")
                    .contains("e.g. --backend redis://127.0.0.1:6379")
                    .doesNotContain("s3cret");
        }
    }

    @Test
    void aBackendUrlTheProviderRefusesIsReportedWithItsPasswordMasked() {
        Cli.Result r = Cli.run("--verbose", "worker", "--broker", "test-shared://bad-backend",
                "--backend", "redis://:s3cret@127.0.0.1:1/0?no-such-option=1");

        assertThat(r.exitCode()).as(r.toString()).isEqualTo(2);
        assertThat(r.err()).contains("--backend redis://:****@127.0.0.1:1/0?no-such-option=1: ")
                .contains("no-such-option")
                .contains("\tat ") // --verbose: the stack trace, masked too
                .doesNotContain("s3cret");
    }

    private static Optional<TaskRecord> record(String url, String id) {
        try (Amdahl app = Amdahl.builder().broker(url).build()) {
            return app.resultBackend().get(id);
        }
    }
}
