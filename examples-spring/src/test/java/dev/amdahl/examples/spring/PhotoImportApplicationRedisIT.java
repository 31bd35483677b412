package dev.amdahl.examples.spring;

import static org.assertj.core.api.Assertions.assertThat;

import io.lettuce.core.KeyScanCursor;
import io.lettuce.core.RedisClient;
import io.lettuce.core.ScanArgs;
import io.lettuce.core.ScanCursor;
import io.lettuce.core.api.StatefulRedisConnection;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The example's main method on the Redis at 127.0.0.1:6379, under a key prefix of this test's own (deleted after),
 * and a second application that only submits while the first serves.
 */
@Timeout(120)
class PhotoImportApplicationRedisIT {

    static final String PREFIX = "spring-example-it-" + UUID.randomUUID();
    static final String BROKER = "--amdahl.broker=redis://127.0.0.1:6379?prefix=" + PREFIX;

    @Test
    void theExampleRunsItsTasksOnRedis() throws Exception {
        PhotoImportApplication.main(new String[] {BROKER});
    }

    @Test
    void aClientOnlyApplicationIsServedByTheWorkerOfAnother() throws Exception {
        try (var worker = new org.springframework.boot.builder.SpringApplicationBuilder(PhotoImportApplication.class)
                .run(BROKER, "--spring.application.name=worker", "--amdahl.worker.name=photo-worker");
             var client = new org.springframework.boot.builder.SpringApplicationBuilder(PhotoImportApplication.class)
                     .run(BROKER, "--amdahl.worker.enabled=false")) {
            List<Photo> photos = IntStream.range(0, 20).mapToObj(i -> new Photo("p" + i + ".jpg", 3200, 2400)).toList();
            List<Thumbnail> thumbnails = client.getBean(PhotoImport.class).thumbnails(photos, Duration.ofSeconds(60));
            assertThat(thumbnails).hasSize(20).allSatisfy(t -> {
                assertThat(t.width()).isEqualTo(160);
                assertThat(t.height()).isEqualTo(120);
            });
        }
    }

    @AfterAll
    static void deleteKeys() {
        RedisClient redis = RedisClient.create("redis://127.0.0.1:6379");
        try (StatefulRedisConnection<String, String> connection = redis.connect()) {
            ScanCursor cursor = ScanCursor.INITIAL;
            do {
                KeyScanCursor<String> page = connection.sync().scan(cursor, ScanArgs.Builder.matches(PREFIX + ":*").limit(500));
                if (!page.getKeys().isEmpty()) {
                    connection.sync().del(page.getKeys().toArray(String[]::new));
                }
                cursor = page;
            } while (!cursor.isFinished());
        } finally {
            redis.shutdown();
        }
    }
}
