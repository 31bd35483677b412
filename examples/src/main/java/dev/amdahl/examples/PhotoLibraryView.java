package dev.amdahl.examples;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A small web page on loopback that shows a photo library while an import fills it: progress, the thumbnails
 * as they appear, and the photos already imported, to open and to search once the index is written. It reads
 * the library's folder and nothing else, so it works the same whether the import runs on threads of this
 * process or on workers elsewhere that share the folder.
 *
 * <pre>{@code
 * try (PhotoLibraryView view = PhotoLibraryView.start(library, job.photos().size(), 0)) {
 *     System.out.println("watch it at " + view.uri());
 *     job.importAll(app, JobProgress.NONE);
 * }
 * }</pre>
 *
 * <p>Why it stays responsive while the workers are busy: its requests are served by threads of its own, not
 * the workers' (the book's point: the interface must never wait for the background work), and each request
 * only lists a folder or sends a file, so the operating system's scheduler gives it a share of the cores
 * however many tasks run beside it.
 *
 * <p>Routes, GET only: {@code /} the page; {@code /api/status} progress and every photo so far;
 * {@code /api/search?q=WORDS} the index's photos matching the words; {@code /library/PATH} a photo or thumbnail.
 * Requests whose {@code Host} is not this loopback address are refused, so that a web page elsewhere cannot
 * read the library through the browser (DNS rebinding); paths that leave the library or name hidden files are
 * not found.
 */
