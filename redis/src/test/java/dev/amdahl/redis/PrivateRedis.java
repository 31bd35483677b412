package dev.amdahl.redis;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * A redis-server of the test's own on a free loopback port, with an append-only file fsynced on every
 * write, so that it can be killed with SIGKILL and restarted without losing anything it acknowledged.
 */
final class PrivateRedis extends RedisServerProcess {

    /** What clients must AUTH with ({@code requirepass}); {@code null} for none. */
    private final String password;

    PrivateRedis() throws IOException {
        this(null);
    }

    /** @param password the server's {@code requirepass}, {@code null} for none */
    PrivateRedis(String password) throws IOException {
        super("amdahl-redis-it");
        this.password = password;
    }

    String hostPort() {
        return "127.0.0.1:" + port;
    }

    void start() throws IOException, InterruptedException {
        // the password in a configuration file, not on the command line, where ps would show it
        Path conf = dir.resolve("redis.conf");
        Files.writeString(conf, password == null ? "" : "requirepass \"" + password + "\"\n");
        launch(List.of(conf.toString(), "--port", Integer.toString(port), "--bind", "127.0.0.1",
                "--save", "", "--appendonly", "yes", "--appendfsync", "always", "--dir", dir.toString()), "redis.log");
        RedisTestSupport.await("redis-server on port " + port + " to answer PING", Duration.ofSeconds(15), this::answers);
    }

    private boolean answers() {
        checkAlive(dir.resolve("redis.log"));
        RedisURI.Builder uri = RedisURI.builder().withHost("127.0.0.1").withPort(port);
        if (password != null) {
            uri.withPassword(password.toCharArray());
        }
        RedisClient client = RedisClient.create(uri.build());
        try (StatefulRedisConnection<String, String> c = client.connect()) {
            return "PONG".equals(c.sync().ping());
        } catch (RuntimeException e) {
            return false;
        } finally {
            client.shutdown(Duration.ZERO, Duration.ofSeconds(1));
        }
    }
}
