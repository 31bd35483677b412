package dev.amdahl.metrics;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves a Prometheus registry's text at {@code GET /metrics}, on the JDK's own HTTP server: nothing else to
 * install, no web framework. Every other path answers 404, every other method 405. One thread serves the
 * scrapes, one at a time: a scraper is one client, and a slow scrape (a broker answering a queue-depth sample
 * slowly) must not pile up threads.
 *
 * <pre>{@code
 * try (MetricsServer server = MetricsServer.start(new InetSocketAddress("127.0.0.1", 9464), registry)) {
 *     // curl http://127.0.0.1:9464/metrics
 * }
 * }</pre>
 */
public final class MetricsServer implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(MetricsServer.class);
    /** The content type of the Prometheus text format, version 0.0.4, which every Prometheus reads. */
    static final String TEXT_FORMAT = "text/plain; version=0.0.4; charset=utf-8";

    private final HttpServer server;
    private final ExecutorService executor;

    private MetricsServer(HttpServer server, ExecutorService executor) {
        this.server = server;
        this.executor = executor;
    }

    /**
     * Starts serving {@code registry} at {@code address} (port 0 for any free port: see {@link #port()}).
     *
     * @throws UncheckedIOException when the address cannot be bound (the port is taken, say), naming it
     */
    public static MetricsServer start(InetSocketAddress address, PrometheusMeterRegistry registry) {
        Objects.requireNonNull(address, "address");
        Objects.requireNonNull(registry, "registry");
        HttpServer server;
        try {
            server = HttpServer.create(address, 16);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot serve metrics at " + address.getHostString() + ":" + address.getPort()
                    + " (" + e.getMessage() + "); is the port taken? Choose another, or 0 for any free one", e);
        }
        ExecutorService executor = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "amdahl-metrics-http");
            t.setDaemon(true);
            return t;
        });
        server.setExecutor(executor);
        server.createContext("/", exchange -> handle(exchange, registry));
        server.start();
        return new MetricsServer(server, executor);
    }

    private static void handle(HttpExchange exchange, PrometheusMeterRegistry registry) throws IOException {
        try (exchange) {
            String method = exchange.getRequestMethod();
            if (!"/metrics".equals(exchange.getRequestURI().getPath())) {
                reply(exchange, 404, "text/plain; charset=utf-8", "not found: metrics are at /metrics\n", method);
                return;
            }
            if (!"GET".equals(method) && !"HEAD".equals(method)) {
                exchange.getResponseHeaders().set("Allow", "GET, HEAD");
                reply(exchange, 405, "text/plain; charset=utf-8", "use GET\n", method);
                return;
            }
            String text;
            try {
                text = registry.scrape(TEXT_FORMAT);
            } catch (RuntimeException e) {
                log.warn("a metrics scrape failed", e);
                reply(exchange, 500, "text/plain; charset=utf-8", "the scrape failed: " + e + "\n", method);
                return;
            }
            reply(exchange, 200, TEXT_FORMAT, text, method);
        }
    }

    private static void reply(HttpExchange exchange, int status, String type, String body, String method) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", type);
        boolean head = "HEAD".equals(method);
        exchange.sendResponseHeaders(status, head ? -1 : bytes.length);
        if (!head) {
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(bytes);
            }
        }
    }

    /** The port it listens on: the one asked for, or the one chosen for port 0. */
    public int port() {
        return server.getAddress().getPort();
    }

    /** The address it listens on. */
    public InetSocketAddress address() {
        return server.getAddress();
    }

    /** Stops serving at once. */
    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
