package dev.amdahl.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.amdahl.dashboard.Dashboard;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import picocli.CommandLine;

/** {@code amdahl dashboard}: serves on loopback as it is, and off loopback only with credentials. */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class DashboardCommandTest {

    private final HttpClient http = HttpClient.newHttpClient();

    @Test
    void onLoopbackItServesThePageAndTheApiUntilStopped() throws Exception {
        String broker = InProcessSharedProvider.SCHEME + "://dashboard-command";
        CommandLine line = new CommandLine(new AmdahlCommand());
        DashboardCommand command = line.getSubcommands().get("dashboard").getCommand();
        CompletableFuture<Cli.Result> running = CompletableFuture.supplyAsync(() -> Cli.run(line, "dashboard",
                "--broker", broker, "--bind", "127.0.0.1:0"));
        Dashboard dashboard = command.started.get(30, TimeUnit.SECONDS);
        try {
            URI url = URI.create(dashboard.url());
            HttpResponse<String> page = get(url);
            assertThat(page.statusCode()).isEqualTo(200);
            assertThat(page.body()).containsIgnoringCase("<html");
            HttpResponse<String> overview = get(url.resolve("/api/overview"));
            assertThat(overview.statusCode()).isEqualTo(200);
            assertThat(overview.body()).startsWith("{");
        } finally {
            command.stop();
        }
        Cli.Result stopped = running.get(30, TimeUnit.SECONDS);
        assertThat(stopped.exitCode()).as(stopped.toString()).isZero();
        assertThat(stopped.out()).contains("dashboard of " + broker + " at http://127.0.0.1:");
    }

    @Test
    void offLoopbackWithoutCredentialsItRefusesToStart() {
        Cli.Result r = Cli.run("dashboard", "--broker", InProcessSharedProvider.SCHEME + "://dashboard-open",
                "--bind", "0.0.0.0:0");

        assertThat(r.exitCode()).as(r.toString()).isEqualTo(2);
        assertThat(r.err()).contains("token").doesNotContain("\tat ");
    }

    private HttpResponse<String> get(URI uri) throws Exception {
        return http.send(HttpRequest.newBuilder(uri).build(), HttpResponse.BodyHandlers.ofString());
    }
}
