package dev.amdahl.rabbitmq;

import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import dev.amdahl.testkit.Await;
import dev.amdahl.testkit.TestCertificates;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A RabbitMQ node of the test's own, which the test may kill with SIGKILL and start again on the same data directory
 * and ports, so that a broker crash can be tested without ever stopping the shared node on 5672.
 *
 * <pre>{@code
 * try (PrivateRabbit rabbit = new PrivateRabbit()) {
 *     rabbit.start();                     // returns once guest can open an AMQP connection
 *     ... URI.create(rabbit.url()) ...
 *     rabbit.kill();                      // a crash: no shutdown, only what was fsynced survives
 *     rabbit.start();                     // same node, same data, same ports
 *     rabbit.stop();                      // a clean shutdown: rabbitmqctl stop
 * }                                       // killed, its directory removed
 * }</pre>
 *
 * <h2>What keeps it apart from the shared node</h2>
 * The node runs {@code rabbitmq-server} in the foreground as the current user, with every setting in the
 * environment pointing into a temporary directory:
 * <ul>
 *   <li>its own node name ({@code amdahl-test-<random>@localhost}): two nodes of one name cannot both register with
 *       epmd, and the data directory is named after the node;</li>
 *   <li>its own AMQP port and distribution port, both free loopback ports: the distribution port would otherwise be
 *       the AMQP port + 20000, which may be past 65535 or the shared node's 25672;</li>
 *   <li>its own {@code rabbitmq-env.conf} (empty) and {@code rabbitmq.conf} (one listener on 127.0.0.1): the
 *       system's files name {@code rabbit@localhost} and port 5672, the shared node's;</li>
 *   <li>an empty enabled-plugins file: the management plugin would bind 15672;</li>
 *   <li>its own {@code HOME}, where Erlang makes the node's cookie on the first start and finds it on the next;</li>
 *   <li>distribution bound to 127.0.0.1 only.</li>
 * </ul>
 * The node registers with the epmd on 4369 that the shared node uses (or starts one, which outlives it, as epmd does
 * for any node); killing the node never touches epmd.
 *
 * <p>Running {@code /usr/lib/rabbitmq/bin/rabbitmq-server} rather than Debian's {@code /usr/sbin} wrapper matters: as
 * root the wrapper switches to the {@code rabbitmq} user, who can write neither the temporary directory nor be killed
 * through this process's children.
 */
final class PrivateRabbit implements AutoCloseable, BeforeAllCallback, AfterAllCallback {

    private static final Logger LOG = LoggerFactory.getLogger(PrivateRabbit.class);

    /** Debian's package puts the script here; elsewhere (a generic-unix install) it is on the PATH. */
    private static final Path DEBIAN_SERVER = Path.of("/usr/lib/rabbitmq/bin/rabbitmq-server");

    /** The first start of a node creates its database; on a loaded two-core machine that took up to ~10 s. */
    private static final Duration START_TIMEOUT = Duration.ofSeconds(90);

    private final String nodeName;
    private final int port;
    private final int distributionPort;
    private final int tlsPort;
    private final TestCertificates certificates;
    private final Path dir;
    private Process process;

    PrivateRabbit() throws IOException {
        this(false);
    }

    /**
     * A node for a test class's {@code @RegisterExtension static} field: started before its first test, killed and
     * removed after its last.
     */
    static PrivateRabbit forTestClass(boolean tls) {
        try {
            return new PrivateRabbit(tls);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot prepare a private RabbitMQ node", e);
        }
    }

    @Override
    public void beforeAll(ExtensionContext context) throws IOException {
        start();
    }

    @Override
    public void afterAll(ExtensionContext context) throws IOException, InterruptedException {
        close();
    }

