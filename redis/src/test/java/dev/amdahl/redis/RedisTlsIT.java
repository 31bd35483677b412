package dev.amdahl.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.amdahl.Amdahl;
import dev.amdahl.Task;
import dev.amdahl.WorkerOptions;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * rediss:// against redis-servers of the test's own that speak TLS only, with certificates the test makes:
 * a task runs end to end over TLS, a server whose certificate no trusted CA signed is refused with a message
 * that says so, and a server that asks for client certificates takes the one its CA signed and no other.
 */
@Timeout(120)
class RedisTlsIT {

    private static final Duration WAIT = Duration.ofSeconds(20);
    private static TlsRedis server;
    private static TlsRedis mutual;

    @BeforeAll
    static void start() throws Exception {
        server = new TlsRedis(false);
        mutual = new TlsRedis(true);
    }

    @AfterAll
    static void stop() throws Exception {
        server.close();
        mutual.close();
    }

    /** Starts a worker on {@code url}, submits one task from a second application, and returns its result. */
    private static int roundTrip(String url) {
        try (Amdahl workers = Amdahl.builder().broker(url).build(); Amdahl client = Amdahl.builder().broker(url).build()) {
            workers.task("tls.square", Integer.class, Integer.class, x -> x * x);
            workers.startWorker(WorkerOptions.builder().concurrency(1).build());
            Task<Integer, Integer> square = client.task("tls.square", Integer.class, Integer.class);
            return square.submit(12).result(WAIT);
        }
    }

    @Test
    void aTaskRunsEndToEndOverTls() {
        assertThat(roundTrip(server.url("tls-e2e", ""))).isEqualTo(144);
    }

    @Test
    void verifyingTheCaOnlyAcceptsACertificateForAnotherName() {
        // the certificate names 127.0.0.1 and redis.amdahl.test, not localhost
        String byName = "rediss://localhost:" + server.port() + "/0?prefix=tls-ca&ca-file=" + server.file("ca.crt");

        Throwable full = catchThrowable(() -> Amdahl.builder().broker(byName + "&verify-peer=full").build());
        assertThat(full).isNotNull();
        assertThat(full.getMessage()).contains("the server's certificate does not name localhost");
        assertThat(roundTrip(byName + "&verify-peer=ca")).isEqualTo(144);
    }

    @Test
    void aServerCertificateNotSignedByTheTrustedCaIsRefused() {
        String url = "rediss://127.0.0.1:" + server.port() + "/0?prefix=tls-rogue&ca-file=" + server.file("rogue-ca.crt");

        Throwable e = catchThrowable(() -> Amdahl.builder().broker(url).build());

        assertThat(e).isNotNull();
        assertThat(e.getMessage()).contains("rediss://127.0.0.1:" + server.port(), "TLS handshake failed",
                "not signed by a CA this client trusts", "ca-file", "rogue-ca.crt");
    }

    @Test
    void plainRedisOnATlsPortIsRefused() {
        Throwable e = catchThrowable(() -> Amdahl.builder().broker("redis://127.0.0.1:" + server.port() + "?timeout=2s").build());

        assertThat(e).isNotNull();
    }

    @Test
    void aServerThatAsksForClientCertificatesTakesOnlyOnesItsCaSigned() {
        String withCert = mutual.url("tls-mutual", "cert-file=" + mutual.file("client.crt") + "&key-file=" + mutual.file("client.key"));
        assertThat(roundTrip(withCert)).isEqualTo(144);

        String rogueCert = mutual.url("tls-mutual", "cert-file=" + mutual.file("rogue-client.crt")
                + "&key-file=" + mutual.file("rogue-client.key") + "&timeout=3s");
        assertThat(catchThrowable(() -> Amdahl.builder().broker(rogueCert).build()))
                .hasMessageContaining("TLS handshake failed").hasMessageContaining("refused the client certificate")
                .hasMessageContaining("rogue-client.crt");

        String noCert = mutual.url("tls-mutual", "timeout=3s");
        assertThat(catchThrowable(() -> Amdahl.builder().broker(noCert).build()))
                .hasMessageContaining("TLS handshake failed").hasMessageContaining("asks for a client certificate")
                .hasMessageContaining("cert-file= and key-file=");
    }
}
