package dev.amdahl.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.amdahl.Amdahl;
import dev.amdahl.Worker;
import dev.amdahl.WorkerOptions;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 2, unit = TimeUnit.MINUTES)
class FetchJobTest {

    @Test
    void everyDownloadIsAnsweredNoSoonerThanTheLatencyAndCounted() {
        try (LatencyServer server = LatencyServer.start(Duration.ofMillis(30), 1000);
             Amdahl app = Amdahl.builder().include(FetchTasks.class).build();
             Worker worker = app.startWorker(WorkerOptions.builder().concurrency(4).build())) {
            Fetched one = FetchTasks.get(app).submit(new FetchRequest(server.uri().resolve("/item/1").toString())).result(Duration.ofSeconds(30));
            assertThat(one.status()).isEqualTo(200);
            assertThat(one.bytes()).isEqualTo(1000);
            assertThat(one.millis()).as("the server waits before it answers").isGreaterThanOrEqualTo(30);

            JobRun run = new FetchJob(server.uri(), 12, server.latency()).run(app);

            assertThat(run.summary()).isEqualTo("fetched 12 items, 12,000 bytes");
            assertThat(run.tasks()).isEqualTo(12);
            assertThat(server.served()).isEqualTo(13);
            // 12 waits of 30 ms, 4 at a time: never faster than 3 rounds, whatever the machine
            assertThat(run.wallTime()).isGreaterThanOrEqualTo(Duration.ofMillis(90));
        }
    }

    @Test
    void theTaskFetchesOnlyFromLoopbackOverHttp() {
        assertThatThrownBy(() -> new FetchRequest("http://10.0.0.5/")).hasMessageContaining("only from http:// on a loopback address");
        assertThatThrownBy(() -> new FetchRequest("http://loopback.example/")).hasMessageContaining("only from http:// on a loopback address");
        assertThatThrownBy(() -> new FetchRequest("file:///etc/passwd")).hasMessageContaining("only from http://");
        assertThatThrownBy(() -> new FetchRequest("not a url")).hasMessageContaining("not a URL");
        assertThat(new FetchRequest("http://localhost:1/x").url()).isEqualTo("http://localhost:1/x");
        assertThat(new FetchRequest("http://[::1]:1/x").url()).isEqualTo("http://[::1]:1/x");
    }

    @Test
    void theIdealWallTimeIsTheRoundsOfWaiting() {
        FetchJob job = new FetchJob(java.net.URI.create("http://127.0.0.1:1/"), 25, Duration.ofMillis(50));

        assertThat(job.idealWallTime(10)).isEqualTo(Duration.ofMillis(150));
        assertThat(job.idealWallTime(1)).isEqualTo(Duration.ofMillis(1250));
    }

    @Test
    void theFootprintCountsThisProcessWhereThereIsProc() {
        if (java.nio.file.Files.isReadable(java.nio.file.Path.of("/proc/self/status"))) {
            Footprint now = Footprint.now().orElseThrow();
            assertThat(now.threads()).as("a JVM has threads of its own besides main").isGreaterThan(1);
            assertThat(now.residentBytes()).isGreaterThan(Runtime.getRuntime().totalMemory() / 8);
        } else {
            assertThat(Footprint.now()).isEmpty();
        }
    }
}