    /**
     * @param tls whether the node also listens for AMQP over TLS ({@link #tlsPort()}), with a server certificate for
     *            127.0.0.1 and localhost signed by the test CA of {@link #certificates()}; it asks clients for none
     */
    PrivateRabbit(boolean tls) throws IOException {
        InetAddress loopback = InetAddress.getLoopbackAddress();
        // the sockets open at once, so that the ports differ
        try (ServerSocket amqp = new ServerSocket(0, 1, loopback); ServerSocket distribution = new ServerSocket(0, 1, loopback);
             ServerSocket amqps = new ServerSocket(0, 1, loopback)) {
            this.port = amqp.getLocalPort();
            this.distributionPort = distribution.getLocalPort();
            this.tlsPort = tls ? amqps.getLocalPort() : -1;
        }
        this.nodeName = "amdahl-test-" + UUID.randomUUID().toString().substring(0, 8) + "@localhost";
        this.dir = Files.createTempDirectory("amdahl-rabbit-it");
        Files.writeString(dir.resolve("rabbitmq-env.conf"), "");
        StringBuilder config = new StringBuilder("listeners.tcp.local = 127.0.0.1:" + port + "\n");
        if (tls) {
            try {
                certificates = TestCertificates.create(dir, "IP:127.0.0.1,DNS:localhost");
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while making the test certificates", e);
            }
            config.append("listeners.ssl.local = 127.0.0.1:").append(tlsPort).append('\n')
                    .append("ssl_options.cacertfile = ").append(certificates.file("ca.crt")).append('\n')
                    .append("ssl_options.certfile = ").append(certificates.file("server.crt")).append('\n')
                    .append("ssl_options.keyfile = ").append(certificates.file("server.key")).append('\n')
                    .append("ssl_options.verify = verify_none\n")
                    .append("ssl_options.fail_if_no_peer_cert = false\n");
        } else {
            certificates = null;
        }
        Files.writeString(dir.resolve("rabbitmq.conf"), config.toString());
        Files.writeString(dir.resolve("enabled_plugins"), "[].\n");
    }

    /** The AMQP-over-TLS port on 127.0.0.1, for a node made with TLS. */
    int tlsPort() {
        if (tlsPort < 0) {
            throw new IllegalStateException("this node was made without TLS");
        }
        return tlsPort;
    }

    /** The certificates of a node made with TLS: {@code ca.crt} signed its server certificate, {@code rogue-ca.crt} did not. */
    TestCertificates certificates() {
        if (certificates == null) {
            throw new IllegalStateException("this node was made without TLS");
        }
        return certificates;
    }

    /** The AMQP port on 127.0.0.1. */
    int port() {
        return port;
    }

    /** {@code amqp://guest:guest@127.0.0.1:<port>/}: guest may log in because the connection comes from loopback. */
    String url() {
        return "amqp://guest:guest@127.0.0.1:" + port + "/";
    }

    String nodeName() {
        return nodeName;
    }

