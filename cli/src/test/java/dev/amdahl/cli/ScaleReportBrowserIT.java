package dev.amdahl.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.amdahl.browsertest.HeadlessChromium;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;

/**
 * The HTML report of {@code amdahl scale} in a real browser: Debian's chromium driven headless through its
 * chromedriver (nothing downloaded), as the dashboard's browser test does. The report comes from a synthetic
 * job run far past the cores, so it has repeats (a confidence band), held-out counts and advice to draw. A
 * screenshot goes to target/screenshots.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class ScaleReportBrowserIT {

    private WebDriver browser;

    @AfterEach
    void close() {
        if (browser != null) {
            browser.quit();
        }
    }

    @Test
    void theReportShowsTheChartWithItsBandPointsCurveAsymptoteAndAdviceAndTheTables(@TempDir Path dir) throws Exception {
        Path html = dir.resolve("scale.html");
        Cli.Result r = Cli.run("scale", "synthetic", "--serial-fraction", "0.1", "--task-ms", "5", "--tasks", "32",
                "--workers", "1,2,4,8", "--predict", "16,32", "--repeat", "3", "--html", html.toString());
        assertThat(r.exitCode()).as(r.toString()).isZero();

        browser = HeadlessChromium.open();
        browser.get(html.toUri().toString());

        assertThat(browser.getTitle()).contains("synthetic job, S = 0.1");
        assertThat(rows("measurements")).as("a header and one row per fitted count").hasSize(5);
        WebElement chart = browser.findElement(By.cssSelector("#chart svg"));
        assertThat(chart.getSize().getWidth()).isGreaterThan(300);
        assertThat(chart.getSize().getHeight()).isGreaterThan(200);
        assertThat(chart.findElements(By.tagName("circle"))).as("6 counts measured, and the legend's marks").hasSizeGreaterThanOrEqualTo(6);
        assertThat(chart.findElements(By.cssSelector("polyline"))).as("ideal line and fitted curve").hasSizeGreaterThanOrEqualTo(2);
        String drawn = chart.getText();
        assertThat(drawn).contains("measured: median, bar = runs' range", "held out of the fit");

        if (browser.findElements(By.id("fits")).isEmpty()) {
            // superlinear timings on a busy machine: the report says so instead of fitting
            assertThat(browser.findElement(By.id("warnings")).getText()).contains("Superlinear speedup");
        } else {
            assertThat(chart.findElements(By.cssSelector("polygon.band"))).as("the confidence band of S").hasSize(1);
            assertThat(drawn).contains("95 % confidence band of S", "Amdahl fit, S = ", "advice: ");
            assertThat(drawn).containsPattern("limit of the fit = [\\d.]+×");
            assertThat(browser.findElement(By.id("summary")).getText()).contains("95 % confidence interval");
            assertThat(browser.findElement(By.id("advice")).getText()).startsWith("Advice: run ").contains("Rule: the largest n");
            assertThat(rows("fits")).hasSize(3);
            assertThat(rows("held-out")).as("a header, 16 and 32").hasSize(3);
            assertThat(rows("criteria")).hasSizeGreaterThanOrEqualTo(3);
        }
        assertThat(HeadlessChromium.consoleProblems(browser)).isEmpty();

        Path shots = Path.of("target", "screenshots");
        Files.createDirectories(shots);
        File png = ((TakesScreenshot) browser).getScreenshotAs(OutputType.FILE);
        Files.copy(png.toPath(), shots.resolve("scale-report.png"), StandardCopyOption.REPLACE_EXISTING);
    }

    @Test
    void theWeakScalingReportShowsTheScaledSpeedupChartAndTheTables(@TempDir Path dir) throws Exception {
        Path html = dir.resolve("weak.html");
        Cli.Result r = Cli.run("scale", "synthetic", "--weak", "--serial-fraction", "0.3", "--task-ms", "20", "--tasks",
                "2", "--workers", "1,2,4,8", "--predict", "16", "--repeat", "3", "--html", html.toString());
        assertThat(r.exitCode()).as(r.toString()).isZero();

        browser = HeadlessChromium.open();
        browser.get(html.toUri().toString());

        assertThat(browser.getTitle()).contains("synthetic job, S = 0.3", "weak scaling");
        assertThat(rows("measurements")).as("a header and one row per fitted count").hasSize(5);
        assertThat(rows("held-out")).as("a header and 16").hasSize(2);
        assertThat(rows("criteria")).hasSize(3);
        assertThat(browser.findElement(By.id("summary")).getText()).contains("Gustafson's serial share s' = ",
                "95 % confidence interval");
        assertThat(browser.findElement(By.id("advice")).getText()).startsWith("Advice: run ")
                .contains("Rule: the largest n whose predicted scaled efficiency");
        WebElement chart = browser.findElement(By.cssSelector("#chart svg"));
        assertThat(chart.getSize().getWidth()).isGreaterThan(300);
        assertThat(chart.findElements(By.tagName("circle"))).as("5 counts measured, and the legend's marks")
                .hasSizeGreaterThanOrEqualTo(5);
        assertThat(chart.findElements(By.cssSelector("polyline"))).as("the n line and the fitted curve")
                .hasSizeGreaterThanOrEqualTo(2);
        assertThat(chart.findElements(By.cssSelector("polygon.band"))).as("the confidence band of s'").hasSize(1);
        assertThat(chart.getText()).contains("scaled speedup", "ideal (scaled speedup = n)", "Gustafson fit, s' = ",
                "held out of the fit", "advice: ");
        assertThat(HeadlessChromium.consoleProblems(browser)).isEmpty();

        Path shots = Path.of("target", "screenshots");
        Files.createDirectories(shots);
        File png = ((TakesScreenshot) browser).getScreenshotAs(OutputType.FILE);
        Files.copy(png.toPath(), shots.resolve("scale-weak-report.png"), StandardCopyOption.REPLACE_EXISTING);
    }

    private List<WebElement> rows(String table) {
        return browser.findElements(By.cssSelector("#" + table + " tr"));
    }
}
