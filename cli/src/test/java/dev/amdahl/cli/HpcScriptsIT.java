package dev.amdahl.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.lettuce.core.RedisClient;
import io.lettuce.core.ScanArgs;
import io.lettuce.core.ScanIterator;
import io.lettuce.core.api.StatefulRedisConnection;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The Slurm and PBS batch scripts of deploy/hpc: their syntax ({@code bash -n}), the amdahl commands and flags they
 * use (each must be in that command's {@code --help}), and a whole job run here on one "node", with {@code srun},
 * {@code scontrol} and {@code pbsdsh} replaced by shims that run the step on this machine: the broker started for the
 * job (Slurm) or given (PBS), a worker per node, the client as the job's step, the workers ending when idle, the job's
 * exit code the client's.
 */
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class HpcScriptsIT {

    private static final List<String> SCRIPTS = List.of("deploy/hpc/slurm.sbatch", "deploy/hpc/pbs.pbs",
            "deploy/hpc/amdahl-broker.sh", "deploy/docker/entrypoint.sh");
    /** An amdahl invocation in a script: the launcher's variable, quoted or not, then the command. */
    private static final Pattern INVOCATION = Pattern.compile("[\"']?\\$(?:AMDAHL|launcher)[\"']? +(\\w[\\w-]*)((?: +[^|;&#]*)?)");
    /** The entry point builds the worker's command line in an array: {@code args=(worker ...)}, {@code args+=(...)}. */
    private static final Pattern WORKER_ARGS = Pattern.compile("^\\s*args\\+?=\\((.*)\\)\\s*$");

    @ParameterizedTest
    @ValueSource(strings = {"deploy/hpc/slurm.sbatch", "deploy/hpc/pbs.pbs", "deploy/hpc/amdahl-broker.sh",
        "deploy/docker/entrypoint.sh"})
    void theScriptIsValidBash(String script) throws Exception {
        Process p = new ProcessBuilder("bash", "-n", DeployFiles.root().resolve(script).toString()).redirectErrorStream(true).start();
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(new String(p.getInputStream().readAllBytes())).isZero();
    }

    @Test
    void everyAmdahlCommandAndFlagTheScriptsUseExists() {
        Map<String, Set<String>> used = new HashMap<>();
        for (String script : SCRIPTS) {
            String text = DeployFiles.read(script).replace("\\\n", " ");
            for (String line : text.lines().toList()) {
                Matcher array = WORKER_ARGS.matcher(line);
                if (array.matches()) {
                    flagsOf(array.group(1), used.computeIfAbsent("worker", k -> new LinkedHashSet<>()));
                }
                Matcher m = INVOCATION.matcher(line);
                while (m.find()) {
                    flagsOf(m.group(2), used.computeIfAbsent(m.group(1), k -> new LinkedHashSet<>()));
                }
            }
        }
        assertThat(used).as("the scripts start workers and the dashboard").containsKeys("worker", "dashboard");
        assertThat(used.get("worker")).contains("--concurrency", "--exit-when-idle", "--shutdown-grace", "--metrics-port");
        used.forEach((command, flags) -> {
            Cli.Result help = Cli.run(command, "--help");
            assertThat(help.exitCode()).as("amdahl %s --help: %s", command, help).isZero();
            for (String flag : flags) {
                assertThat(help.out()).as("amdahl %s has %s", command, flag).containsPattern(Pattern.quote(flag) + "\\b");
            }
        });
    }

    @Test
    void aSlurmJobStartsItsBrokerRunsTheClientAndEndsWhenTheWorkIsDone(@TempDir Path dir) throws Exception {
        Path bin = shims(dir);
        int port = freePort();
        Map<String, String> env = jobEnv(bin, dir);
        env.put("SLURM_JOB_ID", "it-" + UUID.randomUUID());
        env.put("SLURM_JOB_NODELIST", "localhost");
        env.put("SLURM_JOB_NUM_NODES", "1");
        env.put("SLURM_CPUS_PER_TASK", "2");
        env.put("SLURM_SUBMIT_DIR", dir.toString());
        env.put("AMDAHL_REDIS_PORT", String.valueOf(port));

        Path log = dir.resolve("job.log");
        int exit = run(List.of("bash", DeployFiles.root().resolve("deploy/hpc/slurm.sbatch").toString(),
                "demo", "pi", "--samples", "400000", "--chunks", "8"), env, dir, log);

        String out = read(log);
        assertThat(exit).as("the job's exit code; its log:%n%s", out).isZero();
        assertThat(out).contains("consuming [amdahl] on redis://:****@localhost:" + port)
                .contains("2 at once")
                .contains("3.1")
                .contains("stopped after");
        assertThat(out).as("the password stays out of the log").doesNotContainPattern("redis://:[0-9a-f]{32}@");
        try (ServerSocket again = new ServerSocket(port)) {
            assertThat(again.getLocalPort()).as("the job's Redis stopped with it: its port is free").isEqualTo(port);
        }
    }

    @Test
    void aPbsJobUsesTheBrokerItIsGivenAndEndsWhenTheWorkIsDone(@TempDir Path dir) throws Exception {
        Path bin = shims(dir);
        String prefix = "cli-pbs-" + UUID.randomUUID();
        Path nodes = Files.writeString(dir.resolve("nodefile"), "localhost\nlocalhost\n");
        Map<String, String> env = jobEnv(bin, dir);
        env.put("PBS_JOBID", "it-" + UUID.randomUUID());
        env.put("PBS_NODEFILE", nodes.toString());
        env.put("PBS_O_WORKDIR", dir.toString());
        env.put("NCPUS", "2");
        env.put("AMDAHL_BROKER", "redis://127.0.0.1:6379/0?prefix=" + prefix + "&result-ttl=60s");
        env.put("AMDAHL_ARGS", "demo pi --samples 400000 --chunks 8");

        Path log = dir.resolve("job.log");
        try {
            int exit = run(List.of("bash", DeployFiles.root().resolve("deploy/hpc/pbs.pbs").toString()), env, dir, log);

            String out = read(log);
            assertThat(exit).as("the job's exit code; its log:%n%s", out).isZero();
            assertThat(out).contains("consuming [amdahl] on redis://127.0.0.1:6379/0?prefix=" + prefix).contains("stopped after");
            try (var files = Files.list(dir)) {
                assertThat(files.map(p -> p.getFileName().toString())).as("the environment file is gone")
                        .noneMatch(n -> n.startsWith(".amdahl-"));
            }
        } finally {
            deleteKeys(prefix);
        }
    }

    private static void flagsOf(String words, Set<String> flags) {
        Matcher flag = Pattern.compile("(?<![\\w-])--[a-z][a-z-]*").matcher(words);
        while (flag.find()) {
            flags.add(flag.group());
        }
    }

    /** srun, scontrol and pbsdsh that run the step here: enough of each for the scripts, nothing more. */
    private static Path shims(Path dir) throws IOException {
        Path bin = Files.createDirectories(dir.resolve("bin"));
        shim(bin, "scontrol", "[[ \"$1 $2\" == 'show hostnames' ]] && tr ',' '\\n' <<<\"$3\"");
        shim(bin, "srun", "while [[ \"$1\" == -* ]]; do shift; done\nexec \"$@\"");
        shim(bin, "pbsdsh", "while [[ \"$1\" != -- ]]; do shift; done\nshift\nexec \"$@\"");
        return bin;
    }

    private static void shim(Path bin, String name, String body) throws IOException {
        Path file = bin.resolve(name);
        Files.writeString(file, "#!/usr/bin/env bash\n" + body + "\n");
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    private static Map<String, String> jobEnv(Path bin, Path dir) {
        Map<String, String> env = new HashMap<>(System.getenv());
        env.keySet().removeIf(k -> k.startsWith("AMDAHL_") || k.startsWith("SLURM_") || k.startsWith("PBS_") || k.equals("JAVA_OPTS"));
        env.put("PATH", bin + ":" + System.getenv("PATH"));
        env.put("AMDAHL", DeployFiles.root().resolve("amdahl").toString());
        env.put("AMDAHL_HPC_DIR", DeployFiles.root().resolve("deploy/hpc").toString());
        env.put("AMDAHL_OPTS", "-Xmx256m -XX:TieredStopAtLevel=1");
        // above the time the client's JVM needs to submit its first tasks
        env.put("AMDAHL_EXIT_WHEN_IDLE", "15s");
        env.put("AMDAHL_LOG_DIR", dir.toString());
        return env;
    }

    private static int run(List<String> command, Map<String, String> env, Path dir, Path log) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().clear();
        pb.environment().putAll(env);
        Process p = pb.start();
        try {
            assertThat(p.waitFor(180, TimeUnit.SECONDS)).as("the job ended; its log:%n%s", read(log)).isTrue();
            return p.exitValue();
        } finally {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
        }
    }

    private static void deleteKeys(String prefix) {
        RedisClient client = RedisClient.create("redis://127.0.0.1:6379/0");
        try (StatefulRedisConnection<String, String> c = client.connect()) {
            List<String> keys = new ArrayList<>();
            ScanIterator.scan(c.sync(), ScanArgs.Builder.matches(prefix + ":*").limit(1000)).forEachRemaining(keys::add);
            if (!keys.isEmpty()) {
                c.sync().del(keys.toArray(String[]::new));
            }
        } finally {
            client.shutdown();
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
