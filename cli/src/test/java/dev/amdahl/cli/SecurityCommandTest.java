package dev.amdahl.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The command never prints a password or a signing secret, and signs with the keys it is given. */
class SecurityCommandTest {

    private static final String PASSWORD = "s3cret-pw";
    private static final String SECRET = Base64.getEncoder().encodeToString("0123456789abcdef0123456789abcdef".getBytes());

    @Test
    void aMalformedBrokerUrlIsReportedWithoutItsPasswordEvenWithVerbose() {
        for (String command : new String[] {"worker", "submit"}) {
            Cli.Result r = command.equals("worker")
                    ? Cli.run("--verbose", "worker", "--broker", "redis://:" + PASSWORD + "@ho st:6379")
                    : Cli.run("--verbose", "submit", "--broker", "redis://app:" + PASSWORD + "@ho st:6379", "montecarlo.pi", "{}");

            assertThat(r.exitCode()).as(r.toString()).isEqualTo(2);
            assertThat(r.err()).contains("malformed").contains("****@ho st:6379");
            assertThat(r.out() + r.err()).doesNotContain(PASSWORD);
        }
    }

    @Test
    void anUnknownSchemeWithAPasswordIsReportedWithoutIt() {
        Cli.Result r = Cli.run("--verbose", "worker", "--broker", "nosuch://u:" + PASSWORD + "@h:1");

        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.out() + r.err()).doesNotContain(PASSWORD);
    }

    @Test
    void aSigningWorkerRunsWhatASigningSubmitSendsAndShowsKeyIdsOnly(@TempDir Path dir) throws Exception {
        Path keys = Files.writeString(dir.resolve("keys"), "k2=" + SECRET + "\n");
        String broker = InProcessSharedProvider.SCHEME + "://user:" + PASSWORD + "@signed";
        CommandLine workerLine = new CommandLine(new AmdahlCommand());
        WorkerCommand command = workerLine.getSubcommands().get("worker").getCommand();
        CompletableFuture<Cli.Result> worker = CompletableFuture.supplyAsync(() -> Cli.run(workerLine, "--verbose", "worker",
                "--broker", broker, "--signing-keys", keys.toString()));
        Cli.Result submitted;
        try {
            command.started.get(30, TimeUnit.SECONDS);
            submitted = Cli.run("submit", "--broker", broker, "--signing-keys", keys.toString(), "montecarlo.pi",
                    "{\"seed\": 7, \"samples\": 10}", "--wait", "30s");
        } finally {
            command.started.get(30, TimeUnit.SECONDS).close();
        }
        Cli.Result stopped = worker.get(30, TimeUnit.SECONDS);

        assertThat(submitted.exitCode()).as(submitted.toString()).isZero();
        assertThat(stopped.out()).contains("on test-shared://user:****@signed")
                .contains("messages are signed with key k2; verified with [k2]")
                .contains("stopped after 1 task(s)");
        assertThat(stopped.out() + stopped.err() + submitted.out() + submitted.err()).doesNotContain(PASSWORD).doesNotContain(SECRET);
    }

    @Test
    void badSigningKeysAreReportedWithoutTheSecret(@TempDir Path dir) throws Exception {
        Path shortKey = Files.writeString(dir.resolve("short"), "k1=" + SECRET.substring(0, 12));
        Cli.Result r = Cli.run("worker", "--broker", InProcessSharedProvider.SCHEME + "://bad-keys", "--signing-keys", shortKey.toString());

        assertThat(r.exitCode()).as(r.toString()).isEqualTo(2);
        assertThat(r.err()).contains("--signing-keys " + shortKey, "signing key 'k1'", "at least 32");
        assertThat(r.err()).doesNotContain(SECRET.substring(0, 12));

        Cli.Result missing = Cli.run("worker", "--broker", InProcessSharedProvider.SCHEME + "://bad-keys",
                "--signing-keys", dir.resolve("none").toString());
        assertThat(missing.err()).contains("cannot read the signing keys");
    }

    @Test
    void keysComeFromTheEnvironmentWhenNoFileIsGiven(@TempDir Path dir) throws Exception {
        SigningKeysOption option = new SigningKeysOption();
        CommandLine line = new CommandLine(new AmdahlCommand());

        option.environment = name -> name.equals(SigningKeysOption.ENV_KEYS) ? "k3=" + SECRET + ",+unsigned" : null;
        assertThat(option.load(line.getCommandSpec()).keyIds()).containsExactly("k3");

        Path file = Files.writeString(dir.resolve("keys"), "k4=" + SECRET);
        option.environment = name -> name.equals(SigningKeysOption.ENV_FILE) ? file.toString() : "k3=" + SECRET;
        assertThat(option.load(line.getCommandSpec()).keyIds()).containsExactly("k4");

        option.environment = name -> null;
        assertThat(option.load(line.getCommandSpec())).isNull();
    }
}
