package dev.amdahl.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** Options not given as flags come from AMDAHL_* variables, then from the file: flag beats environment beats file. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class ConfigDefaultsTest {

    private static StatusCommand parsed(Map<String, String> env, String... args) {
        CommandLine line = Main.commandLine(args, env);
        line.parseArgs(args);
        return line.getSubcommands().get("status").getCommand();
    }

    @Test
    void aFlagBeatsTheEnvironmentWhichBeatsTheFile(@TempDir Path dir) throws Exception {
        Path file = Files.writeString(dir.resolve("ops.properties"), "broker=redis://from-file:6379\nbackend=redis://file-backend:6379\nqueues=a,b\n");
        String config = file.toString();

        StatusCommand fromFile = parsed(Map.of(), "--config", config, "status");
        assertThat(fromFile.broker).isEqualTo("redis://from-file:6379");
        assertThat(fromFile.backend).isEqualTo("redis://file-backend:6379");
        assertThat(fromFile.queues).containsExactly("a", "b");

        StatusCommand fromEnv = parsed(Map.of("AMDAHL_BROKER", "redis://from-env:6379"), "--config", config, "status");
        assertThat(fromEnv.broker).isEqualTo("redis://from-env:6379");
        assertThat(fromEnv.backend).as("still from the file").isEqualTo("redis://file-backend:6379");

        StatusCommand fromFlag = parsed(Map.of("AMDAHL_BROKER", "redis://from-env:6379"), "--config", config, "status",
                "--broker", "redis://from-flag:6379");
        assertThat(fromFlag.broker).isEqualTo("redis://from-flag:6379");
    }

    @Test
    void theWorkersQueuesDefaultStaysWithoutConfiguration() {
        CommandLine line = Main.commandLine(new String[]{"worker"}, Map.of());
        line.parseArgs("worker");
        WorkerCommand worker = line.getSubcommands().get("worker").getCommand();
        assertThat(worker.queues).containsExactly("amdahl");
        assertThat(worker.broker).isNull();
    }

    @Test
    void onlyTheConnectionOptionsAreRead() {
        StatusCommand s = parsed(Map.of("AMDAHL_YES", "true"), "status");
        assertThat(s.broker).isNull();
        CommandLine line = Main.commandLine(new String[]{"purge", "q"}, Map.of("AMDAHL_YES", "true"));
        line.parseArgs("purge", "q");
        assertThat(((PurgeCommand) line.getSubcommands().get("purge").getCommand()).yes).as("never from the environment").isFalse();
    }

    @Test
    void aMissingConfigFileOrAnUnknownKeyIsSaidPlainly(@TempDir Path dir) throws Exception {
        assertThatThrownBy(() -> Main.commandLine(new String[]{"--config", dir.resolve("none.properties").toString(), "status"}, Map.of()))
                .hasMessageContaining("no such file");
        Path typo = Files.writeString(dir.resolve("typo.properties"), "brokr=redis://x:6379\n");
        assertThatThrownBy(() -> Main.commandLine(new String[]{"--config", typo.toString(), "status"}, Map.of()))
                .hasMessageContaining("unknown key 'brokr'");
    }
}
