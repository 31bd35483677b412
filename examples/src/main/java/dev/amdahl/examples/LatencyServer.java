package dev.amdahl.examples;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An HTTP server on loopback that answers every GET after a fixed latency, standing in for the slow remote
 * host of I/O-bound work (a database, another service). Any path gets {@code responseBytes} bytes.
 *
 * <pre>{@code
 * try (LatencyServer server = LatencyServer.start(Duration.ofMillis(50), 4096)) {
 *     URI item = server.uri().resolve("/item/7");     // answers after 50 ms
 * }
 * }</pre>
 *
 * <p>A waiting response holds no thread: the handler only schedules the answer, and one timer thread sends
 * them when due. So the server answers thousands of requests at once with two threads and does not itself
 * become the limit it is there to measure, and its few threads barely count in the client's thread figures.
 */
public final class LatencyServer implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(LatencyServer.class);

    private final HttpServer server;
    private final ExecutorService accepting;
    private final ScheduledExecutorService answering;
    private final Duration latency;
    private final byte[] body;
    private final AtomicLong served = new AtomicLong();

    static {
        // The JDK's server writes a response's headers and body separately; without TCP_NODELAY the body waits for
        // the ACK of the headers, which the client delays by up to 40 ms: a second latency the demo did not ask for.
        // The server reads this once, when the first server of the JVM starts.
        if (System.getProperty("sun.net.httpserver.nodelay") == null) {
            System.setProperty("sun.net.httpserver.nodelay", "true");
        }
    }

    private LatencyServer(Duration latency, int responseBytes) throws IOException {
        this.latency = latency;
        this.body = new byte[responseBytes];
        Arrays.fill(body, (byte) 'a');
        AtomicInteger n = new AtomicInteger();
        accepting = Executors.newSingleThreadExecutor(r -> daemon(r, "amdahl-latency-server-" + n.incrementAndGet()));
        answering = Executors.newSingleThreadScheduledExecutor(r -> daemon(r, "amdahl-latency-answers"));
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 4096);
        server.setExecutor(accepting);
        server.createContext("/", this::handle);
        server.start();
    }

    /**
     * Serves on a free port of the loopback address.
     *
     * @param latency       how long each response waits before it is sent, 0 to 60 s
     * @param responseBytes the size of each response's body, 0 to 16 MiB
     */
    public static LatencyServer start(Duration latency, int responseBytes) {
        if (latency.isNegative() || latency.compareTo(Duration.ofMinutes(1)) > 0) {
            throw new IllegalArgumentException("a response latency is 0 to 60 s, not " + latency);
        }
        if (responseBytes < 0 || responseBytes > 16 << 20) {
            throw new IllegalArgumentException("a response is 0 to 16 MiB, not " + responseBytes + " bytes");
        }
        try {
            return new LatencyServer(latency, responseBytes);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot serve on loopback: " + e.getMessage(), e);
        }
    }

    /** The server's root, {@code http://127.0.0.1:PORT/}. */
    public URI uri() {
        return URI.create("http://" + InetAddress.getLoopbackAddress().getHostAddress() + ":" + server.getAddress().getPort() + "/");
    }

    /** How long each response waits. */
    public Duration latency() {
        return latency;
    }

    /** How many responses it has sent. */
    public long served() {
        return served.get();
    }

    @Override
    public void close() {
        server.stop(0);
        answering.shutdownNow();
        accepting.shutdownNow();
    }

    private void handle(HttpExchange exchange) {
        // the exchange stays open after this returns; the timer thread answers and closes it when due
        answering.schedule(() -> answer(exchange), latency.toNanos(), TimeUnit.NANOSECONDS);
    }

    private void answer(HttpExchange exchange) {
        try (exchange) {
            exchange.getResponseHeaders().set("Content-Type", "application/octet-stream");
            if (!"GET".equals(exchange.getRequestMethod())) {
                exchange.sendResponseHeaders(405, -1);
                return;
            }
            exchange.sendResponseHeaders(200, body.length == 0 ? -1 : body.length);
            if (body.length > 0) {
                try (OutputStream out = exchange.getResponseBody()) {
                    out.write(body);
                }
            }
            served.incrementAndGet();
        } catch (IOException e) {
            log.debug("a client left before its answer: {}", e.toString());
        }
    }

    private static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }
}
