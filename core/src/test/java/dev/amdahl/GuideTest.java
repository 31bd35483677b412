package dev.amdahl;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The examples of docs/guide.md, compiled and run, so that they stay true. Each example sits between
 * {@code // --- guide: NAME ---} and {@code // --- end ---}; the guide must contain it verbatim (less
 * its indentation). Keep the two in step.
 */
class GuideTest {

    record Photo(String name, int bytes) { }

    record Album(List<String> photos) { }

    static final class FlakyNetwork {
        private int calls;

        String fetch(String url) throws IOException {
            if (++calls < 3) {
                throw new IOException("connection reset");
            }
            return "<html>" + url + "</html>";
        }
    }

    static String retries() throws Exception {
        FlakyNetwork network = new FlakyNetwork();
        // --- guide: retries ---
        try (Amdahl app = Amdahl.builder().build()) {
            Task<String, String> fetch = app.task("web.fetch", String.class, String.class, TaskOptions.builder()
                    .retryOn(IOException.class)                  // these exceptions retry; any other fails at once
                    .maxRetries(5)
                    .backoff(RetryBackoff.exponential(Duration.ofMillis(10), Duration.ofSeconds(1), 0.5))
                    .build(), network::fetch);

            Task<String, String> mail = app.task("mail.send", String.class, String.class, to -> {
                if (TaskContext.current().retries() == 0) {   // explicit retry, with its own countdown
                    throw TaskContext.current().retry(new IllegalStateException("server busy"), Duration.ofMillis(50));
                }
                return "sent to " + to;
            });

            try (Worker worker = app.startWorker(WorkerOptions.builder().concurrency(2).build())) {
                TaskFuture<String> page = fetch.submit("https://example.org");
                System.out.println(page.result(Duration.ofSeconds(10)));     // after two retries
                return page.get() + " / " + mail.submit("ada@example.org").get();
            }
        }
        // --- end ---
    }

    static List<String> timing() throws Exception {
        // --- guide: time ---
        try (Amdahl app = Amdahl.builder().build()) {
            Task<String, String> remind = app.task("remind", String.class, String.class, s -> "reminded: " + s);
            app.startWorker(WorkerOptions.builder().concurrency(1).build());

            TaskFuture<String> soon = remind
                    .withOptions(SubmitOptions.builder().countdown(Duration.ofMillis(200)).build())   // not before 200 ms
                    .submit("stretch");
            TaskFuture<String> stale = remind
                    .withOptions(SubmitOptions.builder().expiresAt(java.time.Instant.now().minusSeconds(1)).build())
                    .submit("yesterday's meeting");                  // reaches the worker expired: REVOKED, not run

            try {
                stale.get();
            } catch (java.util.concurrent.CancellationException expired) {
                System.out.println(stale.id() + " is " + stale.state());    // REVOKED
            }
            return List.of(soon.get(), stale.state().name());
        }
        // --- end ---
    }

    static String limits() throws Exception {
        // --- guide: limits ---
        try (Amdahl app = Amdahl.builder().build()) {
            Task<Photo, String> thumbnail = app.task("photo.thumbnail", Photo.class, String.class, TaskOptions.builder()
                    .softTimeLimit(Duration.ofMillis(100))       // interrupt, let the task clean up
                    .hardTimeLimit(Duration.ofSeconds(5))        // then stop it whatever it does
                    .build(), photo -> {
                        Path partial = Files.createTempFile(photo.name(), ".part");
                        try {
                            Thread.sleep(photo.bytes());         // slow work that blocks: interruptible
                            return "thumbnail of " + photo.name();
                        } catch (InterruptedException e) {
                            if (TaskContext.current().softTimeLimitExceeded()) {
                                return "placeholder for " + photo.name();   // give up gracefully
                            }
                            throw e;
                        } finally {
                            Files.deleteIfExists(partial);
                        }
                    });
            app.startWorker(WorkerOptions.builder().concurrency(2).build());

            return thumbnail.submit(new Photo("cat.jpg", 10)).get() + ", "
                    + thumbnail.submit(new Photo("panorama.jpg", 60_000)).get();
        }
        // --- end ---
    }

