package dev.amdahl.postgres;

import dev.amdahl.testkit.Await;
import java.io.File;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A PostgreSQL cluster of the test's own, made with {@code initdb} in a temporary directory and run by the
 * {@code postgres} server on a free loopback port, so a test may SIGKILL and restart it; the shared server is never
 * touched. The server refuses to run as root, so both run as the {@code postgres} user (through {@code runuser}) when
 * the test runs as root. Trust authentication for the user {@code root}; the database is {@code postgres}.
 * A JUnit extension of the test class: started before its first test, killed and removed after its last.
 */
final class PrivatePostgres implements BeforeAllCallback, AfterAllCallback {

    private static final Path BIN = findBin();
    private final int port;
    private final Path dir;
    private Process process;

    PrivatePostgres() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            this.port = socket.getLocalPort();
            this.dir = Files.createTempDirectory("amdahl-postgres-it");
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("cannot prepare a private PostgreSQL cluster", e);
        }
    }

    private static Path findBin() {
        try (Stream<Path> versions = Files.list(Path.of("/usr/lib/postgresql"))) {
            return versions.map(v -> v.resolve("bin")).filter(b -> Files.isExecutable(b.resolve("initdb")))
                    .max(Comparator.comparing(Path::toString))
                    .orElseThrow(() -> new IllegalStateException("no initdb under /usr/lib/postgresql: install postgresql"));
        } catch (IOException e) {
            throw new IllegalStateException("no /usr/lib/postgresql: install Debian's postgresql package", e);
        }
    }

    int port() {
        return port;
    }

    String hostPort() {
        return "127.0.0.1:" + port;
    }

    private static boolean root() {
        return "root".equals(System.getProperty("user.name"));
    }

    private List<String> asServerUser(String... command) {
        List<String> out = new ArrayList<>();
        if (root()) {
            out.addAll(List.of("runuser", "-u", "postgres", "--"));
        }
        out.addAll(List.of(command));
        return out;
    }

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        if (root()) {
            new ProcessBuilder("chown", "postgres", dir.toString()).inheritIO().start().waitFor(10, TimeUnit.SECONDS);
        }
        Process init = new ProcessBuilder(asServerUser(BIN.resolve("initdb").toString(), "-D", dir.resolve("data").toString(),
                "-A", "trust", "-U", "root", "--no-sync")).redirectErrorStream(true)
                .redirectOutput(dir.resolve("initdb.log").toFile()).start();
        if (!init.waitFor(60, TimeUnit.SECONDS) || init.exitValue() != 0) {
            throw new IllegalStateException("initdb failed; see " + dir.resolve("initdb.log"));
        }
        start();
    }

    /** Starts the server on the cluster's data (after a kill: crash recovery from the WAL); returns once it answers. */
    void start() throws IOException {
        process = new ProcessBuilder(asServerUser(BIN.resolve("postgres").toString(), "-D", dir.resolve("data").toString(),
                "-p", Integer.toString(port), "-k", dir.toString(), "-c", "listen_addresses=127.0.0.1"))
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("server.log").toFile()))
                .start();
        Await.until(Duration.ofSeconds(60), "the private PostgreSQL on " + hostPort() + " (log: " + dir.resolve("server.log")
                + ")", this::answers);
    }

    private boolean answers() {
        if (!process.isAlive()) {
            throw new IllegalStateException("the private PostgreSQL exited; see " + dir.resolve("server.log"));
        }
        try (Connection c = DriverManager.getConnection("jdbc:postgresql://" + hostPort() + "/postgres?connectTimeout=2",
                "root", null)) {
            return c.isValid(2);
        } catch (SQLException e) {
            return false;
        }
    }

    /** SIGKILL to the server and every process of it: a crash. Returns once all are gone. */
    void kill() throws InterruptedException {
        List<ProcessHandle> all = new ArrayList<>(process.descendants().toList());
        all.add(process.toHandle());
        all.forEach(ProcessHandle::destroyForcibly);
        for (ProcessHandle p : all) {
            try {
                p.onExit().get(10, TimeUnit.SECONDS);
            } catch (ExecutionException | TimeoutException e) {
                throw new IllegalStateException("process " + p.pid() + " of the private PostgreSQL did not die", e);
            }
        }
    }

    @Override
    public void afterAll(ExtensionContext context) throws Exception {
        try {
            if (process != null && process.isAlive()) {
                kill();
            }
        } finally {
            try (Stream<Path> files = Files.walk(dir)) {
                files.sorted(Comparator.reverseOrder()).map(Path::toFile).forEach(File::delete);
            }
        }
    }
}
