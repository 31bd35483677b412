package dev.amdahl.redis;

import dev.amdahl.testkit.TestCertificates;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * A redis-server of the test's own that speaks TLS only ({@code --port 0}), on a free loopback port, with the
 * {@link TestCertificates} of a temporary directory.
 */
final class TlsRedis extends RedisServerProcess {

    private final TestCertificates certificates;

    /** @param authClients whether the server asks every client for a certificate signed by the test CA */
    TlsRedis(boolean authClients) throws IOException, InterruptedException {
        super("amdahl-redis-tls");
        certificates = TestCertificates.create(dir, "IP:127.0.0.1,DNS:redis.amdahl.test");
        start(authClients);
    }

    /** A file made here: {@code ca.crt}, {@code rogue-ca.crt}, {@code client.crt}, {@code client.key}, ... */
    Path file(String name) {
        return certificates.file(name);
    }

    /** {@code rediss://127.0.0.1:PORT/0?prefix=...&ca-file=<the test CA>} and then {@code options}. */
    String url(String prefix, String options) {
        return "rediss://127.0.0.1:" + port + "/0?prefix=" + prefix + "&ca-file=" + file("ca.crt") + (options.isEmpty() ? "" : "&" + options);
    }

    private void start(boolean authClients) throws IOException, InterruptedException {
        Path log = dir.resolve("redis.log");
        launch(List.of("--port", "0", "--tls-port", Integer.toString(port), "--bind", "127.0.0.1",
                "--tls-cert-file", file("server.crt").toString(), "--tls-key-file", file("server.key").toString(),
                "--tls-ca-cert-file", file("ca.crt").toString(), "--tls-auth-clients", authClients ? "yes" : "no",
                "--save", "", "--appendonly", "no", "--dir", dir.toString(), "--logfile", log.toString()), "redis.out");
        RedisTestSupport.await("the TLS redis-server on port " + port + " to accept connections", Duration.ofSeconds(15), () -> {
            checkAlive(log);
            try {
                return Files.exists(log) && Files.readString(log, StandardCharsets.UTF_8).contains("Ready to accept connections");
            } catch (IOException e) {
                return false;
            }
        });
    }
}
