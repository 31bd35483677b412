package dev.amdahl.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.amdahl.examples.MonteCarloPi;
import dev.amdahl.examples.PiChunk;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import picocli.CommandLine;

class WorkerAndSubmitCommandTest {

    private static final String UUID = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}";

    @ParameterizedTest
    @ValueSource(strings = {"memory://", "MEMORY://", ""})
    void workerRefusesTheEmbeddedBroker(String broker) {
        Cli.Result r = broker.isEmpty() ? Cli.run("worker") : Cli.run("worker", "--broker", broker);

        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err()).contains("the embedded broker, which lives inside one process")
                .contains("Use 'amdahl demo'").contains("redis://").doesNotContain("\tat ");
    }

    @ParameterizedTest
    @ValueSource(strings = {"memory://", ""})
    void submitRefusesTheEmbeddedBroker(String broker) {
        Cli.Result r = broker.isEmpty() ? Cli.run("submit", "montecarlo.pi", "{}")
                : Cli.run("submit", "--broker", broker, "montecarlo.pi", "{}");

        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err()).contains("the embedded broker, which lives inside one process")
                .contains("Use 'amdahl demo'").doesNotContain("\tat ");
    }

    @Test
    void unknownSchemesGiveTheProviderLookupsMessage() {
        Cli.Result worker = Cli.run("worker", "--broker", "nosuch://host:1");
        Cli.Result submit = Cli.run("submit", "--broker", "nosuch://host:1", "t", "1");

        assertThat(worker.exitCode()).isEqualTo(2);
        assertThat(worker.err()).contains("no broker for 'nosuch://' on the class path");
        assertThat(submit.exitCode()).isEqualTo(2);
        assertThat(submit.err()).contains("no broker for 'nosuch://' on the class path");
    }

    @Test
    void includeMustNameATaskCatalogOnTheClassPath() {
        Cli.Result missing = Cli.run("worker", "--broker", "nosuch://h", "--include", "com.example.NoSuchTasks");
        Cli.Result notACatalog = Cli.run("worker", "--broker", "nosuch://h", "--include", "java.lang.String");

        assertThat(missing.exitCode()).isEqualTo(2);
        assertThat(missing.err()).contains("--include com.example.NoSuchTasks: no such class on the class path");
        assertThat(notACatalog.exitCode()).isEqualTo(2);
        assertThat(notACatalog.err()).contains("does not implement dev.amdahl.TaskCatalog");
    }

    @Test
    void submitRefusesAnArgumentThatIsNotJson() {
        Cli.Result r = Cli.run("submit", "--broker", "nosuch://h", "montecarlo.pi", "{samples: 3");

        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err()).contains("JSON-ARG is not valid JSON").contains("quote it for the shell");
    }

    @Test
    void aWorkerServesWhatSubmitSendsAndStopsGracefully() throws Exception {
        String broker = InProcessSharedProvider.SCHEME + "://worker-and-submit";
        CommandLine workerLine = new CommandLine(new AmdahlCommand());
        WorkerCommand command = workerLine.getSubcommands().get("worker").getCommand();
        CompletableFuture<Cli.Result> worker = CompletableFuture.supplyAsync(
                () -> Cli.run(workerLine, "worker", "--broker", broker, "--concurrency", "2", "--queues", "amdahl,other"));
        try {
            // first, so that it has started (and will be finished by the graceful stop) when the others are done
            Cli.Result noWait = Cli.run("submit", "--broker", broker, "montecarlo.pi", "{\"seed\": 7, \"samples\": 10}");
            Cli.Result ok = Cli.run("submit", "--broker", broker, "montecarlo.pi", "{\"seed\": 7, \"samples\": 1000}", "--wait", "30s");
            Cli.Result onQueue = Cli.run("submit", "--broker", broker, "--queue", "other", "montecarlo.pi",
                    "{\"seed\": 7, \"samples\": 1000}", "--wait", "30s");
            Cli.Result badArgument = Cli.run("submit", "--broker", broker, "montecarlo.pi", "{\"seed\": 7, \"samples\": 0}", "--wait", "30s");
            Cli.Result unknownTask = Cli.run("submit", "--broker", broker, "no.such.task", "1", "--wait", "30s");

            long hits = MonteCarloPi.countHits(new PiChunk(7, 1000));
            assertThat(ok.exitCode()).as(ok.toString()).isZero();
            assertThat(ok.out()).matches(UUID + "\\R" + hits + "\\R");
            assertThat(onQueue.out()).matches(UUID + "\\R" + hits + "\\R");
            assertThat(noWait.exitCode()).isZero();
            assertThat(noWait.out()).matches(UUID + "\\R");
            assertThat(badArgument.exitCode()).as(badArgument.toString()).isEqualTo(1);
            assertThat(badArgument.err()).contains("task 'montecarlo.pi'").contains("failed").contains("at least 1 sample")
                    .doesNotContain("\tat ");
            assertThat(unknownTask.exitCode()).as(unknownTask.toString()).isEqualTo(1);
            assertThat(unknownTask.err()).contains("no.such.task");
        } finally {
            command.started.get(30, TimeUnit.SECONDS).close();
        }
        Cli.Result stopped = worker.get(30, TimeUnit.SECONDS);
        assertThat(stopped.exitCode()).as(stopped.toString()).isZero();
        assertThat(stopped.out()).contains("consuming [amdahl, other] on " + broker)
                .contains("mandelbrot.tile").contains("montecarlo.pi")
                .contains("stopped after 4 task(s)");  // the unknown task is dead-lettered, not run
    }

    @Test
    void exitWhenIdleStopsTheWorkerOnceTheWorkIsDoneAndExitsZero() throws Exception {
        String broker = InProcessSharedProvider.SCHEME + "://exit-when-idle";
        // published before the worker starts: a worker idle from its start could otherwise stop before a slow submit
        Cli.Result submitted = Cli.run("submit", "--broker", broker, "montecarlo.pi", "{\"seed\": 7, \"samples\": 1000}");
        assertThat(submitted.exitCode()).as(submitted.toString()).isZero();
        String id = submitted.out().strip();
        CommandLine workerLine = new CommandLine(new AmdahlCommand());
        WorkerCommand command = workerLine.getSubcommands().get("worker").getCommand();
        CompletableFuture<Cli.Result> worker = CompletableFuture.supplyAsync(
                () -> Cli.run(workerLine, "worker", "--broker", broker, "--concurrency", "2", "--exit-when-idle", "300ms"));
        try {
            Cli.Result stopped = worker.get(30, TimeUnit.SECONDS);
            assertThat(stopped.exitCode()).as(stopped.toString()).isZero();
            assertThat(stopped.out()).contains("exits when idle for 300ms").contains("idle for 300ms: stopping")
                    .contains("stopped after 1 task(s)");
            Cli.Result result = Cli.run("result", "--broker", broker, id);
            assertThat(result.exitCode()).as(result.toString()).isZero();
            assertThat(result.out()).contains(String.valueOf(MonteCarloPi.countHits(new PiChunk(7, 1000))));
        } finally {
            if (!worker.isDone()) {
                command.started.get(30, TimeUnit.SECONDS).close();
            }
        }
    }

    @Test
    void exitWhenIdleNeedsAPositiveDuration() {
        Cli.Result r = Cli.run("worker", "--broker", InProcessSharedProvider.SCHEME + "://idle-zero", "--exit-when-idle", "0s");

        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err()).contains("--exit-when-idle").contains("positive duration");
    }

    @Test
    void leaseRenewalSetsHowOftenTheWorkerRenewsItsLeases() throws Exception {
        String broker = InProcessSharedProvider.SCHEME + "://lease-renewal";
        CommandLine workerLine = new CommandLine(new AmdahlCommand());
        WorkerCommand command = workerLine.getSubcommands().get("worker").getCommand();
        CompletableFuture<Cli.Result> worker = CompletableFuture.supplyAsync(
                () -> Cli.run(workerLine, "worker", "--broker", broker, "--no-examples", "--lease-renewal", "250ms"));
        dev.amdahl.Worker started = command.started.get(30, TimeUnit.SECONDS);
        try {
            assertThat(started.options().leaseRenewal()).isEqualTo(java.time.Duration.ofMillis(250));
        } finally {
            started.close();
        }
        assertThat(worker.get(30, TimeUnit.SECONDS).exitCode()).isZero();
    }

    /** A catalog with a periodic task, for --beat: each run counts down {@link #BEATS}. */
    public static final class EverySecond implements dev.amdahl.TaskCatalog {
        static final java.util.concurrent.CountDownLatch BEATS = new java.util.concurrent.CountDownLatch(2);

        @Override
        public void register(dev.amdahl.Amdahl app) {
            dev.amdahl.Task<String, String> beat = app.task("test.beat", String.class, String.class, s -> {
                BEATS.countDown();
                return s;
            });
            app.schedule("test.every-second", dev.amdahl.Schedule.every(java.time.Duration.ofSeconds(1)), beat.sig("tick"));
        }
    }

    @Test
    void aWorkerWithBeatFiresThePeriodicTasksOfItsCatalogs() throws Exception {
        String broker = InProcessSharedProvider.SCHEME + "://beat";
        CommandLine workerLine = new CommandLine(new AmdahlCommand());
        WorkerCommand command = workerLine.getSubcommands().get("worker").getCommand();
        CompletableFuture<Cli.Result> worker = CompletableFuture.supplyAsync(() -> Cli.run(workerLine, "worker",
                "--broker", broker, "--beat", "--no-examples", "--include", EverySecond.class.getName()));
        try {
            assertThat(EverySecond.BEATS.await(30, TimeUnit.SECONDS)).as("two ticks ran").isTrue();
        } finally {
            command.started.get(30, TimeUnit.SECONDS).close();
        }
        Cli.Result stopped = worker.get(30, TimeUnit.SECONDS);
        assertThat(stopped.exitCode()).as(stopped.toString()).isZero();
        assertThat(stopped.out()).contains("test.beat").contains("submits the periodic tasks");
    }

    @Test
    void aWaitThatRunsOutSaysSoAndFails() {
        String broker = InProcessSharedProvider.SCHEME + "://nobody-listens";

        Cli.Result r = Cli.run("submit", "--broker", broker, "montecarlo.pi", "{\"seed\": 1, \"samples\": 1}", "--wait", "200ms");

        assertThat(r.exitCode()).isEqualTo(1);
        assertThat(r.out()).matches(UUID + "\\R");
        // the duration echoed as typed (issue 13, item 10), not Duration's PT0.2S
        assertThat(r.err()).contains("did not finish within --wait 200ms; it is PENDING: is a worker consuming queue amdahl"
                + " on this broker?").contains("Its result, later: amdahl result ").doesNotContain("PT0.2S");
    }
}