    static int rateLimit() throws Exception {
        // --- guide: rate ---
        try (Amdahl app = Amdahl.builder().build()) {
            Task<Integer, Integer> geocode = app.task("geo.lookup", Integer.class, Integer.class, TaskOptions.builder()
                    .rateLimit("20/s")                           // per worker; also "10/m", "1000/h"
                    .build(), id -> id * 2);
            app.startWorker(WorkerOptions.builder().concurrency(4).build());

            List<Integer> ids = java.util.stream.IntStream.range(0, 10).boxed().toList();
            return geocode.map(ids).get().stream().mapToInt(Integer::intValue).sum();    // about half a second
        }
        // --- end ---
    }

    static List<String> routing() throws Exception {
        // --- guide: routing ---
        try (Amdahl app = Amdahl.builder()
                .route("photo.thumbnail", "cpu")                 // a task by name
                .route("photo.*", "io")                          // a pattern: the other photo tasks
                .build()) {
            Task<String, String> thumbnail = app.task("photo.thumbnail", String.class, String.class, s -> "thumb " + s);
            Task<String, String> metadata = app.task("photo.metadata", String.class, String.class, s -> "meta " + s);
            app.startWorker(WorkerOptions.builder().queues("cpu", "io").concurrency(2).build());

            TaskFuture<String> urgent = thumbnail.withOptions(SubmitOptions.builder().priority(9).build()).submit("cover.jpg");
            return List.of(thumbnail.queue(), metadata.queue(), urgent.get(), metadata.submit("cover.jpg").get());
        }
        // --- end ---
    }

    static List<Double> progress() throws Exception {
        // --- guide: progress ---
        try (Amdahl app = Amdahl.builder().build()) {
            Task<Album, Integer> importAlbum = app.task("photo.import", Album.class, Integer.class, album -> {
                TaskContext task = TaskContext.current();
                List<String> photos = album.photos();
                for (int i = 0; i < photos.size(); i++) {
                    task.progress((double) i / photos.size(), "importing " + photos.get(i));
                    Thread.sleep(20);                           // the real work
                }
                return photos.size();
            });
            app.startWorker(WorkerOptions.builder().concurrency(1).build());

            List<Double> seen = new java.util.concurrent.CopyOnWriteArrayList<>();
            TaskFuture<Integer> album = importAlbum.submit(new Album(List.of("a.jpg", "b.jpg", "c.jpg", "d.jpg")))
                    .onProgress(p -> seen.add(p.fraction()));  // on a background thread: do not block
            System.out.println(album.progress().map(Progress::message).orElse("waiting"));
            album.get();
            return seen;
        }
        // --- end ---
    }

    static List<Object> deduplication() throws Exception {
        // --- guide: dedup ---
        try (Amdahl app = Amdahl.builder().build()) {
            Task<Integer, String> charge = app.task("payment.charge", Integer.class, String.class, cents -> "charged " + cents);
            app.startWorker(WorkerOptions.builder().concurrency(1).build());
            SubmitOptions once = SubmitOptions.builder().idempotencyKey("order-42").idempotencyWindow(Duration.ofHours(24)).build();

            TaskFuture<String> first = charge.withOptions(once).submit(1999);
            TaskFuture<String> doubleClick = charge.withOptions(once).submit(1999);   // the same task, not a second charge

            return List.of(doubleClick.id().equals(first.id()), doubleClick.get());
        }
        // --- end ---
    }

    @Test
    void theExamplesRun() throws Exception {
        assertThat(retries()).isEqualTo("<html>https://example.org</html> / sent to ada@example.org");
        assertThat(timing()).containsExactly("reminded: stretch", "REVOKED");
        assertThat(limits()).isEqualTo("thumbnail of cat.jpg, placeholder for panorama.jpg");
        assertThat(rateLimit()).isEqualTo(90);
        assertThat(routing()).containsExactly("cpu", "io", "thumb cover.jpg", "meta cover.jpg");
        assertThat(progress()).isNotEmpty().allMatch(f -> f >= 0 && f < 1);
        assertThat(deduplication()).containsExactly(true, "charged 1999");
    }

    @Test
    void theGuideShowsThisCode() throws Exception {
        assertThat(DocSnippets.assertShown(GuideTest.class, "docs/guide.md"))
                .containsExactly("retries", "time", "limits", "rate", "routing", "progress", "dedup");
    }
}
