package dev.amdahl.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.amdahl.testkit.Await;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import picocli.CommandLine;

/** {@code amdahl worker --metrics-port}: the worker's meters are scraped over HTTP while it serves tasks. */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class WorkerMetricsCommandTest {

    private final HttpClient http = HttpClient.newHttpClient();

    @Test
    void metricsPortServesTheWorkersMetrics() throws Exception {
        String broker = InProcessSharedProvider.SCHEME + "://worker-metrics";
        CommandLine workerLine = new CommandLine(new AmdahlCommand());
        WorkerCommand command = workerLine.getSubcommands().get("worker").getCommand();
        CompletableFuture<Cli.Result> worker = CompletableFuture.supplyAsync(() -> Cli.run(workerLine, "worker",
                "--broker", broker, "--concurrency", "2", "--metrics-port", "0"));
        dev.amdahl.Worker started = command.started.get(30, TimeUnit.SECONDS);
        int port = command.servedMetricsPort;
        try {
            assertThat(port).isPositive();
            Cli.Result ok = Cli.run("submit", "--broker", broker, "montecarlo.pi", "{\"seed\": 7, \"samples\": 1000}", "--wait", "30s");
            Cli.Result bad = Cli.run("submit", "--broker", broker, "montecarlo.pi", "{\"seed\": 7, \"samples\": 0}", "--wait", "30s");
            assertThat(ok.exitCode()).as(ok.toString()).isZero();
            assertThat(bad.exitCode()).as(bad.toString()).isEqualTo(1);

            String name = started.name();
            Await.until(Duration.ofSeconds(20), "both outcomes counted", () -> scrape(port).contains(
                    "amdahl_tasks_total{outcome=\"failure\",task=\"montecarlo.pi\"} 1.0"));
            assertThat(scrape(port))
                    .contains("amdahl_tasks_total{outcome=\"success\",task=\"montecarlo.pi\"} 1.0")
                    .contains("amdahl_task_duration_seconds_count{outcome=\"success\",task=\"montecarlo.pi\"} 1")
                    .contains("amdahl_task_queue_wait_seconds_count{queue=\"amdahl\",task=\"montecarlo.pi\"} 2")
                    .contains("amdahl_queue_depth{queue=\"amdahl\"} 0.0")
                    .contains("amdahl_worker_busy_ratio{worker=\"" + name + "\"}")
                    .contains("amdahl_worker_prefetch_occupancy_ratio{worker=\"" + name + "\"}")
                    .contains("jvm_memory_used_bytes");
        } finally {
            started.close();
        }
        Cli.Result stopped = worker.get(30, TimeUnit.SECONDS);
        assertThat(stopped.exitCode()).as(stopped.toString()).isZero();
        assertThat(stopped.out()).contains("metrics at http://127.0.0.1:" + port + "/metrics");
    }

    @Test
    void aPortOutOfRangeIsAUsageError() {
        Cli.Result r = Cli.run("worker", "--broker", InProcessSharedProvider.SCHEME + "://metrics-bad-port", "--metrics-port", "70000");

        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err()).contains("--metrics-port 70000: a port is 0 to 65535").doesNotContain("\tat ");
    }

    private String scrape(int port) {
        try {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).isEqualTo(200);
            return r.body();
        } catch (IOException e) {
            throw new AssertionError(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }
}
