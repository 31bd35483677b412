package dev.amdahl.testkit;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A TCP proxy on a loopback port in front of one server, that a test can turn against the connections
 * through it: {@link #cutAll() cut} them (both sockets closed at once, as a reset link or a restarted
 * load balancer would), {@link #stall() stall} them (bytes stop moving but the sockets stay open, as a
 * partitioned network looks to both ends) or {@link #slow slow} them (every chunk waits before it is passed
 * on). Clients point at {@link #hostPort()} instead of the server.
 *
 * <pre>{@code
 * try (LoopbackProxy proxy = LoopbackProxy.start(new InetSocketAddress("127.0.0.1", 6379))) {
 *     Broker broker = open("redis://" + proxy.hostPort());
 *     proxy.stall();                  // the broker's commands now hang...
 *     proxy.pass();                   // ...and go through again
 * }
 * }</pre>
 *
 * <p>Design: one accept thread; per connection two pump threads, one per direction, each copying what it
 * reads to the other socket. The mode is one field guarded by {@code lock}; a pump checks it between
 * reading a chunk and writing it, so a stall holds at most one chunk per direction and a connection that
 * is cut mid-stall loses it, as a real cut would. New connections are accepted in every mode (a stalled
 * one just never hears back).
 */
public final class LoopbackProxy implements AutoCloseable {

    private static final int CHUNK = 16 * 1024;

    private final InetSocketAddress target;
    private final ServerSocket server;
    private final Set<Socket> sockets = ConcurrentHashMap.newKeySet();
    private final AtomicLong connections = new AtomicLong();
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition moving = lock.newCondition();
    // guarded by lock
    private boolean stalled;
    private long delayNanos;
    private volatile boolean closed;

    private LoopbackProxy(InetSocketAddress target) throws IOException {
        this.target = target;
        this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    }

    /** Starts a proxy in front of {@code target} on a free loopback port, in pass mode. */
    public static LoopbackProxy start(InetSocketAddress target) throws IOException {
        LoopbackProxy proxy = new LoopbackProxy(target);
        Thread accept = new Thread(proxy::acceptLoop, "proxy-accept-" + proxy.server.getLocalPort());
        accept.setDaemon(true);
        accept.start();
        return proxy;
    }

    /** {@code 127.0.0.1:port} of the proxy, for a client's URL. */
    public String hostPort() {
        return server.getInetAddress().getHostAddress() + ":" + server.getLocalPort();
    }

    /** Passes bytes through again, at full speed. */
    public void pass() {
        lock.lock();
        try {
            stalled = false;
            delayNanos = 0;
            moving.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** Stops moving bytes in both directions until {@link #pass()}; the sockets stay open. */
    public void stall() {
        lock.lock();
        try {
            stalled = true;
        } finally {
            lock.unlock();
        }
    }

    /** Delays every chunk by {@code perChunk} before it is passed on, until {@link #pass()}. */
    public void slow(Duration perChunk) {
        lock.lock();
        try {
            delayNanos = perChunk.toNanos();
        } finally {
            lock.unlock();
        }
    }

    /** Closes every connection through the proxy now; returns how many. New connections pass as before. */
    public int cutAll() {
        int n = 0;
        for (Socket s : sockets) {
            if (sockets.remove(s)) {
                closeQuietly(s);
                n++;
            }
        }
        return n / 2;
    }

    /** How many connections it has accepted so far. */
    public long connections() {
        return connections.get();
    }

    private void acceptLoop() {
        while (!closed) {
            Socket client;
            try {
                client = server.accept();
            } catch (IOException e) {
                return; // closed
            }
            connections.incrementAndGet();
            Socket upstream = new Socket();
            try {
                upstream.connect(target, 5_000);
                client.setTcpNoDelay(true);
                upstream.setTcpNoDelay(true);
            } catch (IOException e) {
                // the server is down (restarting): the client sees its connection refused-like close
                closeQuietly(client);
                closeQuietly(upstream);
                continue;
            }
            sockets.add(client);
            sockets.add(upstream);
            pump(client, upstream, "up");
            pump(upstream, client, "down");
        }
    }

    private void pump(Socket from, Socket to, String direction) {
        Thread t = new Thread(() -> {
            byte[] buffer = new byte[CHUNK];
            try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
                int n;
                while ((n = in.read(buffer)) >= 0) {
                    awaitMoving();
                    out.write(buffer, 0, n);
                    out.flush();
                }
            } catch (IOException | InterruptedException e) {
                // cut, closed, or the other end went away: either way this connection is over
            } finally {
                sockets.remove(from);
                sockets.remove(to);
                closeQuietly(from);
                closeQuietly(to);
            }
        }, "proxy-" + direction + "-" + from.getPort());
        t.setDaemon(true);
        t.start();
    }

    /** Blocks while stalled; then waits out the slow mode's delay. */
    private void awaitMoving() throws InterruptedException, SocketException {
        long delay;
        lock.lock();
        try {
            while (stalled && !closed) {
                moving.await(100, TimeUnit.MILLISECONDS);
            }
            delay = delayNanos;
        } finally {
            lock.unlock();
        }
        if (closed) {
            throw new SocketException("proxy closed");
        }
        if (delay > 0) {
            TimeUnit.NANOSECONDS.sleep(delay);
        }
    }

    private static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException e) {
            // closing is all we wanted
        }
    }

    @Override
    public void close() {
        closed = true;
        try {
            server.close();
        } catch (IOException e) {
            // nothing else to release
        }
        cutAll();
        pass();
    }

    @Override
    public String toString() {
        return "LoopbackProxy[" + hostPort() + " -> " + target + "]";
    }
}
