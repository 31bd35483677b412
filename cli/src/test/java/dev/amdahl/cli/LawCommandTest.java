package dev.amdahl.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class LawCommandTest {

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    @BeforeAll
    static void headless() {
        System.setProperty("java.awt.headless", "true");
    }

    private int amdahl(String... args) {
        CommandLine commandLine = new CommandLine(new AmdahlCommand());
        commandLine.setOut(new PrintWriter(out));
        commandLine.setErr(new PrintWriter(err));
        return commandLine.execute(args);
    }

    @Test
    void printsTheBooksNumbers() {
        int exit = amdahl("law", "-p", "0.99", "-t", "100", "-n", "1,10,100,1000");

        assertThat(exit).isZero();
        String table = out.toString();
        assertThat(table).containsPattern("\\n\\s+10\\s+10\\.90 s\\s+9\\.17\\s+91\\.7 %\\s+9\\.91\\n");
        assertThat(table).containsPattern("\\n\\s+100\\s+1\\.990 s\\s+50\\.25\\s+50\\.3 %\\s+99\\.01\\n");
        assertThat(table).containsPattern("\\n\\s+1000\\s+1\\.099 s\\s+90\\.99\\s+9\\.1 %\\s+990\\.01\\n");
        assertThat(table).contains("1/S = 100x");
        assertThat(err.toString()).isEmpty();
    }

    @Test
    void serialFractionIsTheAlternative() {
        amdahl("law", "-s", "0.01", "-t", "100", "-n", "1,10,100,1000");

        assertThat(out.toString()).contains("S = 0.01 (P = 0.99)", " 9.17 ", " 50.25 ", " 90.99 ", "1/S = 100x");
    }

    @Test
    void jsonParses() throws Exception {
        int exit = amdahl("law", "-p", "0.99", "-t", "100", "-n", "1,10,100,1000", "--json");

        assertThat(exit).isZero();
        JsonNode json = new ObjectMapper().readTree(out.toString());
        assertThat(json.get("limit").asDouble()).isCloseTo(100.0, within(1e-9));
        assertThat(json.get("rows")).hasSize(4);
        assertThat(json.at("/rows/1/workers").asInt()).isEqualTo(10);
        assertThat(json.at("/rows/1/speedup").asDouble()).isCloseTo(9.17, within(0.005));
        assertThat(json.at("/rows/2/speedup").asDouble()).isCloseTo(50.25, within(0.005));
        assertThat(json.at("/rows/3/speedup").asDouble()).isCloseTo(90.99, within(0.005));
        assertThat(json.at("/rows/3/scaledSpeedup").asDouble()).isCloseTo(990.01, within(1e-6));
        assertThat(json.at("/rows/1/seconds").asDouble()).isCloseTo(10.9, within(1e-9));
    }

    @Test
    void noSerialPartHasNoLimit() throws Exception {
        amdahl("law", "-s", "0", "--json");

        assertThat(new ObjectMapper().readTree(out.toString()).get("limit").isNull()).isTrue();
    }

    @Test
    void plotsByExtension(@TempDir Path dir) throws Exception {
        Path png = dir.resolve("speedup.png");
        Path svg = dir.resolve("speedup.svg");

        assertThat(amdahl("law", "-p", "0.99", "--plot", png.toString())).isZero();
        assertThat(amdahl("law", "-p", "0.99", "--plot", svg.toString(), "--json")).isZero();

        assertThat(ImageIO.read(png.toFile()).getWidth()).isEqualTo(720);
        assertThat(Files.readString(svg)).startsWith("<?xml").contains("limit 1/S = 100");
        assertThat(out.toString()).contains("Wrote " + png);
        assertThat(err.toString()).contains("Wrote " + svg);
    }

    @Test
    void rejectsBadInputWithAReason() {
        assertThat(amdahl("law", "-p", "99")).isEqualTo(2);
        assertThat(err.toString()).contains("parallel fraction P must be in [0, 1], got 99.0 (write 99 % as 0.99)");

        assertThat(amdahl("law", "-p", "0.9", "-n", "0,4")).isEqualTo(2);
        assertThat(err.toString()).contains("worker count n must be at least 1, got 0");

        assertThat(amdahl("law", "-p", "0.9", "-t", "0")).isEqualTo(2);
        assertThat(err.toString()).contains("T(1) must be a positive number of seconds");

        assertThat(amdahl("law", "-p", "0.9", "-s", "0.1")).isEqualTo(2);
        assertThat(err.toString()).contains("mutually exclusive");

        assertThat(amdahl("law", "-p", "0.9", "--plot", "chart.gif")).isEqualTo(2);
        assertThat(err.toString()).contains("--plot chart.gif: the file name must end in .svg or .png");
        assertThat(out.toString()).doesNotContain("Wrote");
    }

    @Test
    void helpExplainsTheLaw() {
        assertThat(amdahl("law", "--help")).isZero();

        assertThat(out.toString()).contains("--parallel=P", "--serial=S", "--plot=FILE", "--json",
                "Gustafson", "amdahl law -p 0.99 -t 100 -n 1,10,100,1000");
    }
}
