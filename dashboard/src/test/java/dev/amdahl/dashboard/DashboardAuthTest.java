package dev.amdahl.dashboard;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Bound off loopback, with a token or basic auth: no path answers without them, every one with them. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class DashboardAuthTest {

    static final List<String> GETS = List.of("/", "/index.html", "/static/app.js", "/static/app.css", "/static/favicon.svg",
            "/metrics", "/api/overview", "/api/workers", "/api/queues", "/api/queues/amdahl/dead-letters", "/api/tasks",
            "/api/tasks/some-id", "/api/workflows", "/api/workflows/some-id", "/api/scaling", "/api/events", "/nowhere");
    static final List<String> POSTS = List.of("/api/dead-letters/requeue", "/api/dead-letters/drop", "/api/tasks/some-id/retry",
            "/api/tasks/some-id/revoke", "/api/tasks/some-id/terminate", "/api/queues/amdahl/purge");
    static final String TOKEN = "0123456789abcdef0123";

    private static Deployment deployment;

    @BeforeAll
    static void start() {
        deployment = Deployment.embedded();
    }

    @AfterAll
    static void stop() {
        deployment.close();
    }

    @Test
    void withATokenNothingAnswersWithoutIt() {
        try (Dashboard d = Dashboard.builder(deployment.app).bind("0.0.0.0", 0).token(TOKEN).start()) {
            String base = "http://127.0.0.1:" + d.port();
            everyPathRefuses(new Http(base, null));
            everyPathRefuses(new Http(base, "Bearer wrong-token-wrong-token"));
            everyPathRefuses(new Http(base, "Basic " + basic("admin", TOKEN)));
            Http ok = new Http(base, "Bearer " + TOKEN);
            assertThat(ok.get("/api/overview").statusCode()).isEqualTo(200);
            assertThat(ok.get("/metrics").statusCode()).isEqualTo(200);
            // and with the token, a POST still needs the page's CSRF token
            assertThat(ok.post("/api/tasks/x/revoke", null, "{}").statusCode()).isEqualTo(403);
            assertThat(ok.post("/api/tasks/x/revoke", ok.csrf(), "{}").statusCode()).isEqualTo(200);
            HttpResponse<String> login = new Http(base, null).get("/login?token=" + TOKEN);
            assertThat(login.statusCode()).isEqualTo(303);
            assertThat(login.headers().firstValue("Set-Cookie").orElseThrow()).contains("HttpOnly").contains("SameSite=Strict");
            assertThat(new Http(base, null).get("/login?token=nope").statusCode()).isEqualTo(401);
        }
    }

    @Test
    void withBasicAuthNothingAnswersWithoutIt() {
        try (Dashboard d = Dashboard.builder(deployment.app).bind("0.0.0.0", 0).basicAuth("ops", "s3cret-pass").start()) {
            String base = "http://127.0.0.1:" + d.port();
            everyPathRefuses(new Http(base, null));
            everyPathRefuses(new Http(base, "Basic " + basic("ops", "wrong-pass")));
            everyPathRefuses(new Http(base, "Basic not-base64!"));
            everyPathRefuses(new Http(base, "Bearer s3cret-pass"));
            HttpResponse<String> challenge = new Http(base, null).get("/");
            assertThat(challenge.headers().firstValue("WWW-Authenticate").orElseThrow()).startsWith("Basic");
            Http ok = new Http(base, "Basic " + basic("ops", "s3cret-pass"));
            assertThat(ok.get("/api/workers").statusCode()).isEqualTo(200);
            assertThat(ok.post("/api/tasks/y/revoke", ok.csrf(), "{}").statusCode()).isEqualTo(200);
        }
    }

    @Test
    void onLoopbackWithoutAuthOnlyLoopbackHostNamesAreAnswered() {
        try (Dashboard d = Dashboard.builder(deployment.app).bind("127.0.0.1", 0).start()) {
            assertThat(new Http("http://127.0.0.1:" + d.port(), null).get("/api/overview").statusCode()).isEqualTo(200);
            assertThat(new Http("http://localhost:" + d.port(), null).get("/api/overview").statusCode()).isEqualTo(200);
            // a page of evil.example that rebinds its name to 127.0.0.1 sends Host: evil.example
            HttpResponse<String> rebound = new Http("http://127.0.0.1:" + d.port(), null).getWithHost("/api/overview", "evil.example");
            assertThat(rebound.statusCode()).isEqualTo(421);
        }
    }

    private static void everyPathRefuses(Http http) {
        for (String path : GETS) {
            assertThat(http.get(path).statusCode()).as("GET " + path).isEqualTo(401);
        }
        for (String path : POSTS) {
            assertThat(http.post(path, null, "{}").statusCode()).as("POST " + path).isEqualTo(401);
        }
    }

    private static String basic(String user, String password) {
        return Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    }
}