    /**
     * Starts the node, on the data of the last start if there was one, and returns once guest can open an AMQP
     * connection.
     *
     * @throws IllegalStateException when the node is running already, or exits before it answers (naming its log)
     */
    void start() throws IOException {
        if (process != null && process.isAlive()) {
            throw new IllegalStateException("node " + nodeName + " is running already");
        }
        List<String> command = new ArrayList<>();
        command.add(Files.isExecutable(DEBIAN_SERVER) ? DEBIAN_SERVER.toString() : "rabbitmq-server");
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(output().toFile()));
        Map<String, String> env = nodeEnvironment(builder);
        env.put("RABBITMQ_NODENAME", nodeName);
        env.put("RABBITMQ_NODE_IP_ADDRESS", "127.0.0.1");
        env.put("RABBITMQ_NODE_PORT", Integer.toString(port));
        env.put("RABBITMQ_DIST_PORT", Integer.toString(distributionPort));
        env.put("RABBITMQ_CONFIG_FILE", dir.resolve("rabbitmq.conf").toString());
        env.put("RABBITMQ_ADVANCED_CONFIG_FILE", dir.resolve("advanced.config").toString());
        env.put("RABBITMQ_ENABLED_PLUGINS_FILE", dir.resolve("enabled_plugins").toString());
        env.put("RABBITMQ_MNESIA_BASE", dir.resolve("mnesia").toString());
        env.put("RABBITMQ_LOG_BASE", dir.resolve("log").toString());
        env.put("RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS", "-kernel inet_dist_use_interface {127,0,0,1}");
        long began = System.nanoTime();
        process = builder.start();
        Await.until(START_TIMEOUT, "RabbitMQ node " + nodeName + " to accept guest on 127.0.0.1:" + port + " (its logs: "
                + output() + ", " + dir.resolve("log") + ")", this::acceptsGuest);
        LOG.info("RabbitMQ node {} up on 127.0.0.1:{} in {} ms", nodeName, port,
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - began));
    }

    /**
     * {@code builder}'s environment made this node's, for the server and for rabbitmqctl alike: no RABBITMQ_ or ERL_
     * setting of the test's own environment (ERL_FLAGS, RABBITMQ_CONFIG_FILE...) leaks in; HOME is the node's
     * directory, where its cookie is; its own (empty) rabbitmq-env.conf rather than the system's; epmd on loopback.
     */
    private Map<String, String> nodeEnvironment(ProcessBuilder builder) {
        Map<String, String> env = builder.environment();
        env.keySet().removeIf(name -> name.startsWith("RABBITMQ_") || name.startsWith("ERL_"));
        env.put("HOME", dir.toString());
        env.put("RABBITMQ_CONF_ENV_FILE", dir.resolve("rabbitmq-env.conf").toString());
        env.put("ERL_EPMD_ADDRESS", "127.0.0.1");
        return env;
    }

    private boolean acceptsGuest() {
        if (!process.isAlive()) {
            throw new IllegalStateException("rabbitmq-server of node " + nodeName + " exited with " + process.exitValue()
                    + "; see " + output() + " and " + dir.resolve("log"));
        }
        ConnectionFactory factory = new ConnectionFactory();
        factory.setHost("127.0.0.1");
        factory.setPort(port);
        factory.setUsername("guest");
        factory.setPassword("guest");
        factory.setConnectionTimeout(2_000);
        factory.setHandshakeTimeout(2_000);
        factory.setAutomaticRecoveryEnabled(false);
        try (Connection connection = factory.newConnection("private-rabbit-start")) {
            return connection.isOpen();
        } catch (IOException | TimeoutException e) {
            return false;
        }
    }

    /**
     * SIGKILL to every process of the node, the Erlang VM first: a crash, with no shutdown and nothing written that was
     * not written already. Returns once they are all gone, so that the ports are free for the next {@link #start()}.
     */
    void kill() throws InterruptedException {
        if (process == null) {
            throw new IllegalStateException("node " + nodeName + " was never started");
        }
        // the script's children, deepest last: beam.smp, then erl_child_setup and the helpers it runs; an epmd the node
        // started is not among them (it detaches), and must not be, since other nodes use it
        List<ProcessHandle> node = new ArrayList<>(process.descendants()
                .filter(p -> !p.info().command().orElse("").endsWith("/epmd")).toList());
        node.add(process.toHandle());
        node.forEach(ProcessHandle::destroyForcibly);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        for (ProcessHandle p : node) {
            long left = deadline - System.nanoTime();
            try {
                p.onExit().get(Math.max(left, 0), TimeUnit.NANOSECONDS);
            } catch (ExecutionException | TimeoutException e) {
                throw new IllegalStateException("process " + p.pid() + " of node " + nodeName + " did not die", e);
            }
        }
    }

    /** Kills the node if it runs and removes its directory: data, logs, cookie. */
    @Override
    public void close() throws IOException, InterruptedException {
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

    /**
     * The last {@code lines} lines of the node's log, for a failure's message: what the node said about its recovery
     * after a kill is the only account of a queue or message it did not bring back.
     */
    String logTail(int lines) {
        Path log = dir.resolve("log").resolve(nodeName + ".log");
        try {
            List<String> all = Files.readAllLines(log);
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException e) {
            return "(no log at " + log + ": " + e.getMessage() + ")";
        }
    }

    /**
     * Stops the node cleanly ({@code rabbitmqctl stop}) and returns once it has exited: everything it holds is on disk
     * then, its definitions included, which a {@link #kill} moments after they were made may not find (see
     * PrivateRabbitIT).
     */
    void stop() throws IOException, InterruptedException {
        if (process == null || !process.isAlive()) {
            throw new IllegalStateException("node " + nodeName + " is not running");
        }
        Path ctl = DEBIAN_SERVER.resolveSibling("rabbitmqctl");
        ProcessBuilder builder = new ProcessBuilder(Files.isExecutable(ctl) ? ctl.toString() : "rabbitmqctl", "-q", "-n",
                nodeName, "stop").redirectErrorStream(true);
        nodeEnvironment(builder);
        Process ctlProcess = builder.start();
        String said = new String(ctlProcess.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        if (!ctlProcess.waitFor(60, TimeUnit.SECONDS) || ctlProcess.exitValue() != 0) {
            ctlProcess.destroyForcibly();
            throw new IllegalStateException("rabbitmqctl stop of node " + nodeName + " failed: " + said);
        }
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            throw new IllegalStateException("node " + nodeName + " did not exit within 60 s of rabbitmqctl stop");
        }
    }

    private Path output() {
        return dir.resolve("rabbitmq-server.out");
    }
}
