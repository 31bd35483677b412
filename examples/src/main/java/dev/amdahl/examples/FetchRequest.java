package dev.amdahl.examples;

import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;

/**
 * The argument of {@value FetchTasks#GET}: a URL to download. Only {@code http} URLs of {@code localhost} or a
 * loopback address are taken, since a message from the broker is untrusted and a task that fetched any URL it was
 * sent would let whoever can publish to the queue reach every host the workers can; the demo's server is on loopback.
 *
 * <pre>{@code
 * Fetched page = FetchTasks.get(app).submit(new FetchRequest("http://127.0.0.1:8080/item/7")).get();
 * }</pre>
 *
 * @param url the URL, {@code http://127.0.0.1:PORT/...} or another loopback address
 */
public record FetchRequest(String url) {

    public FetchRequest {
        if (url == null) {
            throw new IllegalArgumentException("a fetch needs a url");
        }
        URI uri;
        try {
            uri = URI.create(url);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("not a URL: '" + url + "' (" + e.getMessage() + ")", e);
        }
        if (!"http".equals(uri.getScheme()) || uri.getHost() == null || !isLoopback(uri.getHost())) {
            throw new IllegalArgumentException("the fetch demo downloads only from http:// on a loopback address"
                    + " (127.0.0.1, ::1, localhost), not '" + url + "'");
        }
    }

    /** {@code localhost} or a loopback address literal; other names are refused unresolved, so a message never makes a worker ask DNS. */
    private static boolean isLoopback(String host) {
        String bare = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
        if (bare.equalsIgnoreCase("localhost")) {
            return true;
        }
        if (!bare.matches("[0-9.]+") && !bare.contains(":")) {
            return false;
        }
        try {
            return InetAddress.getByName(bare).isLoopbackAddress(); // a literal: parsed, not looked up
        } catch (UnknownHostException e) {
            return false;
        }
    }
}
