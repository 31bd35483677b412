package dev.amdahl.examples;

import dev.amdahl.Amdahl;
import dev.amdahl.Task;
import dev.amdahl.TaskCatalog;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.HttpURLConnection;
import java.net.URI;

/**
 * The I/O-bound task, {@value #GET}: downloads one URL and returns its status and size. It spends nearly all
 * its time waiting for the server, which is why many of them run at once on few cores, and why a thread that
 * waits should be cheap (a virtual thread) rather than a core's worth of anything.
 *
 * <pre>{@code
 * Amdahl app = Amdahl.builder().include(FetchTasks.class).build();
 * GroupFuture<Fetched> pages = FetchTasks.get(app).map(urls.stream().map(FetchRequest::new).toList());
 * }</pre>
 *
 * <p>The download is a plain blocking {@link HttpURLConnection} on the task's own thread, so the thread waits
 * for the answer exactly as the book's synchronous code does: on a platform thread the thread is parked, on a
 * virtual thread only the virtual thread is, and its carrier runs others.
 */
public final class FetchTasks implements TaskCatalog {

    /** The task's name. */
    public static final String GET = "fetch.get";

    private static final int TIMEOUT_MILLIS = 30_000;

    @Override
    public void register(Amdahl app) {
        app.task(GET, FetchRequest.class, Fetched.class, FetchTasks::fetch);
    }

    /** A handle on the task, to submit it from an application that includes this catalog (or whose workers do). */
    public static Task<FetchRequest, Fetched> get(Amdahl app) {
        return app.task(GET, FetchRequest.class, Fetched.class);
    }

    static Fetched fetch(FetchRequest request) {
        long start = System.nanoTime();
        try {
            HttpURLConnection connection = (HttpURLConnection) URI.create(request.url()).toURL().openConnection();
            connection.setConnectTimeout(TIMEOUT_MILLIS);
            connection.setReadTimeout(TIMEOUT_MILLIS);
            int status = connection.getResponseCode();
            long bytes;
            try (InputStream body = status < 400 ? connection.getInputStream() : connection.getErrorStream()) {
                bytes = body == null ? 0 : body.transferTo(OutputStream.nullOutputStream());
            }
            return new Fetched(status, bytes, (System.nanoTime() - start) / 1e6);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot fetch " + request.url() + ": " + e, e);
        }
    }
}
