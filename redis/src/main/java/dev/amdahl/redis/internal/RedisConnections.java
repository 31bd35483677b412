package dev.amdahl.redis.internal;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisConnectionException;
import io.lettuce.core.SslOptions;
import io.lettuce.core.SslVerifyMode;
import io.lettuce.core.RedisURI;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulConnection;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.cluster.ClusterClientOptions;
import io.lettuce.core.cluster.ClusterTopologyRefreshOptions;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.lettuce.core.cluster.models.partitions.Partitions;
import io.lettuce.core.cluster.models.partitions.RedisClusterNode;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.codec.RedisCodec;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.Delay;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import javax.net.ssl.SSLException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One Lettuce client, on the event loops all clients of the JVM share. Connections reconnect on their own with exponential
 * backoff (10 ms doubling to 1 s); commands issued while disconnected wait for the reconnect and fail
 * after the command timeout, so nobody hangs forever on a Redis that is gone. For {@code rediss://} the
 * client trusts, and presents, the files of {@link RedisSettings.TlsFiles}; a first connection that fails
 * its TLS handshake says which side's certificate was refused and which option to change.
 *
 * <p>On a Redis Cluster the connections are Lettuce's cluster connections: commands go to the master of their key's
 * slot, a MOVED or ASK reply, a reconnect or a failed node makes the client read the topology again (adaptive
 * refresh), and it reads it every {@value #TOPOLOGY_REFRESH_SECONDS} s besides, so a promoted replica is found
 * even by a client that sent nothing to the failed master. Sharded pub/sub goes over plain connections to one
 * master each ({@link #connectPubSub(RedisClusterNode)}), which the result backend moves itself when slots move.
 */
final class RedisConnections implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(RedisConnections.class);

    /** Keys and channel names are text; values (bodies, records) are opaque bytes. */
    static final RedisCodec<String, byte[]> CODEC = RedisCodec.of(StringCodec.UTF8, ByteArrayCodec.INSTANCE);

    static final int TOPOLOGY_REFRESH_SECONDS = 5;

    private final ClientResources resources;
    /** One Redis; on a cluster, the client of the per-master pub/sub connections. */
    private final RedisClient client;
    /** On a cluster, the client of every other connection; null on one Redis. */
    private final RedisClusterClient clusterClient;
    private final RedisSettings settings;
    private final AtomicBoolean closed = new AtomicBoolean();

    /**
     * The event loops, timer and buffers every client of this JVM shares: a worker's broker and result backend each
     * built their own, four event-loop threads and two timers for two connections to one Redis. Built by the first
     * client and shut down with the last; guarded by the class.
     */
    private static ClientResources sharedResources;
    private static int sharedUsers;

    private static synchronized ClientResources acquireResources() {
        if (sharedUsers++ == 0) {
            sharedResources = ClientResources.builder()
                    .ioThreadPoolSize(2)
                    .computationThreadPoolSize(2)
                    .reconnectDelay(Delay.exponential(Duration.ofMillis(10), Duration.ofSeconds(1), 2, TimeUnit.MILLISECONDS))
                    .build();
        }
        return sharedResources;
    }

    private static synchronized void releaseResources() {
        if (--sharedUsers == 0) {
            ClientResources last = sharedResources;
            sharedResources = null;
            last.shutdown(0, 2, TimeUnit.SECONDS);
        }
    }

    RedisConnections(RedisSettings settings) {
        this.settings = settings;
        // the options first: reading TLS files may fail, and then no shared resources are held
        ClientOptions.Builder options = ClientOptions.builder()
                .autoReconnect(true)
                .timeoutOptions(TimeoutOptions.enabled(settings.commandTimeout()));
        if (settings.tls() != null) {
            options.sslOptions(sslOptions(settings.tls()));
            if (settings.tls().verifyPeer() == SslVerifyMode.NONE) {
                log.warn("{}: verify-peer=none, so the connection is encrypted but the server is not authenticated:"
                        + " anyone in between can pose as it. Give ca-file=... instead", settings.address());
            }
        }
        ClusterClientOptions clusterOptions = null;
        if (settings.cluster()) {
            ClusterClientOptions.Builder cluster = ClusterClientOptions.builder()
                    .autoReconnect(true)
                    .timeoutOptions(TimeoutOptions.enabled(settings.commandTimeout()))
                    .maxRedirects(8)
                    .topologyRefreshOptions(ClusterTopologyRefreshOptions.builder()
                            .enableAllAdaptiveRefreshTriggers()
                            .adaptiveRefreshTriggersTimeout(Duration.ofMillis(500))
                            .refreshTriggersReconnectAttempts(2)
                            .enablePeriodicRefresh(Duration.ofSeconds(TOPOLOGY_REFRESH_SECONDS))
                            .dynamicRefreshSources(true)
                            .closeStaleConnections(true)
                            .build());
            if (settings.tls() != null) {
                cluster.sslOptions(sslOptions(settings.tls()));
            }
            clusterOptions = cluster.build();
        }
        this.resources = acquireResources();
        this.client = RedisClient.create(resources, settings.redisUri());
        client.setOptions(options.build());
        if (clusterOptions != null) {
            this.clusterClient = RedisClusterClient.create(resources, settings.clusterNodes());
            clusterClient.setOptions(clusterOptions);
        } else {
            this.clusterClient = null;
        }
    }

    /** The commands of a connection {@link #connect} made, whether to one Redis or to a cluster. */
    static RedisClusterAsyncCommands<String, byte[]> commands(StatefulConnection<String, byte[]> connection) {
        if (connection instanceof StatefulRedisConnection<String, byte[]> one) {
            return one.async();
        }
        return ((StatefulRedisClusterConnection<String, byte[]>) connection).async();
    }

    /**
     * The commands of the connection that writes {@code key}: on one Redis {@code connection}'s own, on a cluster
     * those of its connection to the master of the key's slot, so that a WAIT sent after a write on it counts
     * that write (WAIT waits for the writes of its own connection).
     */
    RedisClusterAsyncCommands<String, byte[]> writerOf(StatefulConnection<String, byte[]> connection, String key) {
        if (connection instanceof StatefulRedisClusterConnection<String, byte[]> cluster) {
            RedisClusterNode master = cluster.getPartitions().getMasterBySlot(Keys.slot(key));
            if (master == null) {
                throw new io.lettuce.core.RedisException("no master of slot " + Keys.slot(key) + " is known: the cluster"
                        + " is failing over, or lost the slot; try again");
            }
            return cluster.getConnection(master.getNodeId()).async();
        }
        return commands(connection);
    }

    /**
     * Waits until {@code replicas} replicas have every write sent before on {@code writer}'s connection, and fails
     * when fewer have them within the command timeout: the write is on the master, and may be lost if it fails now.
     */
    void awaitReplicas(RedisClusterAsyncCommands<String, byte[]> writer, int replicas) {
        long timeout = settings.commandTimeout().toMillis();
        long acked = Scripts.<Long>join(writer.waitForReplication(replicas, Math.max(1, timeout - timeout / 4)));
        if (acked < replicas) {
            throw new io.lettuce.core.RedisException("the write reached " + acked + " of the " + replicas + " replica(s)"
                    + " that wait-replicas asks for within " + (timeout - timeout / 4) + " ms; it is on the master, and"
                    + " a failover before it replicates would lose it. Check the replicas (INFO replication), or lower"
                    + " wait-replicas");
        }
    }

    /** The cluster's masters and their slots as the client last read them; null on one Redis. */
    Partitions partitions() {
        return clusterClient == null ? null : clusterClient.getPartitions();
    }

    /** Reads the cluster's topology now (a pub/sub connection to a master failed); nothing on one Redis. */
    void refreshTopology() {
        if (clusterClient != null) {
            clusterClient.refreshPartitionsAsync();
        }
    }

    private static SslOptions sslOptions(RedisSettings.TlsFiles tls) {
        SslOptions.Builder b = SslOptions.builder().jdkSslProvider();
        if (tls.caFile() != null) {
            b.trustManager(tls.caFile().toFile());
        }
        if (tls.certFile() != null) {
            b.keyManager(tls.certFile().toFile(), tls.keyFile().toFile(), null);
        }
        return b.build();
    }

    /** A connection for commands: to the one Redis, or a cluster connection that routes each command by its key. */
    StatefulConnection<String, byte[]> connect() {
        try {
            return clusterClient != null ? clusterClient.connect(CODEC) : client.connect(CODEC);
        } catch (RedisConnectionException e) {
            throw explained(e);
        }
    }

    /** A pub/sub connection to one master of the cluster, with the URL's credentials and TLS. */
    StatefulRedisPubSubConnection<String, byte[]> connectPubSub(RedisClusterNode node) {
        RedisURI seed = settings.redisUri();
        RedisURI uri = RedisURI.builder(seed).withHost(node.getUri().getHost()).withPort(node.getUri().getPort()).build();
        try {
            return client.connectPubSub(CODEC, uri);
        } catch (RedisConnectionException e) {
            throw explained(e);
        }
    }

    StatefulRedisPubSubConnection<String, byte[]> connectPubSub() {
        try {
            return client.connectPubSub(CODEC);
        } catch (RedisConnectionException e) {
            throw explained(e);
        }
    }

    /**
     * Lettuce's "Unable to connect to 127.0.0.1/&lt;unresolved&gt;:6379" hides the cause deep in its chain: a refused
     * connection, an unknown host, a wrong password, a database number past the server's count, a TLS refusal. Say
     * which, at the URL's own address (never its password), and what to check.
     */
    private RedisConnectionException explained(RedisConnectionException e) {
        SSLException tls = null;
        String cause = null;
        for (Throwable t = e.getCause(); t != null && tls == null && cause == null; t = t.getCause()) {
            if (t instanceof SSLException ssl) {
                tls = ssl;
            } else {
                cause = cause(t);
            }
        }
        if (cause != null) {
            return new RedisConnectionException("cannot connect to Redis at " + settings.address() + ": " + cause, e);
        }
        if (tls == null) {
            return new RedisConnectionException("cannot connect to Redis at " + settings.address() + " ("
                    + rootMessage(e) + "): is it running, and are the URL's host and port right?", e);
        }
        String detail = String.valueOf(tls.getMessage());
        String hint;
        if (detail.contains("PKIX") || detail.contains("certification path") || detail.contains("unable to find valid")) {
            hint = "the server's certificate is not signed by a CA this client trusts; set ca-file= to the PEM file of the"
                    + " CA that signed it" + (settings.tls().caFile() == null ? "" : " (now " + settings.tls().caFile() + ")");
        } else if (detail.contains("subject alternative") || detail.contains("No name matching") || detail.contains("hostname")) {
            hint = "the server's certificate does not name " + settings.redisUri().getHost() + "; connect with a name it has,"
                    + " or set verify-peer=ca to check the CA only";
        } else if (detail.contains("certificate_required")) {
            hint = "the server asks for a client certificate; set cert-file= and key-file= to one signed by a CA it trusts";
        } else if (detail.contains("unknown_ca") || detail.contains("bad_certificate") || detail.contains("certificate_unknown")) {
            hint = "the server refused the client certificate in cert-file=" + settings.tls().certFile()
                    + ": it is not signed by a CA the server trusts (its tls-ca-cert-file)";
        } else {
            hint = "check that the server speaks TLS on this port and that ca-file, cert-file and key-file are the right ones";
        }
        return new RedisConnectionException("cannot connect to " + settings.address() + ": the TLS handshake failed ("
                + detail + "): " + hint, e);
    }

    /** What {@code t} says went wrong, in words with what to check; {@code null} when it is not a cause we know. */
    private String cause(Throwable t) {
        String message = String.valueOf(t.getMessage());
        if (t instanceof java.net.ConnectException && message.contains("refused")) {
            return "the connection was refused: is Redis running there, and are the URL's host and port right?";
        }
        if (t instanceof java.net.UnknownHostException) {
            return "the host " + settings.redisUri().getHost() + " is unknown (the name does not resolve): check the URL's host";
        }
        if (t instanceof io.netty.channel.ConnectTimeoutException || t instanceof java.net.NoRouteToHostException) {
            return "no answer (" + message.replaceAll("\\s*:\\s*/\\S+$", "") + "): is the host up, the port right, and"
                    + " no firewall in between?";
        }
        if (t instanceof io.lettuce.core.RedisCommandExecutionException) {
            if (message.startsWith("WRONGPASS") || message.contains("invalid password")
                    || message.contains("invalid username-password")) {
                return "it refused the login (" + firstWords(message) + "): check the user and password in the URL,"
                        + " redis://USER:PASSWORD@host:port, or redis://:PASSWORD@host:port for the default user";
            }
            if (message.startsWith("NOAUTH")) {
                return "it asks for a password and the URL gives none: write it in the URL, redis://:PASSWORD@host:port";
            }
            if (message.contains("DB index is out of range") || message.contains("invalid DB index")) {
                return "it has no database " + settings.database() + ": a Redis has 16 databases unless its 'databases'"
                        + " setting says otherwise, numbered from 0; give one of them as the URL's path, e.g. redis://"
                        + settings.redisUri().getHost() + ":" + settings.redisUri().getPort() + "/0";
            }
            return "it answered " + firstWords(message) + "; check the URL's user, password and database";
        }
        return null;
    }

    /** A server error's first sentence: Redis's NOAUTH and WRONGPASS go on at length. */
    private static String firstWords(String message) {
        int stop = message.indexOf('.');
        return stop > 0 ? message.substring(0, stop) : message;
    }

    private static String rootMessage(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage();
    }

    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return; // the shared resources were released once already
        }
        if (clusterClient != null) {
            clusterClient.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        }
        client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        releaseResources();
    }
}
