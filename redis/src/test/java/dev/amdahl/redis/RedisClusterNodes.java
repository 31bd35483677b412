package dev.amdahl.redis;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * A Redis Cluster of the test's own on loopback: {@code masters} masters with {@code replicasEach} replicas each,
 * every node a {@code redis-server --cluster-enabled yes} (append-only, fsynced on every write) on a free port whose
 * bus port (10000 above) is free too, joined by {@code redis-cli --cluster create}. Never the shared Redis.
 * {@link #shared()} is one 3-master cluster for all the test classes of a JVM, started on first use and killed
 * when the JVM exits, so the cluster ITs pay for one start.
 */
final class RedisClusterNodes implements AutoCloseable {

    /** One node: a redis-server of its own directory and port. */
    static final class Node extends RedisServerProcess {
        Node(int port) throws IOException {
            super("amdahl-redis-cluster-" + port + "-", port);
        }

        void start() throws IOException {
            // nodes.conf in the node's directory keeps its id and slots, so a restarted node rejoins as it was
            launch(List.of("--port", Integer.toString(port), "--bind", "127.0.0.1", "--cluster-enabled", "yes",
                    "--cluster-config-file", "nodes.conf", "--cluster-node-timeout", "1500", "--save", "",
                    "--appendonly", "yes", "--appendfsync", "always", "--dir", dir.toString(),
                    "--cluster-replica-validity-factor", "0", "--cluster-allow-reads-when-down", "no"), "redis.log");
        }

        boolean alive() {
            return process != null && process.isAlive();
        }

        String hostPort() {
            return "127.0.0.1:" + port;
        }

        /** CLUSTER INFO and the like, over a connection of its own; null when the node does not answer. */
        String ask(String... command) {
            RedisClient client = RedisClient.create(RedisURI.create("127.0.0.1", port));
            try (StatefulRedisConnection<String, String> c = client.connect()) {
                io.lettuce.core.protocol.CommandArgs<String, String> args = new io.lettuce.core.protocol.CommandArgs<>(
                        io.lettuce.core.codec.StringCodec.UTF8);
                for (int i = 1; i < command.length; i++) {
                    args.add(command[i]);
                }
                return c.sync().dispatch(io.lettuce.core.protocol.CommandType.valueOf(command[0]),
                        new io.lettuce.core.output.StatusOutput<>(io.lettuce.core.codec.StringCodec.UTF8), args);
            } catch (RuntimeException e) {
                return null;
            } finally {
                client.shutdown(Duration.ZERO, Duration.ofSeconds(1));
            }
        }

        void awaitAnswers() {
            RedisTestSupport.await("cluster node " + port + " to answer", Duration.ofSeconds(15), () -> {
                checkAlive(dir.resolve("redis.log"));
                return "PONG".equals(ask("PING"));
            });
        }
    }

    private static RedisClusterNodes shared;

    private final List<Node> nodes = new ArrayList<>();
    private final int masters;

    private RedisClusterNodes(int masters) {
        this.masters = masters;
    }

    /** The 3-master cluster the cluster ITs of this JVM share. */
    static synchronized RedisClusterNodes shared() throws Exception {
        if (shared == null) {
            RedisClusterNodes made = start(3, 0);
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                try {
                    made.close();
                } catch (Exception e) {
                    // the JVM is going; the processes die with SIGKILL regardless
                }
            }, "redis-cluster-stop"));
            shared = made;
        }
        return shared;
    }

    /** Starts the nodes, creates the cluster and returns once every node says it is ok. */
    static RedisClusterNodes start(int masters, int replicasEach) throws Exception {
        RedisClusterNodes cluster = new RedisClusterNodes(masters);
        try {
            for (int port : freePorts(masters * (1 + replicasEach))) {
                Node node = new Node(port);
                cluster.nodes.add(node);
                node.start();
            }
            for (Node node : cluster.nodes) {
                node.awaitAnswers();
            }
            List<String> command = new ArrayList<>(List.of("redis-cli", "--cluster", "create"));
            cluster.nodes.forEach(n -> command.add(n.hostPort()));
            command.addAll(List.of("--cluster-replicas", Integer.toString(replicasEach), "--cluster-yes"));
            Process create = new ProcessBuilder(command).redirectErrorStream(true).start();
            String out = new String(create.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!create.waitFor(60, TimeUnit.SECONDS) || create.exitValue() != 0) {
                throw new IllegalStateException("redis-cli --cluster create failed:\n" + out);
            }
            cluster.awaitHealthy(Duration.ofSeconds(30));
            if (replicasEach > 0) {
                cluster.awaitReplicasInSync(replicasEach, Duration.ofSeconds(60));
            }
            return cluster;
        } catch (Exception | Error e) {
            cluster.close();
            throw e;
        }
    }

    /** Waits until every live node reports cluster_state:ok and knows {@code masters} masters with slots. */
    void awaitHealthy(Duration timeout) {
        RedisTestSupport.await("the cluster to be ok on every node", timeout, () -> nodes.stream().filter(Node::alive)
                .allMatch(n -> {
                    String info = n.ask("CLUSTER", "INFO");
                    return info != null && info.contains("cluster_state:ok")
                            && info.contains("cluster_size:" + masters);
                }));
    }

    /**
     * Waits until every master has {@code replicasEach} replicas connected and every replica's link is up with no sync
     * in progress: before that, a write that waits for a replica (wait-replicas) can time out on a fresh cluster.
     */
    void awaitReplicasInSync(int replicasEach, Duration timeout) {
        RedisTestSupport.await("every replica to be in sync", timeout, () -> nodes.stream().filter(Node::alive)
                .allMatch(n -> {
                    String info = n.ask("INFO", "replication");
                    if (info == null) {
                        return false;
                    }
                    if (info.contains("role:master")) {
                        return info.contains("connected_slaves:" + replicasEach);
                    }
                    return info.contains("master_link_status:up") && info.contains("master_sync_in_progress:0");
                }));
    }

    List<Node> nodes() {
        return nodes;
    }

    /** The node that is master of {@code slot} now, as a live node's CLUSTER NODES says. */
    Node masterOf(int slot) {
        for (Node n : nodes) {
            if (!n.alive()) {
                continue;
            }
            String table = n.ask("CLUSTER", "NODES");
            if (table == null) {
                continue;
            }
            for (String line : table.split("\n")) {
                String[] f = line.trim().split(" ");
                if (f.length < 9 || !f[2].contains("master") || f[2].contains("fail")) {
                    continue;
                }
                for (int i = 8; i < f.length; i++) {
                    String[] range = f[i].split("-");
                    if (range[0].startsWith("[")) {
                        continue;
                    }
                    int from = Integer.parseInt(range[0]);
                    int to = range.length > 1 ? Integer.parseInt(range[1]) : from;
                    if (slot >= from && slot <= to) {
                        int port = Integer.parseInt(f[1].substring(f[1].indexOf(':') + 1, f[1].indexOf('@')));
                        return nodes.stream().filter(x -> x.port() == port).findFirst().orElseThrow();
                    }
                }
            }
            return null;
        }
        return null;
    }

    /** A redis-cluster:// URL naming every node, with {@code options} (no leading {@code ?}). */
    URI url(String options) {
        return URI.create("redis-cluster://" + nodes.stream().map(Node::hostPort).collect(Collectors.joining(","))
                + "/" + (options.isEmpty() ? "" : "?" + options));
    }

    /** SIGKILLs every node and starts each again on its port, with its data and nodes.conf; returns once it is ok. */
    void restartAll() throws Exception {
        for (Node n : nodes) {
            n.kill();
        }
        for (Node n : nodes) {
            n.start();
        }
        for (Node n : nodes) {
            n.awaitAnswers();
        }
        awaitHealthy(Duration.ofSeconds(60));
    }

    /** Deletes every key of {@code prefix} (tagged or not) on every master, one key a command: they span slots. */
    void deleteKeys(String prefix) {
        for (Node n : nodes) {
            if (!n.alive() || !"master".equals(role(n))) {
                continue;
            }
            RedisClient client = RedisClient.create(RedisURI.create("127.0.0.1", n.port()));
            try (StatefulRedisConnection<String, String> c = client.connect()) {
                for (String pattern : List.of(prefix + ":*", "{" + prefix + ":*", "{" + prefix + "}:*")) {
                    io.lettuce.core.ScanCursor cursor = io.lettuce.core.ScanCursor.INITIAL;
                    do {
                        io.lettuce.core.KeyScanCursor<String> page = c.sync().scan(cursor,
                                io.lettuce.core.KeyScanArgs.Builder.matches(pattern).limit(1000));
                        page.getKeys().forEach(k -> c.sync().del(k));
                        cursor = page;
                    } while (!cursor.isFinished());
                }
            } finally {
                client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
            }
        }
    }

    private static String role(Node n) {
        String info = n.ask("INFO", "replication");
        return info != null && info.contains("role:master") ? "master" : "replica";
    }

    @Override
    public void close() throws Exception {
        for (Node n : nodes) {
            n.close();
        }
    }

    /** Ports p with p + 10000 (the cluster bus) free too, from a random place in 20000-40000. */
    private static List<Integer> freePorts(int n) throws IOException {
        List<Integer> ports = new ArrayList<>();
        int p = 20000 + ThreadLocalRandom.current().nextInt(20000);
        while (ports.size() < n) {
            p = p >= 40000 ? 20000 : p + 1;
            if (free(p) && free(p + 10000)) {
                ports.add(p);
            }
        }
        return ports;
    }

    private static boolean free(int port) {
        try (ServerSocket s = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