public final class PhotoLibraryView implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(PhotoLibraryView.class);
    private static final String PAGE = "photos.html";
    private static final int HANDLER_THREADS = 4;

    private final ObjectMapper json = new ObjectMapper();
    private final Path library;
    private final int expected;
    private final Instant started;
    private final HttpServer server;
    private final ExecutorService handlers;
    private final byte[] page;
    private final Object indexLock = new Object();
    private FileTime indexTime;
    private Map<String, PhotoIndex.Entry> indexed = Map.of();

    private PhotoLibraryView(Path library, int expected, int port) throws IOException {
        this.library = library.toAbsolutePath().normalize();
        this.expected = expected;
        this.started = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        try (InputStream in = PhotoLibraryView.class.getResourceAsStream(PAGE)) {
            if (in == null) {
                throw new IllegalStateException("the page " + PAGE + " is missing from the class path");
            }
            this.page = in.readAllBytes();
        }
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 64);
        AtomicInteger n = new AtomicInteger();
        handlers = Executors.newFixedThreadPool(HANDLER_THREADS, r -> {
            Thread t = new Thread(r, "amdahl-photo-view-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        server.setExecutor(handlers);
        server.createContext("/", this::handle);
        server.start();
    }

    /**
     * Serves the page for {@code library} on the loopback address.
     *
     * @param expectedPhotos how many photos the import brings, for its progress
     * @param port           the port, or 0 for any free one
     * @throws UncheckedIOException when the port is taken
     */
    public static PhotoLibraryView start(Path library, int expectedPhotos, int port) {
        if (port < 0 || port > 65_535) {
            throw new IllegalArgumentException("a port is 0 to 65535, not " + port);
        }
        try {
            return new PhotoLibraryView(library, expectedPhotos, port);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot serve the photo view on " + InetAddress.getLoopbackAddress().getHostAddress()
                    + ":" + port + " (" + e.getMessage() + "); choose another port, or 0 for any free one", e);
        }
    }

    /** Where the page is. */
    public URI uri() {
        return URI.create("http://" + InetAddress.getLoopbackAddress().getHostAddress() + ":" + server.getAddress().getPort() + "/");
    }

    @Override
    public void close() {
        server.stop(0);
        handlers.shutdownNow();
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            if (!"GET".equals(exchange.getRequestMethod()) && !"HEAD".equals(exchange.getRequestMethod())) {
                send(exchange, 405, "text/plain; charset=utf-8", "only GET\n".getBytes(StandardCharsets.UTF_8));
                return;
            }
            if (!fromLoopbackHost(exchange)) {
                send(exchange, 403, "text/plain; charset=utf-8", ("open " + uri() + "\n").getBytes(StandardCharsets.UTF_8));
                return;
            }
            String path = exchange.getRequestURI().getRawPath();
            if (path.equals("/")) {
                send(exchange, 200, "text/html; charset=utf-8", page);
            } else if (path.equals("/api/status")) {
                send(exchange, 200, "application/json", json.writeValueAsBytes(status()));
            } else if (path.equals("/api/search")) {
                send(exchange, 200, "application/json", json.writeValueAsBytes(search(query(exchange.getRequestURI(), "q"))));
            } else if (path.startsWith("/library/")) {
                sendFile(exchange, URLDecoder.decode(path.substring("/library/".length()), StandardCharsets.UTF_8));
            } else {
                send(exchange, 404, "text/plain; charset=utf-8", "not found\n".getBytes(StandardCharsets.UTF_8));
            }
        } catch (IOException | RuntimeException e) {
            log.debug("photo view request {} failed: {}", exchange.getRequestURI(), e.toString());
            throw e;
        }
    }

    private boolean fromLoopbackHost(HttpExchange exchange) {
        String host = exchange.getRequestHeaders().getFirst("Host");
        int port = server.getAddress().getPort();
        return host != null && (host.equals(InetAddress.getLoopbackAddress().getHostAddress() + ":" + port)
                || host.equalsIgnoreCase("localhost:" + port));
    }

    /** What the page shows: progress, and every photo with a thumbnail, with its metadata once indexed. */
    Map<String, Object> status() {
        Map<String, PhotoIndex.Entry> index = index();
        List<Map<String, Object>> photos = new ArrayList<>();
        int sinceStart = 0;
        for (Path thumbnail : thumbnails()) {
            String relative = library.relativize(thumbnail).toString().replace('\\', '/');
            String photo = relative.substring(PhotoImport.THUMBNAILS.length() + 1);
            if (photo.endsWith(".png.jpg")) {
                photo = photo.substring(0, photo.length() - ".jpg".length());
            }
            if (writtenSince(thumbnail)) {
                sinceStart++;
            }
            Map<String, Object> p = new LinkedHashMap<>();
            p.put("path", photo);
            p.put("thumbnail", relative);
            p.put("day", photo.length() >= 10 ? photo.substring(0, 10).replace('/', '-') : "");
            PhotoIndex.Entry entry = index.get(photo);
            if (entry != null) {
                p.put("capturedAt", entry.capturedAt());
                p.put("camera", entry.camera());
                p.put("width", entry.width());
                p.put("height", entry.height());
            }
            photos.add(p);
        }
        // by day, then by time of day once the index says it, then by name
        photos.sort(Comparator.comparing((Map<String, Object> p) -> (String) p.get("day"))
                .thenComparing(p -> (String) p.getOrDefault("capturedAt", ""))
                .thenComparing(p -> (String) p.get("path")));
        Map<String, Object> status = new LinkedHashMap<>();
        status.put("library", library.toString());
        status.put("expected", expected);
        status.put("imported", Math.min(expected, sinceStart));
        status.put("indexed", indexWrittenSinceStart());
        status.put("photos", photos);
        return status;
    }

    private Map<String, Object> search(String query) {
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("query", query == null ? "" : query);
        result.put("indexed", !index().isEmpty());
        result.put("photos", index().isEmpty() ? List.of() : new PhotoIndex(List.copyOf(index().values()), List.of()).search(query));
        return result;
    }

    /** The index by photo path, read again only when its file changes. */
    private Map<String, PhotoIndex.Entry> index() {
        Path file = library.resolve(PhotoIndex.FILE_NAME);
        synchronized (indexLock) {
            try {
                FileTime time = Files.getLastModifiedTime(file);
                if (!time.equals(indexTime)) {
                    Map<String, PhotoIndex.Entry> byPath = new LinkedHashMap<>();
                    PhotoIndex.read(library).photos().forEach(e -> byPath.put(e.path(), e));
                    indexed = byPath;
                    indexTime = time;
                }
            } catch (IOException | UncheckedIOException e) {
                return indexed; // none yet, or being replaced: what was read last
            }
            return indexed;
        }
    }

    private boolean indexWrittenSinceStart() {
        try {
            return !Files.getLastModifiedTime(library.resolve(PhotoIndex.FILE_NAME)).toInstant().isBefore(started);
        } catch (IOException e) {
            return false;
        }
    }

    private List<Path> thumbnails() {
        Path folder = library.resolve(PhotoImport.THUMBNAILS);
        if (!Files.isDirectory(folder)) {
            return List.of();
        }
        try (Stream<Path> files = Files.walk(folder)) {
            return files.filter(p -> PhotoImport.isPhotoName(p.getFileName().toString())).toList();
        } catch (IOException | UncheckedIOException e) {
            return List.of(); // the folder changed under the walk; the page asks again shortly
        }
    }

    private boolean writtenSince(Path file) {
        try {
            return !Files.getLastModifiedTime(file).toInstant().isBefore(started);
        } catch (IOException e) {
            return false;
        }
    }

    private void sendFile(HttpExchange exchange, String relative) throws IOException {
        Path file = library.resolve(relative).normalize();
        boolean inside = file.startsWith(library) && !relative.isEmpty() && !Path.of(relative).isAbsolute();
        boolean hidden = inside && library.relativize(file).toString().replace('\\', '/').matches("(.*/)?\\..*");
        String name = file.getFileName() == null ? "" : file.getFileName().toString().toLowerCase(Locale.ROOT);
        String type = name.endsWith(".png") ? "image/png" : name.endsWith(".jpg") || name.endsWith(".jpeg") ? "image/jpeg" : null;
        if (!inside || hidden || type == null || !Files.isRegularFile(file)) {
            send(exchange, 404, "text/plain; charset=utf-8", "no such photo\n".getBytes(StandardCharsets.UTF_8));
            return;
        }
        send(exchange, 200, type, Files.readAllBytes(file));
    }

    private static String query(URI uri, String name) {
        String raw = uri.getRawQuery();
        if (raw == null) {
            return null;
        }
        for (String pair : raw.split("&")) {
            int eq = pair.indexOf('=');
            String key = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
            if (key.equals(name)) {
                return eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
            }
        }
        return null;
    }

    private static void send(HttpExchange exchange, int status, String type, byte[] body) throws IOException {
        exchange.getResponseHeaders().set("Content-Type", type);
        exchange.getResponseHeaders().set("Cache-Control", "no-store");
        exchange.getResponseHeaders().set("X-Content-Type-Options", "nosniff");
        boolean head = "HEAD".equals(exchange.getRequestMethod());
        exchange.sendResponseHeaders(status, head ? -1 : body.length == 0 ? -1 : body.length);
        if (!head && body.length > 0) {
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        }
    }
}
