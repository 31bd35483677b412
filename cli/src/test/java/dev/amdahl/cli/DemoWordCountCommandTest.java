package dev.amdahl.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 120, unit = TimeUnit.SECONDS)
class DemoWordCountCommandTest {

    private static Pattern row(int workers) {
        return Cli.timingRow(workers);
    }

    @Test
    void printsALinePerWorkerCountTheCommonestWordsAndTheSerialPart() {
        Cli.Result r = Cli.run("demo", "wordcount", "--workers", "1,2", "--bytes", "200000", "--chunks", "8", "--top", "3");

        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(r.out()).contains("word count (map-reduce), 200,000 bytes of text in 8 chunks, merged by a chord callback")
                .containsPattern(row(1)).containsPattern(row(2))
                .containsPattern("(?m)^\\d{2},\\d{3} words, \\d,\\d{3} distinct; the commonest: 'the', \\d,\\d{3} times$")
                .containsPattern("(?m)^\\s+1  the\\s+[\\d,]+\\s+\\d+\\.\\d\\d %$")
                .containsPattern("(?m)^\\s+3  \\w+")
                .doesNotContainPattern("(?m)^\\s+4  \\w+")
                .containsPattern("the serial part, \\d+\\.\\d{3} s: splitting and submitting \\d+\\.\\d{3} s in this process, the"
                        + " reduce \\(one task merging 8 chunks' counts\\) \\d+\\.\\d{3} s on a worker");
        assertThat(r.err()).isEmpty();
    }

    @Test
    void badSizesAreUsageErrors() {
        Cli.Result bytes = Cli.run("demo", "wordcount", "--bytes", "0");
        Cli.Result chunks = Cli.run("demo", "wordcount", "--bytes", "10", "--chunks", "11");
        Cli.Result top = Cli.run("demo", "wordcount", "--top", "-1");

        assertThat(bytes.exitCode()).isEqualTo(2);
        assertThat(bytes.err()).contains("1 byte to 64 MiB");
        assertThat(chunks.exitCode()).isEqualTo(2);
        assertThat(chunks.err()).contains("1 byte per chunk");
        assertThat(top.exitCode()).isEqualTo(2);
        assertThat(top.err()).contains("0 or more");
    }

    @Test
    void itsHelpHasExamples() {
        Cli.Result r = Cli.run("demo", "wordcount", "--help");

        assertThat(r.exitCode()).isZero();
        assertThat(r.out()).contains("Usage: amdahl demo wordcount").contains("Examples:").contains("  amdahl demo wordcount");
    }
}
