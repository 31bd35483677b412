package dev.amdahl.redis;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A redis-server of the test's own that speaks TLS only ({@code --port 0}), on a free loopback port, with a
 * CA and certificates made by the openssl CLI in a temporary directory: a test CA that signs the server's
 * and a client's certificate, and an unrelated "rogue" CA that signs nothing the server uses.
 */
final class TlsRedis extends RedisServerProcess {

    /** @param authClients whether the server asks every client for a certificate signed by the test CA */
    TlsRedis(boolean authClients) throws IOException, InterruptedException {
        super("amdahl-redis-tls");
        Files.writeString(dir.resolve("server.ext"), "subjectAltName=IP:127.0.0.1,DNS:redis.amdahl.test\n");
        Files.writeString(dir.resolve("client.ext"), "extendedKeyUsage=clientAuth\n");
        ca("ca");
        ca("rogue-ca");
        signed("server", "ca", "server.ext");
        signed("client", "ca", "client.ext");
        signed("rogue-client", "rogue-ca", "client.ext");
        start(authClients);
    }

    /** A file made here: {@code ca.crt}, {@code rogue-ca.crt}, {@code client.crt}, {@code client.key}, ... */
    Path file(String name) {
        return dir.resolve(name);
    }

    /** {@code rediss://127.0.0.1:PORT/0?prefix=...&ca-file=<the test CA>} and then {@code options}. */
    String url(String prefix, String options) {
        return "rediss://127.0.0.1:" + port + "/0?prefix=" + prefix + "&ca-file=" + file("ca.crt") + (options.isEmpty() ? "" : "&" + options);
    }

    private void ca(String name) throws IOException, InterruptedException {
        openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2",
                "-subj", "/CN=amdahl test " + name, "-keyout", name + ".key", "-out", name + ".crt");
    }

    private void signed(String name, String ca, String extensions) throws IOException, InterruptedException {
        openssl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-subj", "/CN=" + name,
                "-keyout", name + ".key", "-out", name + ".csr");
        openssl("x509", "-req", "-in", name + ".csr", "-CA", ca + ".crt", "-CAkey", ca + ".key", "-CAcreateserial",
                "-days", "2", "-extfile", extensions, "-out", name + ".crt");
    }

    private void openssl(String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("openssl"));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true)
                .redirectOutput(dir.resolve("openssl.log").toFile()).start();
        if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
            p.destroyForcibly();
            throw new IllegalStateException("openssl " + String.join(" ", args) + " failed: "
                    + Files.readString(dir.resolve("openssl.log"), StandardCharsets.UTF_8));
        }
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
