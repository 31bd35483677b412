package dev.amdahl.redis;

import java.io.File;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * What the tests' private redis-servers share: a free loopback port, a temporary directory of their own for
 * data, configuration and logs, a process killed with SIGKILL, and the directory removed on close. Never the
 * shared Redis on 6379.
 */
abstract class RedisServerProcess implements AutoCloseable {

    protected final int port;
    protected final Path dir;
    protected Process process;

    protected RedisServerProcess(String dirPrefix) throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            this.port = socket.getLocalPort();
        }
        this.dir = Files.createTempDirectory(dirPrefix);
    }

    /** On a port the caller chose (a cluster node, whose bus port, 10000 above it, must be free too). */
    protected RedisServerProcess(String dirPrefix, int port) throws IOException {
        this.port = port;
        this.dir = Files.createTempDirectory(dirPrefix);
    }

    int port() {
        return port;
    }

    /** Starts {@code redis-server} with {@code arguments}, its output to {@code out} in the directory. */
    protected final void launch(List<String> arguments, String out) throws IOException {
        List<String> command = new ArrayList<>(List.of("redis-server"));
        command.addAll(arguments);
        process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(dir.resolve(out).toFile()).start();
    }

    /** SIGKILL: no shutdown, no final save; only what was fsynced survives. */
    void kill() throws InterruptedException {
        process.destroyForcibly();
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            throw new IllegalStateException("redis-server did not die");
        }
    }

    /** Fails the wait for the server at once when it exited, pointing at its log. */
    protected final void checkAlive(Path log) {
        if (!process.isAlive()) {
            throw new IllegalStateException("redis-server exited with " + process.exitValue() + "; see " + log);
        }
    }

    @Override
    public void close() throws IOException, InterruptedException {
        if (process != null && process.isAlive()) {
            kill();
        }
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).map(Path::toFile).forEach(File::delete);
        }
    }
}
