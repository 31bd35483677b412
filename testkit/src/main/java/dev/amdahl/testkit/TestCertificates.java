package dev.amdahl.testkit;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Certificates for tests of TLS against a private server, made by the {@code openssl} command in a directory: a test CA
 * that signs a server's certificate (for the names given) and a client's, and an unrelated "rogue" CA that signs a
 * client certificate the server must refuse. EC P-256 keys, unencrypted PEM, valid for two days. The files are
 * {@code ca.crt}, {@code rogue-ca.crt}, {@code server.crt}/{@code server.key}, {@code client.crt}/{@code client.key},
 * {@code rogue-client.crt}/{@code rogue-client.key}.
 */
public final class TestCertificates {

    private final Path dir;

    private TestCertificates(Path dir) {
        this.dir = dir;
    }

    /**
     * Makes the certificates in {@code dir}.
     *
     * @param serverNames the server certificate's subject alternative names, e.g. {@code IP:127.0.0.1,DNS:localhost}
     * @throws IllegalStateException when openssl fails, with its output
     */
    public static TestCertificates create(Path dir, String serverNames) throws IOException, InterruptedException {
        TestCertificates c = new TestCertificates(dir);
        Files.writeString(dir.resolve("server.ext"), "subjectAltName=" + serverNames + "\n");
        Files.writeString(dir.resolve("client.ext"), "extendedKeyUsage=clientAuth\n");
        c.ca("ca");
        c.ca("rogue-ca");
        c.signed("server", "ca", "server.ext");
        c.signed("client", "ca", "client.ext");
        c.signed("rogue-client", "rogue-ca", "client.ext");
        return c;
    }

    /** A file made here, by name: {@code ca.crt}, {@code server.key}... */
    public Path file(String name) {
        return dir.resolve(name);
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
}
