package dev.amdahl.rabbitmq.internal;

import com.rabbitmq.client.AuthenticationFailureException;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import com.rabbitmq.client.impl.ForgivingExceptionHandler;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.util.concurrent.TimeoutException;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Opens connections as a URL says: automatic connection and topology recovery (queues, bindings and consumers are
 * declared again after a reconnect, every second until the broker answers), heartbeats so a dead peer is noticed, and
 * TLS for {@code amqps://}.
 */
final class RabbitConnections {

    private static final Logger log = LoggerFactory.getLogger(RabbitConnections.class);
    private static final long RECOVERY_INTERVAL_MS = 1_000;
    private static final int HEARTBEAT_SECONDS = 30;

    private RabbitConnections() {
    }

    /**
     * Opens a connection named {@code name} (as the management UI shows it).
     *
     * @throws IllegalStateException saying why the broker could not be reached or refused the login
     */
    static Connection open(RabbitSettings settings, String name) {
        ConnectionFactory factory = new ConnectionFactory();
        factory.setHost(settings.host());
        factory.setPort(settings.port());
        factory.setVirtualHost(settings.virtualHost());
        factory.setUsername(settings.user());
        factory.setPassword(settings.password());
        factory.setAutomaticRecoveryEnabled(true);
        factory.setTopologyRecoveryEnabled(true);
        factory.setNetworkRecoveryInterval(RECOVERY_INTERVAL_MS);
        factory.setRequestedHeartbeat(HEARTBEAT_SECONDS);
        factory.setExceptionHandler(new QuietAboutLostConnections());
        int timeoutMs = (int) Math.min(Integer.MAX_VALUE, settings.timeout().toMillis());
        factory.setConnectionTimeout(timeoutMs);
        factory.setHandshakeTimeout(timeoutMs);
        factory.setChannelRpcTimeout(timeoutMs);
        if (settings.tls() != null) {
            tls(factory, settings);
        }
        try {
            return factory.newConnection(name);
        } catch (AuthenticationFailureException e) {
            throw new IllegalStateException("RabbitMQ at " + settings.address() + " refused the login of user '"
                    + settings.user() + "': check the user and password in the URL (the guest user may log in only from"
                    + " localhost unless the broker allows it)", e);
        } catch (IOException | TimeoutException e) {
            if (String.valueOf(describe(e)).contains("vhost " + settings.virtualHost() + " not found")) {
                // the server's reply is a protocol frame (reply-code=530, class-id=10...): say it in words
                throw new IllegalStateException("RabbitMQ at " + settings.address() + " has no virtual host '"
                        + settings.virtualHost() + "': create it (rabbitmqctl add_vhost " + settings.virtualHost()
                        + ", and give the user permissions on it) or name one that exists as the URL's path (amqp://host:5672/"
                        + " for the default, '/')", e);
            }
            throw new IllegalStateException("cannot connect to RabbitMQ at " + settings.address() + " (" + describe(e)
                    + "): " + advice(e, settings), e);
        }
    }

    private static String advice(Exception e, RabbitSettings settings) {
        boolean tls = false;
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof java.security.cert.CertPathValidatorException || t instanceof java.security.cert.CertPathBuilderException) {
                return "the server's certificate is not signed by a CA this client trusts; give ca-file=<PEM of the CA"
                        + " that signed it> (or verify-peer=none to encrypt without checking the server)";
            }
            if (t instanceof java.security.cert.CertificateException && String.valueOf(t.getMessage()).contains("name")) {
                return "the server's certificate does not name host '" + settings.host() + "'; connect by a name it has";
            }
            tls |= t instanceof javax.net.ssl.SSLException;
        }
        if (tls) {
            return "the TLS handshake failed; is the port one that speaks TLS (amqps://, 5671) or plain AMQP (amqp://, 5672)?";
        }
        return "is it running, and is the URL's host, port and virtual host '" + settings.virtualHost() + "' right?";
    }

    private static String describe(Exception e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String message = root.getMessage();
        return root.getClass().getSimpleName() + (message == null ? "" : ": " + message);
    }

    /**
     * The client's own handler, except that a connection lost under it (a reset, a broker that went away) is logged at
     * debug: the broker and the rpc backend say so themselves, with what it means for the messages they hold, and
     * recovery follows.
     */
    private static final class QuietAboutLostConnections extends ForgivingExceptionHandler {
        @Override
        public void handleUnexpectedConnectionDriverException(Connection connection, Throwable exception) {
            log.debug("the connection {} failed: {}", connection.getClientProvidedName(), exception.toString());
        }
    }

    /** For verify-peer=none: the connection is encrypted, and the server not authenticated. */
    private static final class TrustingEveryServer implements X509TrustManager {
        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) {
            throw new UnsupportedOperationException("a client's trust manager checks servers only");
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) {
            // verify-peer=none: trusted unchecked, as the user asked (and was warned)
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return new X509Certificate[0];
        }
    }

    private static void tls(ConnectionFactory factory, RabbitSettings settings) {
        RabbitSettings.Tls tls = settings.tls();
        try {
            if (!tls.verifyPeer()) {
                log.warn("{}: verify-peer=none, so the connection is encrypted but the server is not authenticated: anyone"
                        + " in between can pose as it. Give ca-file=... instead", settings.address());
                SSLContext context = SSLContext.getInstance("TLS");
                context.init(null, new TrustManager[] {new TrustingEveryServer()}, null);
                factory.useSslProtocol(context);
                return;
            }
            TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            if (tls.caFile() == null) {
                trust.init((KeyStore) null);
            } else {
                KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
                store.load(null, null);
                try (InputStream in = Files.newInputStream(tls.caFile())) {
                    int i = 0;
                    for (Certificate c : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
                        store.setCertificateEntry("ca-" + i++, c);
                    }
                    if (i == 0) {
                        throw new IllegalArgumentException("ca-file " + tls.caFile() + " holds no PEM certificate");
                    }
                }
                trust.init(store);
            }
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, trust.getTrustManagers(), null);
            factory.useSslProtocol(context);
            factory.enableHostnameVerification();
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalArgumentException("cannot set up TLS for " + settings.address() + ": " + e.getMessage(), e);
        }
    }
}
