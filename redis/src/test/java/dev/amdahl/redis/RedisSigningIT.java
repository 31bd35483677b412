package dev.amdahl.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.amdahl.Amdahl;
import dev.amdahl.SigningKeys;
import dev.amdahl.Task;
import dev.amdahl.WorkerOptions;
import dev.amdahl.spi.DeadLetter;
import dev.amdahl.spi.OutboundMessage;
import dev.amdahl.testkit.Await;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.Base64;
import java.util.concurrent.atomic.AtomicInteger;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Signed messages through the shared Redis. The forged and foreign messages are built here by hand, by the
 * envelope format the docs give, so the test also checks that format: a signature computed outside Amdahl
 * verifies, and every message that is unsigned, changed or signed with an unknown key is dead-lettered with
 * the reason and never runs.
 */
@Timeout(120)
class RedisSigningIT {

    private static final String PREFIX = RedisTestSupport.newPrefix("signing");
    private static final Duration WAIT = Duration.ofSeconds(20);
    private static final byte[] K2 = secret('2');
    private static final byte[] K1 = secret('1');
    private static final String QUEUE = "signed";

    private final AtomicInteger runs = new AtomicInteger();
    private Amdahl worker;
    private Amdahl client;
    private Task<Integer, Integer> twice;

    private static byte[] secret(char c) {
        byte[] s = new byte[32];
        Arrays.fill(s, (byte) c);
        return s;
    }

    @BeforeEach
    void start() {
        String url = RedisTestSupport.url(PREFIX, "").toString();
        SigningKeys keys = SigningKeys.builder().current("k2", K2).previous("k1", K1).build();
        worker = Amdahl.builder().broker(url).defaultQueue(QUEUE).signingKeys(keys).build();
        worker.task("twice", Integer.class, Integer.class, x -> {
            runs.incrementAndGet();
            return 2 * x;
        });
        worker.startWorker(WorkerOptions.builder().queues(java.util.List.of(QUEUE)).concurrency(1).build());
        client = Amdahl.builder().broker(url).defaultQueue(QUEUE).signingKeys(SigningKeys.builder().current("k2", K2).build()).build();
        twice = client.task("twice", Integer.class, Integer.class);
    }

    @AfterEach
    void stop() {
        client.close();
        worker.close();
    }

    @AfterAll
    static void deleteKeys() {
        RedisTestSupport.deleteKeys(RedisTestSupport.HOST_PORT, PREFIX);
    }

    private static String message(String id, int x) {
        return "{\"amdahl\":1,\"id\":\"" + id + "\",\"task\":\"twice\",\"args\":" + x + "}";
    }

    /** The envelope of the docs, built without Amdahl's code. */
    private static String envelope(String keyId, byte[] secret, String message) throws Exception {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(secret, "HmacSHA256"));
        String hmac = Base64.getUrlEncoder().withoutPadding().encodeToString(mac.doFinal(message.getBytes(StandardCharsets.UTF_8)));
        return "{\"amdahl-signed\":1,\"key\":\"" + keyId + "\",\"hmac-sha256\":\"" + hmac + "\",\"message\":" + message + "}";
    }

    private void publish(String id, String body) {
        client.broker().publish(QUEUE, new OutboundMessage(id, body.getBytes(StandardCharsets.UTF_8), 0, null));
    }

    private String deadLetterReason(String id) {
        DeadLetter dead = Await.value(WAIT, id + " dead-lettered", () -> client.broker().deadLetters(QUEUE, 100).stream()
                .filter(d -> d.messageId().equals(id)).findFirst());
        return dead.reason();
    }

    @Test
    void signedMessagesRunAndAHandMadeEnvelopeVerifies() throws Exception {
        assertThat(twice.submit(21).result(WAIT)).isEqualTo(42);

        publish("by-hand", envelope("k1", K1, message("by-hand", 5)));   // a previous key still verifies
        Await.until(WAIT, "the hand-signed task ran", () -> client.resultBackend().get("by-hand").isPresent());
        assertThat(runs).hasValue(2);
    }

    @Test
    void unsignedForgedAndUnknownKeyMessagesAreDeadLetteredAndNeverRun() throws Exception {
        publish("unsigned", message("unsigned", 1));
        publish("forged-body", envelope("k2", K2, message("forged-body", 1)).replace("\"args\":1", "\"args\":7"));
        publish("other-secret", envelope("k2", secret('x'), message("other-secret", 1)));
        publish("unknown-key", envelope("k9", K2, message("unknown-key", 1)));

        assertThat(deadLetterReason("unsigned")).contains("not signed but this worker requires signatures");
        assertThat(deadLetterReason("forged-body")).contains("signature does not verify with key k2");
        assertThat(deadLetterReason("other-secret")).contains("signature does not verify with key k2");
        assertThat(deadLetterReason("unknown-key")).contains("signed with key k9, which this worker does not know");
        assertThat(twice.submit(1).result(WAIT)).isEqualTo(2);   // the worker goes on, and nothing else ran
        assertThat(runs).hasValue(1);
        for (String id : new String[] {"unsigned", "forged-body", "other-secret", "unknown-key"}) {
            assertThat(client.resultBackend().get(id)).as(id).isEmpty();
        }
    }
}
