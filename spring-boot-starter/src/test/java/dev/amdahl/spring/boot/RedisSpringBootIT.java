package dev.amdahl.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;

import dev.amdahl.Amdahl;
import dev.amdahl.Task;
import io.lettuce.core.KeyScanCursor;
import io.lettuce.core.RedisClient;
import io.lettuce.core.ScanArgs;
import io.lettuce.core.ScanCursor;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.actuate.health.Health;
import org.springframework.boot.actuate.health.Status;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The same application on the Redis at 127.0.0.1:6379, under a key prefix of this test's own. The test stops the
 * context's lifecycles itself (the worker's graceful stop, as on close), so that it can delete its keys once the
 * worker has stopped writing them.
 */
@SpringBootTest(classes = GreetingApplication.class)
@DirtiesContext
@Timeout(90)
class RedisSpringBootIT {

    static final String PREFIX = "spring-it-" + UUID.randomUUID();

    @DynamicPropertySource
    static void redis(DynamicPropertyRegistry registry) {
        registry.add("amdahl.broker", () -> "redis://127.0.0.1:6379?prefix=" + PREFIX);
        registry.add("amdahl.worker.concurrency", () -> "4");
        registry.add("amdahl.worker.shutdown-grace", () -> "10s");
    }

    @Autowired
    Amdahl app;

    @Autowired
    AmdahlHealthIndicator health;

    @Autowired
    AmdahlWorkerLifecycle worker;

    @Autowired
    ConfigurableApplicationContext context;

    @Test
    void tasksRunThroughRedisAndTheWorkerStopsWithTheContext() throws Exception {
        try {
            Task<String, String> greet = app.task("greet", String.class, String.class);
            List<String> names = java.util.stream.IntStream.range(0, 50).mapToObj(i -> "n" + i).toList();
            List<String> greetings = greet.map(names).get(60, TimeUnit.SECONDS);
            assertThat(greetings).hasSize(50).first().isEqualTo("hello, n0");

            Health up = health.health();
            assertThat(up.getStatus()).isEqualTo(Status.UP);
            assertThat(up.getDetails()).containsEntry("broker", "redis://127.0.0.1:6379?prefix=" + PREFIX)
                    .containsEntry("queues", Map.of("amdahl", 0L));

            GreetingApplication.Gate gate = context.getBean(GreetingApplication.Gate.class);
            app.task("gate.pass", String.class, String.class).submit("held");
            assertThat(gate.entered.await(30, TimeUnit.SECONDS)).isTrue();
            Thread opener = new Thread(() -> {
                try {
                    dev.amdahl.testkit.Await.until(java.time.Duration.ofSeconds(30), "the worker stopping",
                            () -> worker.worker().map(w -> !w.isRunning()).orElse(true));
                } finally {
                    gate.open.countDown();
                }
            });
            opener.start();
            context.stop();   // the lifecycle half of close(), which leaves the context to the test framework
            opener.join(30_000);
            assertThat(gate.finished).isTrue();
            assertThat(worker.isRunning()).isFalse();
        } finally {
            context.stop();
            deleteKeys();
        }
    }

    private static void deleteKeys() {
        RedisClient client = RedisClient.create("redis://127.0.0.1:6379");
        try (StatefulRedisConnection<String, String> connection = client.connect()) {
            RedisCommands<String, String> redis = connection.sync();
            ScanCursor cursor = ScanCursor.INITIAL;
            do {
                KeyScanCursor<String> page = redis.scan(cursor, ScanArgs.Builder.matches(PREFIX + ":*").limit(500));
                if (!page.getKeys().isEmpty()) {
                    redis.del(page.getKeys().toArray(String[]::new));
                }
                cursor = page;
            } while (!cursor.isFinished());
        } finally {
            client.shutdown();
        }
    }
}
