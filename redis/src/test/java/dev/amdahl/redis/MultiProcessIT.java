package dev.amdahl.redis;

import static dev.amdahl.redis.RedisTestSupport.await;
import static org.assertj.core.api.Assertions.assertThat;

import dev.amdahl.Amdahl;
import dev.amdahl.Task;
import dev.amdahl.WorkerOptions;
import dev.amdahl.spi.ProviderContext;
import dev.amdahl.spi.ResultBackend;
import dev.amdahl.testkit.ChildJvm;
import io.lettuce.core.KeyScanArgs;
import io.lettuce.core.KeyScanCursor;
import io.lettuce.core.RedisClient;
import io.lettuce.core.ScanCursor;
import io.lettuce.core.api.StatefulRedisConnection;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * Whole processes over the real Redis: two worker JVMs and a client JVM run 10,000 tasks while one worker is
 * killed with SIGKILL; and a task longer than the visibility timeout is not run twice while its worker lives.
 */
class MultiProcessIT {

    private static final String PREFIX = RedisTestSupport.newPrefix("multiprocess");
    private static final int TASKS = 10_000;
    /** Long enough for the killed worker's messages to come back quickly, far longer than a lease renewal (500 ms). */
    private static final String URL = "redis://" + RedisTestSupport.HOST_PORT + "/0?prefix=" + PREFIX + "&visibility-timeout=2s";

    /** The task both sides register: squares its argument after 1 ms, counting its runs per argument. */
    static Task<Integer, Integer> register(Amdahl app) {
        ResultBackend backend = app.resultBackend();
        return app.task("mp.square", Integer.class, Integer.class, n -> {
            backend.increment("run:" + n, 1);
            Thread.sleep(1);
            return n * n;
        });
    }

    @AfterAll
    static void deleteKeys() {
        RedisTestSupport.deleteKeys(RedisTestSupport.HOST_PORT, PREFIX);
    }

    @Test
    void tenThousandTasksCompleteExactlyOnceAlthoughAWorkerIsKilled() throws Exception {
        List<Process> processes = new ArrayList<>();
        try {
            Process doomed = startWorker("doomed", processes);
            startWorker("survivor", processes);
            Process client = java(processes, MultiProcessClientMain.class, URL, Integer.toString(TASKS));
            CompletableFuture<String> clientOutput = CompletableFuture.supplyAsync(() -> readAll(client));

            try (ResultBackend backend = new RedisResultBackendProvider().open(URI.create(URL), ProviderContext.ofDefaults());
                 var broker = new RedisBrokerProvider().open(URI.create(URL), ProviderContext.ofDefaults())) {
                // kill the first worker once the run is well under way
                await("a fifth of the tasks to be taken", Duration.ofSeconds(60),
                        () -> broker.depth("amdahl") > 0 && broker.depth("amdahl") < TASKS * 4 / 5);
                doomed.destroyForcibly(); // SIGKILL
                assertThat(doomed.waitFor(10, TimeUnit.SECONDS)).isTrue();

                assertThat(client.waitFor(3, TimeUnit.MINUTES)).as("client finished").isTrue();
                String out = clientOutput.get(10, TimeUnit.SECONDS);
                assertThat(client.exitValue()).as("client output:\n%s", out).isZero();
                assertThat(out).contains("OK " + TASKS);

                // every task ran at least once; only what the killed worker held (prefetch 8) may have run twice
                long[] runs = IntStream.range(0, TASKS).mapToLong(i -> backend.increment("run:" + i, 0)).toArray();
                assertThat(IntStream.range(0, TASKS).filter(i -> runs[i] < 1).boxed().toList()).as("tasks never run").isEmpty();
                long twice = IntStream.range(0, TASKS).filter(i -> runs[i] > 1).count();
                assertThat(twice).as("tasks run more than once").isLessThanOrEqualTo(8);
                // one record per task, and no message left behind
                assertThat(countKeys(PREFIX + ":r:*")).isEqualTo(TASKS);
                assertThat(broker.depth("amdahl")).isZero();
            }
        } finally {
            for (Process p : processes) {
                p.destroyForcibly();
                p.waitFor(10, TimeUnit.SECONDS);
            }
        }
    }

    @Test
    void aTaskLongerThanTheVisibilityTimeoutRunsOnceWhileItsWorkerLives() throws Exception {
        String url = "redis://" + RedisTestSupport.HOST_PORT + "/0?prefix=" + PREFIX + "-lease&visibility-timeout=500ms";
        try (Amdahl a = Amdahl.builder().broker(url).build();
             Amdahl b = Amdahl.builder().broker(url).build();
             Amdahl client = Amdahl.builder().broker(url).build()) {
            for (Amdahl app : List.of(a, b, client)) {
                app.task("mp.long", Integer.class, Integer.class, n -> {
                    app.resultBackend().increment("long:" + n, 1);
                    Thread.sleep(2_000); // four visibility timeouts
                    return n;
                });
            }
            WorkerOptions options = WorkerOptions.builder().concurrency(2).leaseRenewal(Duration.ofMillis(150)).build();
            try (var w1 = a.startWorker(options); var w2 = b.startWorker(options)) {
                List<Integer> done = client.<Integer, Integer>task("mp.long", Integer.class, Integer.class)
                        .map(List.of(1, 2, 3, 4)).get(30, TimeUnit.SECONDS);
                assertThat(done).containsExactly(1, 2, 3, 4);
                for (int n = 1; n <= 4; n++) {
                    assertThat(client.resultBackend().increment("long:" + n, 0)).as("runs of task %d", n).isEqualTo(1);
                }
            }
        } finally {
            RedisTestSupport.deleteKeys(RedisTestSupport.HOST_PORT, PREFIX + "-lease");
        }
    }

    private static Process startWorker(String name, List<Process> processes) throws Exception {
        Process p = java(processes, MultiProcessWorkerMain.class, URL, name);
        BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        AtomicReference<String> seen = new AtomicReference<>("");
        await("worker " + name + " to print READY", Duration.ofSeconds(60), () -> {
            try {
                String line = out.readLine();
                if (line == null) {
                    throw new IllegalStateException("worker " + name + " exited early: " + seen.get());
                }
                seen.set(seen.get() + line + "\n");
                return line.equals("READY");
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        });
        // keep draining its output so it never blocks on a full pipe
        CompletableFuture.runAsync(() -> readAll(p));
        return p;
    }

    private static Process java(List<Process> processes, Class<?> main, String... args) throws IOException {
        Process p = ChildJvm.command(main, args).redirectErrorStream(true).start();
        processes.add(p);
        return p;
    }

    private static String readAll(Process p) {
        try {
            return new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "(output unreadable: " + e + ")";
        }
    }

    private static long countKeys(String pattern) {
        RedisClient client = RedisClient.create("redis://" + RedisTestSupport.HOST_PORT);
        try (StatefulRedisConnection<String, String> c = client.connect()) {
            long n = 0;
            ScanCursor cursor = ScanCursor.INITIAL;
            do {
                KeyScanCursor<String> page = c.sync().scan(cursor, KeyScanArgs.Builder.matches(pattern).limit(1000));
                n += page.getKeys().size();
                cursor = page;
            } while (!cursor.isFinished());
            return n;
        } finally {
            client.shutdown(Duration.ZERO, Duration.ofSeconds(1));
        }
    }
}
