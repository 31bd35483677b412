package dev.amdahl.dashboard;

import dev.amdahl.Amdahl;
import dev.amdahl.dashboard.internal.Access;
import dev.amdahl.dashboard.internal.DashboardServer;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A web dashboard of a running deployment: the workers (from their heartbeats), the queues, the tasks it saw and
 * their records, workflows drawn as their steps, the scaling of recent groups, and the operator's actions (requeue
 * or drop dead letters, retry, revoke, terminate, purge). A JSON API under {@code /api}, an event stream at
 * {@code /api/events}, Prometheus text at {@code /metrics}; the page and its scripts come from this jar.
 *
 * <pre>{@code
 * try (Amdahl app = Amdahl.builder().broker("redis://127.0.0.1:6379").build();
 *      Dashboard dashboard = Dashboard.builder(app).bind("127.0.0.1", 5555).start()) {
 *     // open http://127.0.0.1:5555/
 * }
 * }</pre>
 *
 * <p>It listens on loopback unless told otherwise; on any other address it refuses to start without a token
 * ({@link Builder#token}) or basic-auth credentials ({@link Builder#basicAuth}), and then every path needs them.
 * Actions are POSTs that carry the page's CSRF token. Closing the dashboard does not close the application.
 */
public final class Dashboard implements AutoCloseable {

    /** The default port, Flower's. */
    public static final int DEFAULT_PORT = 5555;

    private final DashboardServer server;

    private Dashboard(DashboardServer server) {
        this.server = server;
    }

    /** A dashboard of what {@code app}'s broker and result backend hold. */
    public static Builder builder(Amdahl app) {
        return new Builder(app);
    }

    /** The port it listens on (the one chosen when bound to port 0). */
    public int port() {
        return server.port();
    }

    /** Where it listens. */
    public InetSocketAddress address() {
        return server.address();
    }

    /** The page's address, e.g. {@code http://127.0.0.1:5555/}. */
    public String url() {
        InetSocketAddress a = server.address();
        String host = a.getAddress().isAnyLocalAddress() ? "127.0.0.1" : a.getAddress().getHostAddress();
        return "http://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + a.getPort() + "/";
    }

    /** Stops serving; the application stays open. */
    @Override
    public void close() {
        server.close();
    }

    /** How a dashboard is set up; {@link #start()} checks the whole and starts it. */
    public static final class Builder {
        private final Amdahl app;
        private String host = "127.0.0.1";
        private int port = DEFAULT_PORT;
        private String token;
        private String user;
        private String password;
        private final List<String> queues = new ArrayList<>();
        private Duration pollInterval = Duration.ofSeconds(1);

        private Builder(Amdahl app) {
            this.app = Objects.requireNonNull(app, "app");
        }

        /** Where to listen (default 127.0.0.1:5555; port 0 takes any free port). */
        public Builder bind(String host, int port) {
            this.host = Objects.requireNonNull(host, "host");
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException("port " + port + " is not a TCP port (0 to 65535)");
            }
            this.port = port;
            return this;
        }

        /** Every request must carry this token ({@code Authorization: Bearer ...}, or the page's login). */
        public Builder token(String token) {
            if (token != null && token.length() < 16) {
                throw new IllegalArgumentException("the dashboard token is too short to guess at: give at least 16 characters"
                        + " (e.g. from: openssl rand -hex 16)");
            }
            this.token = token;
            return this;
        }

        /** Every request must carry these basic-auth credentials. */
        public Builder basicAuth(String user, String password) {
            if (user == null || user.isEmpty() || user.contains(":") || password == null || password.length() < 8) {
                throw new IllegalArgumentException("basic auth needs a user (without ':') and a password of at least 8 characters");
            }
            this.user = user;
            this.password = password;
            return this;
        }

        /** Queues to show besides the default one and those the live workers consume. */
        public Builder queues(List<String> queues) {
            this.queues.addAll(queues);
            return this;
        }

        /** How often the broker and the heartbeats are polled (default one second). */
        public Builder pollInterval(Duration interval) {
            if (interval.isNegative() || interval.isZero()) {
                throw new IllegalArgumentException("the poll interval must be positive: " + interval);
            }
            this.pollInterval = interval;
            return this;
        }

        /**
         * Starts serving.
         *
         * @throws IllegalStateException when bound off loopback with neither a token nor credentials, or given both
         * @throws java.io.UncheckedIOException when the address cannot be bound
         */
        public Dashboard start() {
            if (token != null && user != null) {
                throw new IllegalStateException("give the dashboard a token or basic-auth credentials, not both");
            }
            InetAddress address;
            try {
                address = InetAddress.getByName(host);
            } catch (UnknownHostException e) {
                throw new IllegalArgumentException("cannot bind the dashboard to '" + host + "': no such host or address", e);
            }
            boolean loopback = address.isLoopbackAddress();
            if (!loopback && token == null && user == null) {
                throw new IllegalStateException("the dashboard would listen on " + host + ", beyond this machine, where anyone"
                        + " who reaches the port could revoke tasks and purge queues; give it a token (--token or"
                        + " AMDAHL_DASHBOARD_TOKEN) or basic-auth credentials (--user and AMDAHL_DASHBOARD_PASSWORD),"
                        + " or bind it to 127.0.0.1");
            }
            Access access = new Access(token, user, password, loopback);
            return new Dashboard(new DashboardServer(app, new InetSocketAddress(address, port), access, queues, pollInterval));
        }
    }
}
