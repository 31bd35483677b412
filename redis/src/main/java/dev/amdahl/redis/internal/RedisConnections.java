package dev.amdahl.redis.internal;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisConnectionException;
import io.lettuce.core.SslOptions;
import io.lettuce.core.SslVerifyMode;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.codec.RedisCodec;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.Delay;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One Lettuce client with its own event loops. Connections reconnect on their own with exponential
 * backoff (10 ms doubling to 1 s); commands issued while disconnected wait for the reconnect and fail
 * after the command timeout, so nobody hangs forever on a Redis that is gone. For {@code rediss://} the
 * client trusts, and presents, the files of {@link RedisSettings.TlsFiles}; a first connection that fails
 * its TLS handshake says which side's certificate was refused and which option to change.
 */
final class RedisConnections implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(RedisConnections.class);

    /** Keys and channel names are text; values (bodies, records) are opaque bytes. */
    static final RedisCodec<String, byte[]> CODEC = RedisCodec.of(StringCodec.UTF8, ByteArrayCodec.INSTANCE);

    private final ClientResources resources;
    private final RedisClient client;
    private final RedisSettings settings;

    RedisConnections(RedisSettings settings) {
        this.resources = ClientResources.builder()
                .ioThreadPoolSize(2)
                .computationThreadPoolSize(2)
                .reconnectDelay(Delay.exponential(Duration.ofMillis(10), Duration.ofSeconds(1), 2, TimeUnit.MILLISECONDS))
                .build();
        this.settings = settings;
        this.client = RedisClient.create(resources, settings.redisUri());
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
        client.setOptions(options.build());
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

    StatefulRedisConnection<String, byte[]> connect() {
        try {
            return client.connect(CODEC);
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

    /** Lettuce's "Unable to connect" hides a TLS refusal deep in its causes: say it, and what to change. */
    private RedisConnectionException explained(RedisConnectionException e) {
        SSLException tls = null;
        for (Throwable t = e; t != null && tls == null; t = t.getCause()) {
            if (t instanceof SSLException ssl) {
                tls = ssl;
            }
        }
        if (tls == null) {
            return e;
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

    @Override
    public void close() {
        client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        resources.shutdown(0, 2, TimeUnit.SECONDS);
    }
}
