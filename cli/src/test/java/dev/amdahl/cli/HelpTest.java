package dev.amdahl.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class HelpTest {

    @Test
    void helpListsTheSubcommandsWithAOneLineDescription() {
        Cli.Result r = Cli.run("--help");

        assertThat(r.exitCode()).isZero();
        assertThat(r.out()).containsPattern("(?m)^  demo\\s+\\S.*$")
                .containsPattern("(?m)^  worker\\s+\\S.*$")
                .containsPattern("(?m)^  submit\\s+\\S.*$")
                .containsPattern("(?m)^  scale\\s+\\S.*$")
                .contains("Examples:").contains("--verbose");
    }

    @Test
    void noSubcommandPrintsTheHelp() {
        assertThat(Cli.run().out()).contains("Commands:");
    }

    @ParameterizedTest
    @ValueSource(strings = {"demo", "demo mandelbrot", "demo pi", "worker", "submit", "migrate", "scale"})
    void everySubcommandHasExamplesInItsHelp(String command) {
        Cli.Result r = Cli.run((command + " --help").split(" "));

        assertThat(r.exitCode()).isZero();
        assertThat(r.out()).contains("Usage: amdahl " + command).contains("Examples:").contains("  amdahl " + command);
    }

    @Test
    void anUnknownCommandIsAUsageError() {
        Cli.Result r = Cli.run("render");

        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err()).contains("'render'");
    }

    @Test
    void mainsCommandLineGivesAShortMessageForAParseError() {
        Cli.Result r = Cli.run(Main.commandLine(), "demo", "mandelbrot", "--pool", "fibers");

        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err()).contains("choose threads, virtual or processes")
                .contains("See 'amdahl demo mandelbrot --help'").doesNotContain("Usage:");
    }
}
