package dev.amdahl.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.amdahl.Amdahl;
import dev.amdahl.RetryBackoff;
import dev.amdahl.Task;
import dev.amdahl.TaskFailedException;
import dev.amdahl.TaskOptions;
import dev.amdahl.Worker;
import dev.amdahl.WorkerOptions;
import dev.amdahl.testkit.Await;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** A worker on the embedded broker runs successes, a failure and a retry; /metrics says so, labelled. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class PrometheusEndpointTest {

    private static final Duration WAIT = Duration.ofSeconds(20);
    private final HttpClient http = HttpClient.newHttpClient();

    @Test
    void theScrapedTextCountsAndTimesTasksByNameAndOutcome() throws Exception {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        AtomicInteger flakyRuns = new AtomicInteger();
        try (Amdahl app = Amdahl.builder().observer(AmdahlMetrics.bindTo(registry)).build();
             MetricsServer server = MetricsServer.start(new InetSocketAddress("127.0.0.1", 0), registry)) {
            Task<Integer, Integer> square = app.task("math.square", Integer.class, Integer.class, x -> x * x);
            Task<Integer, Integer> broken = app.task("math.broken", Integer.class, Integer.class, x -> {
                throw new IllegalStateException("no");
            });
            Task<Integer, Integer> flaky = app.task("net.flaky", Integer.class, Integer.class, TaskOptions.builder()
                    .retryOn(IOException.class).maxRetries(3).backoff(RetryBackoff.fixed(Duration.ofMillis(10))).build(), x -> {
                        if (flakyRuns.incrementAndGet() == 1) {
                            throw new IOException("reset");
                        }
                        return x;
                    });
            Worker worker = app.startWorker(WorkerOptions.builder().concurrency(2).name("w1").build());

            assertThat(square.map(List.of(1, 2, 3)).get(20, TimeUnit.SECONDS)).containsExactly(1, 4, 9);
            assertThatThrownBy(() -> broken.submit(1).get(20, TimeUnit.SECONDS)).hasCauseInstanceOf(TaskFailedException.class);
            assertThat(flaky.submit(7).get(20, TimeUnit.SECONDS)).isEqualTo(7);
            // the futures complete when the records are stored, the counters a moment later (after the ack)
            Await.until(WAIT, "the last outcome counted", () -> scrape(server).contains(
                    "amdahl_tasks_total{outcome=\"success\",task=\"net.flaky\"} 1.0"));

            String text = scrape(server);
            assertThat(text)
                    .contains("# TYPE amdahl_tasks_total counter")
                    .contains("amdahl_tasks_total{outcome=\"success\",task=\"math.square\"} 3.0")
                    .contains("amdahl_tasks_total{outcome=\"failure\",task=\"math.broken\"} 1.0")
                    .contains("amdahl_tasks_total{outcome=\"retry\",task=\"net.flaky\"} 1.0")
                    .contains("amdahl_tasks_published_total{queue=\"amdahl\",task=\"math.square\"} 3.0")
                    .contains("# TYPE amdahl_task_duration_seconds histogram")
                    .contains("amdahl_task_duration_seconds_count{outcome=\"success\",task=\"math.square\"} 3")
                    .contains("amdahl_task_duration_seconds_bucket{outcome=\"failure\",task=\"math.broken\",le=\"+Inf\"} 1")
                    .contains("amdahl_task_duration_seconds_bucket{outcome=\"success\",task=\"math.square\",le=\"0.005\"}")
                    .contains("# TYPE amdahl_task_queue_wait_seconds histogram")
                    // the flaky task is received twice: its first try and its retry
                    .contains("amdahl_task_queue_wait_seconds_count{queue=\"amdahl\",task=\"net.flaky\"} 2")
                    .contains("amdahl_queue_depth{queue=\"amdahl\"} 0.0")
                    .contains("amdahl_worker_busy_ratio{worker=\"w1\"}")
                    .contains("amdahl_worker_prefetch_occupancy_ratio{worker=\"w1\"}")
                    .contains("amdahl_worker_tasks_running{worker=\"w1\"} 0.0");
            assertThat(sampleOf(text, "amdahl_task_duration_seconds_sum{outcome=\"success\",task=\"math.square\"}"))
                    .isGreaterThanOrEqualTo(0.0);

            worker.close();
            assertThat(scrape(server)).doesNotContain("amdahl_worker_busy_ratio{worker=\"w1\"}")
                    .doesNotContain("amdahl_queue_depth{");
        }
    }

    @Test
    void onlyGetOfMetricsIsServed() throws Exception {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        try (MetricsServer server = MetricsServer.start(new InetSocketAddress("127.0.0.1", 0), registry)) {
            HttpResponse<String> ok = http.send(HttpRequest.newBuilder(uri(server, "/metrics")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(ok.statusCode()).isEqualTo(200);
            assertThat(ok.headers().firstValue("Content-Type")).hasValue(MetricsServer.TEXT_FORMAT);
            assertThat(http.send(HttpRequest.newBuilder(uri(server, "/")).build(), HttpResponse.BodyHandlers.ofString())
                    .statusCode()).isEqualTo(404);
            assertThat(http.send(HttpRequest.newBuilder(uri(server, "/metrics")).POST(HttpRequest.BodyPublishers.noBody()).build(),
                    HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(405);
        }
    }

    @Test
    void aTakenPortIsNamedInTheError() {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        try (MetricsServer first = MetricsServer.start(new InetSocketAddress("127.0.0.1", 0), registry)) {
            assertThatThrownBy(() -> MetricsServer.start(new InetSocketAddress("127.0.0.1", first.port()), registry))
                    .hasMessageContaining("cannot serve metrics at 127.0.0.1:" + first.port())
                    .hasMessageContaining("is the port taken?");
        }
    }

    private String scrape(MetricsServer server) {
        try {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(uri(server, "/metrics")).build(),
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

    private static URI uri(MetricsServer server, String path) {
        return URI.create("http://127.0.0.1:" + server.port() + path);
    }

    private static double sampleOf(String text, String series) {
        Matcher m = Pattern.compile(Pattern.quote(series) + " (\\S+)").matcher(text);
        assertThat(m.find()).as("series %s in%n%s", series, text).isTrue();
        return Double.parseDouble(m.group(1));
    }
}
