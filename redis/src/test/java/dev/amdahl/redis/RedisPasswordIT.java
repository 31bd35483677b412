package dev.amdahl.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.amdahl.Amdahl;
import dev.amdahl.Task;
import dev.amdahl.Worker;
import dev.amdahl.WorkerOptions;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A Redis that wants a password: the password in the URL gets the application in, and appears in no log
 * line (slf4j-simple writes them to System.err, captured here), no error message and no toString.
 */
@Timeout(120)
class RedisPasswordIT {

    private static final String PASSWORD = "pw-8c1f0e-never-shown";

    private final ByteArrayOutputStream captured = new ByteArrayOutputStream();
    private PrintStream originalErr;
    private PrivateRedis redis;

    @BeforeEach
    void start() throws Exception {
        redis = new PrivateRedis(PASSWORD);
        redis.start();
        originalErr = System.err;
        PrintStream tee = new PrintStream(new OutputStream() {
            @Override
            public void write(int b) {
                captured.write(b);
                originalErr.write(b);
            }

            @Override
            public void write(byte[] b, int off, int len) {
                captured.write(b, off, len);
                originalErr.write(b, off, len);
            }
        }, true, StandardCharsets.UTF_8);
        System.setErr(tee);
    }

    @AfterEach
    void stop() throws Exception {
        System.setErr(originalErr);
        redis.close();
    }

    private String logs() {
        System.err.flush();
        return captured.toString(StandardCharsets.UTF_8);
    }

    @Test
    void thePasswordOpensRedisAndIsNeverShown() throws Exception {
        try (Amdahl app = Amdahl.builder().broker("redis://:" + PASSWORD + "@" + redis.hostPort() + "/0?prefix=pw").build()) {
            Task<Integer, Integer> inc = app.task("pw.inc", Integer.class, Integer.class, x -> x + 1);
            Worker worker = app.startWorker(WorkerOptions.builder().concurrency(1).build());

            assertThat(inc.submit(1).result(Duration.ofSeconds(20))).isEqualTo(2);
            assertThat(app.broker() + " " + app.resultBackend() + " " + worker).doesNotContain(PASSWORD);

            // the server goes away under the running worker: its warnings, and the client's about reconnecting (which
            // name the server), show no password either; waited for, since a quick restart may come before any
            redis.kill();
            RedisTestSupport.await("a failed reconnect to the lost Redis", Duration.ofSeconds(30),
                    () -> logs().contains("Cannot reconnect"));
            redis.start();
            assertThat(inc.submit(2).result(Duration.ofSeconds(30))).isEqualTo(3);
        }
        assertThat(logs()).contains("Cannot reconnect").doesNotContain(PASSWORD);
    }

    @Test
    void aWrongPasswordOrUserIsRefusedWithoutShowingIt() {
        for (String url : new String[] {"redis://:" + PASSWORD + "-wrong@" + redis.hostPort(),
                "redis://nobody:" + PASSWORD + "@" + redis.hostPort() + "/0?timeout=2s",
                "redis://:" + PASSWORD + "@" + redis.hostPort() + "/0?unknown=1",
                "redis://:" + PASSWORD + "@" + redis.hostPort() + "/zero"}) {
            Throwable e = catchThrowable(() -> Amdahl.builder().broker(url).build().close());

            assertThat(e).as(url).isNotNull();
            StringBuilder chain = new StringBuilder();
            for (Throwable t = e; t != null; t = t.getCause()) {
                chain.append(t).append('\n');
            }
            assertThat(chain.toString()).as(url).doesNotContain(PASSWORD);
        }
        assertThat(logs()).doesNotContain(PASSWORD);
    }
}
