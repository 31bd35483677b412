package dev.amdahl.dashboard;

import static org.assertj.core.api.Assertions.assertThat;

import dev.amdahl.Task;
import dev.amdahl.TaskFuture;
import dev.amdahl.TaskState;
import dev.amdahl.browsertest.HeadlessChromium;
import dev.amdahl.testkit.Await;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.openqa.selenium.By;
import org.openqa.selenium.NoSuchElementException;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;

/**
 * The dashboard in a real browser: Debian's chromium driven through its chromedriver (nothing downloaded), headless,
 * on the embedded broker and on the real Redis. Screenshots of each page go to target/screenshots, and to the folder
 * named by {@code -Ddashboard.screenshots=DIR} (docs/ for the documentation).
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class DashboardBrowserIT {

    private final List<AutoCloseable> open = new ArrayList<>();
    private WebDriver browser;

    @AfterEach
    void close() throws Exception {
        if (browser != null) {
            browser.quit();
        }
        for (int i = open.size() - 1; i >= 0; i--) {
            open.get(i).close();
        }
    }

    @Test
    void onTheEmbeddedBrokerThePageLoadsCountsADeadLetterIsRequeuedAndCompletes() throws Exception {
        walkThrough(Deployment.embedded(), "embedded", false);
    }

    @Test
    void onRedisThePageLoadsCountsADeadLetterIsRequeuedAndCompletes() throws Exception {
        walkThrough(Deployment.redis(), "redis", true);
    }

    @Test
    void offLoopbackThePageNeedsItsToken() throws Exception {
        Deployment deployment = opened(Deployment.embedded());
        Dashboard dashboard = opened(Dashboard.builder(deployment.app).bind("0.0.0.0", 0).token(DashboardAuthTest.TOKEN).start());
        browser = HeadlessChromium.open();
        String base = "http://127.0.0.1:" + dashboard.port();
        browser.get(base + "/");
        assertThat(browser.findElements(By.id("count-processed"))).as("no dashboard without the token").isEmpty();
        assertThat(browser.findElement(By.tagName("body")).getText()).contains("needs its token");
        browser.get(base + "/api/overview");
        assertThat(browser.findElement(By.tagName("body")).getText()).contains("authentication required");
        browser.get(base + "/");
        browser.findElement(By.id("token")).sendKeys("not-the-token");
        browser.findElement(By.cssSelector("button[type=submit]")).click();
        assertThat(browser.findElements(By.id("count-processed"))).isEmpty();
        browser.get(base + "/");
        browser.findElement(By.id("token")).sendKeys(DashboardAuthTest.TOKEN);
        browser.findElement(By.cssSelector("button[type=submit]")).click();
        Await.until(Deployment.timeout(), "the dashboard opens once the token is given",
                () -> !browser.findElements(By.id("count-processed")).isEmpty()
                        && browser.findElement(By.id("live")).getText().equals("live"));
        assertThat(severeConsoleEntries()).isEmpty();
    }

    private void walkThrough(Deployment d, String name, boolean screenshots) throws Exception {
        Deployment deployment = opened(d);
        Dashboard dashboard = opened(Dashboard.builder(deployment.app).bind("127.0.0.1", 0).pollInterval(Duration.ofMillis(300)).start());
        browser = HeadlessChromium.open();
        browser.get(dashboard.url());
        Await.until(Deployment.timeout(), "the event stream is live", () -> browser.findElement(By.id("live")).getText().equals("live"));
        Await.until(Deployment.timeout(), "the worker is counted", () -> text("count-workers").equals("1"));
        assertThat(text("count-processed")).isEqualTo("0");

        // counters move while a job runs
        Task<Integer, Integer> slow = deployment.app.task("dash.slow", Integer.class, Integer.class);
        // 24 tasks of 0.5 s on 4 slots: 3 s, longer than a heartbeat interval, so that some are seen running
        List<TaskFuture<Integer>> job = IntStream.range(0, 24).mapToObj(i -> slow.submit(500)).toList();
        Await.until(Deployment.timeout(), "tasks are seen running", () -> Integer.parseInt(text("count-running")) > 0);
        Await.until(Deployment.timeout(), "some are processed, not all yet", () -> {
            int n = Integer.parseInt(text("count-processed"));
            return n > 0;
        });
        for (TaskFuture<Integer> f : job) {
            f.result(Deployment.timeout());
        }
        Await.until(Deployment.timeout(), "all 24 are counted", () -> text("count-processed").equals("24"));
        Task<Integer, Integer> square = deployment.app.task("dash.square", Integer.class, Integer.class);
        square.sig(3).then(square).submit().result(Deployment.timeout());
        deployment.app.task("dash.fail", com.fasterxml.jackson.databind.JsonNode.class, com.fasterxml.jackson.databind.JsonNode.class)
                .submit(Http.JSON.getNodeFactory().textNode("bad input"));
        Await.until(Deployment.timeout(), "the failure is counted", () -> text("count-failed").equals("1"));
        shot(screenshots, name, "overview");

        // a dead letter, requeued from the page once a worker knows its task, completes
        TaskFuture<String> late = deployment.app.task("dash.later", String.class, String.class).submit("world");
        Await.until(Deployment.timeout(), "the dead letter is counted", () -> text("count-dead").equals("1"));
        deployment.startWorkerThatKnowsEverything();
        browser.get(dashboard.url() + "#/queues/amdahl");
        Await.until(Deployment.timeout(), "the dead letter is listed",
                () -> !browser.findElements(By.cssSelector("tr.dead-letter button.requeue")).isEmpty());
        shot(screenshots, name, "queues");
        click(By.cssSelector("tr.dead-letter button.requeue"), "the requeue button");
        Await.until(Deployment.timeout(), "the requeued task completes", () -> deployment.app.resultBackend().get(late.id())
                .map(r -> r.state() == TaskState.SUCCESS).orElse(false));
        Await.until(Deployment.timeout(), "the dead letter is gone from the page", () -> text("count-dead").equals("0"));

        browser.get(dashboard.url() + "#/workers");
        Await.until(Deployment.timeout(), "the worker table", () -> viewText().contains("dash.later"));
        shot(screenshots, name, "workers");
        browser.get(dashboard.url() + "#/task/" + late.id());
        Await.until(Deployment.timeout(), "the task's page", () -> viewText().contains("late world"));
        shot(screenshots, name, "task");
        browser.get(dashboard.url() + "#/tasks");
        Await.until(Deployment.timeout(), "the task list", () -> viewText().contains("dash.square"));
        shot(screenshots, name, "tasks");
        slow.map(List.of(200, 200, 200, 200, 200, 200, 200, 200)).result(Deployment.timeout());
        browser.get(dashboard.url() + "#/workflows");
        click(By.cssSelector("#view a[href^='#/workflow/']"), "the chain's link");
        Await.until(Deployment.timeout(), "its steps are drawn",
                () -> browser.findElements(By.cssSelector("#workflow-graph rect.step")).size() == 2);
        shot(screenshots, name, "workflow");
        browser.get(dashboard.url() + "#/scaling");
        Await.until(Deployment.timeout(), "the group is measured", () -> viewText().contains("%"));
        shot(screenshots, name, "scaling");
        assertThat(severeConsoleEntries()).as("console errors").isEmpty();
    }

    /** The page redraws its view on every tick: an element found may be gone a moment later, so look again. */
    private void click(By what, String description) {
        Await.until(Deployment.timeout(), "clicked " + description, () -> {
            try {
                browser.findElements(what).stream().findFirst().orElseThrow(() -> new NoSuchElementException(description)).click();
                return true;
            } catch (StaleElementReferenceException | NoSuchElementException again) {
                return false;
            }
        });
    }

    private String viewText() {
        for (int i = 0; ; i++) {
            try {
                return browser.findElement(By.id("view")).getText();
            } catch (StaleElementReferenceException redrawn) {
                if (i > 20) {
                    throw redrawn;
                }
            }
        }
    }

    private String text(String id) {
        return browser.findElement(By.id(id)).getText();
    }

    private List<String> severeConsoleEntries() {
        List<String> bad = HeadlessChromium.consoleProblems(browser);
        // the refused pages of the token test answer 401 on purpose; the browser logs those loads
        bad.removeIf(s -> s.contains("401"));
        return bad;
    }

    private void shot(boolean keep, String run, String page) throws IOException {
        Await.until(Duration.ofSeconds(5), "the page settles", () -> browser.findElement(By.id("live")).getText().equals("live"));
        File png = ((TakesScreenshot) browser).getScreenshotAs(OutputType.FILE);
        Path dir = Path.of("target", "screenshots");
        Files.createDirectories(dir);
        Files.copy(png.toPath(), dir.resolve("dashboard-" + run + "-" + page + ".png"), StandardCopyOption.REPLACE_EXISTING);
        String docs = System.getProperty("dashboard.screenshots");
        if (keep && docs != null && !docs.isBlank()) {
            Files.copy(png.toPath(), Path.of(docs).resolve("dashboard-" + page + ".png"), StandardCopyOption.REPLACE_EXISTING);
        }
    }

    private <T extends AutoCloseable> T opened(T t) {
        open.add(t);
        return t;
    }
}
