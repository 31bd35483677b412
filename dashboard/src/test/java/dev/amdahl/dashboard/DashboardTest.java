package dev.amdahl.dashboard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.amdahl.GroupFuture;
import dev.amdahl.Signature;
import dev.amdahl.Task;
import dev.amdahl.TaskFuture;
import dev.amdahl.TaskState;
import dev.amdahl.testkit.Await;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The JSON API on the embedded broker: what it shows of workers, tasks, workflows and groups, and its actions. */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class DashboardTest {

    private Deployment deployment;
    private Dashboard dashboard;
    private Http http;

    @BeforeEach
    void start() {
        deployment = Deployment.embedded();
        dashboard = Dashboard.builder(deployment.app).bind("127.0.0.1", 0).pollInterval(Duration.ofMillis(200)).start();
        http = new Http(dashboard.url(), null);
    }

    @AfterEach
    void stop() {
        if (dashboard != null) {
            dashboard.close();
        }
        deployment.close();
    }

    @Test
    void theOverviewCountsWhatTheWorkersReport() throws Exception {
        Await.until(Deployment.timeout(), "the worker is listed", () -> http.json("/api/workers").path("workers").size() == 1);
        Task<Integer, Integer> square = deployment.app.task("dash.square", Integer.class, Integer.class);
        List<TaskFuture<Integer>> futures = IntStream.range(0, 10).mapToObj(square::submit).toList();
        for (TaskFuture<Integer> f : futures) {
            f.result(Deployment.timeout());
        }
        Await.until(Deployment.timeout(), "ten processed", () -> http.json("/api/overview").path("processed").asLong() >= 10);
        JsonNode overview = http.json("/api/overview");
        assertThat(overview.path("workers").asInt()).isEqualTo(1);
        long counted = 0;
        for (JsonNode s : overview.path("samples")) {
            counted += s.path("processed").asLong();
        }
        assertThat(counted).as("the samples' throughput adds up to what ran while the dashboard watched").isEqualTo(10);
        JsonNode worker = http.json("/api/workers").path("workers").get(0);
        assertThat(worker.path("tasks").toString()).contains("dash.square");
        assertThat(http.json("/api/queues").path("queues").toString()).contains("\"name\":\"amdahl\"");
        assertThat(http.get("/metrics").body()).contains("amdahl_dashboard_workers 1.0").contains("amdahl_queue_depth{queue=\"amdahl\"}");
    }

    @Test
    void aTaskShowsItsArgumentsResultTimelineAndAFailureItsTraceback() throws Exception {
        Task<Integer, Integer> square = deployment.app.task("dash.square", Integer.class, Integer.class);
        TaskFuture<Integer> ok = square.submit(7);
        assertThat(ok.result(Deployment.timeout())).isEqualTo(49);
        // as amdahl dashboard and amdahl submit refer to tasks: by name, arguments as JSON (a retry submits the same way)
        TaskFuture<JsonNode> bad = deployment.app.task("dash.fail", JsonNode.class, JsonNode.class)
                .submit(Http.JSON.getNodeFactory().textNode("x"));
        Await.until(Deployment.timeout(), "the failure is seen",
                () -> "FAILURE".equals(http.json("/api/tasks/" + bad.id()).path("record").path("state").asText()));
        Await.until(Deployment.timeout(), "the worker reported both",
                () -> !http.json("/api/tasks/" + ok.id()).path("seen").isNull() && !http.json("/api/tasks/" + bad.id()).path("seen").isNull());

        JsonNode good = http.json("/api/tasks/" + ok.id());
        assertThat(good.path("record").path("result").asText()).isEqualTo("49");
        assertThat(good.path("seen").path("args").asText()).isEqualTo("7");
        assertThat(good.path("timeline").findValuesAsText("state")).contains("STARTED", "SUCCESS");

        JsonNode failed = http.json("/api/tasks/" + bad.id());
        assertThat(failed.path("record").path("errorMessage").asText()).contains("no good: x");
        assertThat(failed.path("record").path("traceback").asText()).contains("IllegalArgumentException");
        assertThat(http.json("/api/tasks?state=FAILURE").path("tasks").toString()).contains(bad.id());
        assertThat(http.json("/api/tasks?q=dash.square").path("tasks").toString()).contains(ok.id()).doesNotContain(bad.id());

        // retried from the dashboard: a new task with the same argument
        HttpResponse<String> retried = http.post("/api/tasks/" + bad.id() + "/retry", http.csrf(), "{}");
        assertThat(retried.statusCode()).as(retried.body()).isEqualTo(200);
        String again = Http.parse(retried.body()).path("retriedAs").asText();
        assertThat(again).isNotEqualTo(bad.id());
        Await.until(Deployment.timeout(), "the retry ran", () -> deployment.app.resultBackend().get(again)
                .map(r -> r.state() == TaskState.FAILURE && r.error().message().contains("no good: x")).orElse(false));
    }

    @Test
    void aChordIsDrawnAsItsStepsAndItsGroupMeasured() throws Exception {
        Task<Integer, Integer> slow = deployment.app.task("dash.slow", Integer.class, Integer.class);
        Task<Integer, Integer> square = deployment.app.task("dash.square", Integer.class, Integer.class);
        GroupFuture<Integer> group = slow.map(List.of(100, 100, 100, 100, 100, 100, 100, 100));
        group.result(Deployment.timeout());
        Await.until(Deployment.timeout(), "the group is measured", () -> http.json("/api/scaling").path("groups").size() == 1
                && http.json("/api/scaling").path("groups").get(0).path("members").asInt() == 8);
        JsonNode g = http.json("/api/scaling").path("groups").get(0);
        assertThat(g.path("slots").asInt()).isEqualTo(4);
        // eight 100 ms tasks on four slots: about 0.2 s of wall time for 0.8 s of work
        assertThat(g.path("speedup").asDouble()).isBetween(1.5, 4.01);
        assertThat(g.path("efficiency").asDouble()).isBetween(0.3, 1.01);
        assertThat(g.path("serialFraction").asDouble()).isBetween(0.0, 1.0);

        Signature<Integer> chain = square.sig(2).then(square).then(square);
        TaskFuture<Integer> end = chain.submit();
        assertThat(end.result(Deployment.timeout())).isEqualTo(256);
        Await.until(Deployment.timeout(), "the chain is listed", () -> http.json("/api/workflows").path("workflows").size() >= 1);
        String first = http.json("/api/workflows").path("workflows").get(0).path("taskId").asText();
        Await.until(Deployment.timeout(), "its three steps are drawn, all succeeded", () -> {
            JsonNode steps = http.json("/api/workflows/" + first).path("steps");
            return steps.size() == 3 && steps.findValuesAsText("state").stream().allMatch("SUCCESS"::equals);
        });
        JsonNode steps = http.json("/api/workflows/" + first).path("steps");
        assertThat(steps.get(1).path("after").get(0).asText()).isEqualTo(first);
        assertThat(steps.get(2).path("taskId").asText()).isEqualTo(end.id());
    }

    @Test
    void actionsArePostsCarryingThePagesCsrfToken() {
        String csrf = http.csrf();
        assertThat(http.post("/api/tasks/some-id/revoke", null, "{}").statusCode()).isEqualTo(403);
        assertThat(http.post("/api/tasks/some-id/revoke", "wrong", "{}").statusCode()).isEqualTo(403);
        assertThat(http.get("/api/tasks/some-id/revoke").statusCode()).as("a GET changes nothing").isNotEqualTo(200);
        assertThat(http.post("/api/tasks/some-id/revoke", csrf, "{}").statusCode()).isEqualTo(200);
        assertThat(deployment.app.resultBackend().get("some-id").orElseThrow().state()).isEqualTo(TaskState.REVOKED);

        HttpResponse<String> unconfirmed = http.post("/api/queues/amdahl/purge", csrf, "{}");
        assertThat(unconfirmed.statusCode()).isEqualTo(400);
        assertThat(unconfirmed.body()).contains("confirm");
        assertThat(http.post("/api/queues/amdahl/purge", csrf, "{\"confirm\":\"amdahl\"}").statusCode()).isEqualTo(200);
        assertThat(http.get("/").headers().firstValue("Set-Cookie").orElseThrow()).contains("SameSite=Strict");
        assertThat(http.get("/").headers().firstValue("Content-Security-Policy").orElseThrow()).contains("default-src 'self'");
    }

    @Test
    void aDeadLetterRequeuedRunsOnceAWorkerKnowsItsTask() throws Exception {
        TaskFuture<String> late = deployment.app.task("dash.later", String.class, String.class).submit("hello");
        Await.until(Deployment.timeout(), "it is a dead letter",
                () -> http.json("/api/queues/amdahl/dead-letters").path("deadLetters").size() == 1);
        deployment.startWorkerThatKnowsEverything();
        JsonNode dead = http.json("/api/queues/amdahl/dead-letters").path("deadLetters").get(0);
        assertThat(dead.path("reason").asText()).isNotBlank();
        HttpResponse<String> r = http.post("/api/dead-letters/requeue", http.csrf(),
                "{\"queue\":\"amdahl\",\"id\":\"" + dead.path("id").asText() + "\"}");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        Await.until(Deployment.timeout(), "it ran", () -> deployment.app.resultBackend().get(late.id())
                .map(x -> x.state() == TaskState.SUCCESS).orElse(false));
        assertThat(deployment.app.resultBackend().get(late.id()).orElseThrow().result()).isEqualTo("\"late hello\"");
    }

    @Test
    void offLoopbackItRefusesToStartWithoutAuth() {
        assertThatThrownBy(() -> Dashboard.builder(deployment.app).bind("0.0.0.0", 0).start())
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("token").hasMessageContaining("127.0.0.1");
        assertThatThrownBy(() -> Dashboard.builder(deployment.app).token("short"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("16");
        HttpResponse<String> rebound = new Http(dashboard.url(), null).get("/api/overview");
        assertThat(rebound.statusCode()).isEqualTo(200);
    }
}
