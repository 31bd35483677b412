package dev.amdahl;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.IntNode;
import dev.amdahl.internal.memory.MemoryBroker;
import dev.amdahl.internal.memory.MemoryResultBackend;
import dev.amdahl.internal.wire.MessageCodec;
import dev.amdahl.internal.wire.TaskMessage;
import dev.amdahl.spi.DeadLetter;
import dev.amdahl.spi.OutboundMessage;
import dev.amdahl.testkit.Await;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Signed messages end to end on the embedded broker: what a signing client and worker publish runs, and
 * every message that is unsigned, forged or signed with a key the worker does not know is dead-lettered with
 * the reason, never runs, and leaves no record behind.
 */
class SigningTest {

    private static final Duration WAIT = Duration.ofSeconds(10);
    static final SigningKeys K2 = SigningKeys.builder().current("k2", secret('2')).build();
    static final SigningKeys K1 = SigningKeys.builder().current("k1", secret('1')).build();
    static final SigningKeys K2_AFTER_K1 = SigningKeys.builder().current("k2", secret('2')).previous("k1", secret('1')).build();

    private final MemoryBroker broker = new MemoryBroker(Clock.systemUTC());
    private final MemoryResultBackend backend = new MemoryResultBackend();
    private final AtomicInteger runs = new AtomicInteger();
    private final List<Amdahl> apps = new java.util.ArrayList<>();
    private Amdahl worker;
    private Worker running;

    static byte[] secret(char c) {
        byte[] s = new byte[32];
        Arrays.fill(s, (byte) c);
        return s;
    }

    @AfterEach
    void close() {
        apps.forEach(Amdahl::close);
    }

    private Amdahl app(SigningKeys keys) {
        Amdahl.Builder b = Amdahl.builder().broker(broker).resultBackend(backend);
        Amdahl app = (keys == null ? b : b.signingKeys(keys)).build();
        apps.add(app);
        return app;
    }

    private Task<Integer, Integer> startWorker(SigningKeys keys) {
        worker = app(keys);
        Task<Integer, Integer> twice = worker.task("twice", Integer.class, Integer.class, x -> {
            runs.incrementAndGet();
            return 2 * x;
        });
        running = worker.startWorker(WorkerOptions.builder().concurrency(1).build());
        return twice;
    }

    /** The body a client would publish for {@code twice(x)}, signed with {@code keys} (or not, when null). */
    private static byte[] body(String id, int x, SigningKeys keys) {
        byte[] message = MessageCodec.encode(TaskMessage.of(id, "twice", IntNode.valueOf(x), null, SubmitOptions.ofDefaults(), Instant.now()));
        return keys == null ? message : keys.signer().sign(message);
    }

    /** Publishes {@code body} as an attacker with access to the broker would, and returns the reason it was dead-lettered. */
    private String deadLetterReason(String id, byte[] body) {
        broker.publish(WorkerOptions.DEFAULT_QUEUE, new OutboundMessage(id, body, 0, null));
        DeadLetter dead = Await.value(WAIT, "message " + id + " dead-lettered", () -> broker.deadLetters(WorkerOptions.DEFAULT_QUEUE, 100)
                .stream().filter(d -> d.messageId().equals(id)).findFirst());
        return dead.reason();
    }

    /** Nothing ran and nothing was recorded: a later good message still runs, alone. */
    private void assertNeverRan(String id, Task<Integer, Integer> twice) {
        assertThat(twice.withOptions(SubmitOptions.ofDefaults()).submit(1).result(WAIT)).isEqualTo(2);
        assertThat(runs).hasValue(1);
        assertThat(backend.get(id)).isEmpty();
    }

    @Test
    void signedTasksRetriesAndWorkflowStepsRunOnAWorkerThatRequiresSignatures() throws Exception {
        startWorker(K2);
        Amdahl client = app(K2);
        AtomicInteger tries = new AtomicInteger();
        Task<Integer, Integer> flaky = worker.task("flaky", Integer.class, Integer.class, TaskOptions.builder().retryOn(IOException.class)
                .maxRetries(2).backoff(RetryBackoff.fixed(Duration.ofMillis(10))).build(), x -> {
                    if (tries.incrementAndGet() == 1) {
                        throw new IOException("once");
                    }
                    return x;
                });
        Task<Integer, Integer> twice = client.task("twice", Integer.class, Integer.class);

        assertThat(twice.submit(21).result(WAIT)).isEqualTo(42);
        assertThat(client.task("flaky", Integer.class, Integer.class).submit(7).result(WAIT)).isEqualTo(7);   // the retry the worker signed
        assertThat(flaky.sig(5).then(twice).then(twice).submit().result(WAIT)).isEqualTo(20);           // steps the worker signed
        assertThat(broker.deadLetters(WorkerOptions.DEFAULT_QUEUE, 10)).isEmpty();
    }

    @Test
    void whatTheClientPublishesIsSigned() throws InterruptedException {
        Amdahl client = app(K2);
        client.task("twice", Integer.class, Integer.class).submit(1);

        byte[] body = broker.poll(List.of(WorkerOptions.DEFAULT_QUEUE), 1, Duration.ZERO).get(0).body();

        assertThat(new String(body, StandardCharsets.UTF_8)).startsWith("{\"amdahl-signed\":1,\"key\":\"k2\",\"hmac-sha256\":\"");
    }

    @Test
    void aChangedBodyIsDeadLetteredAndNeverRuns() {
        Task<Integer, Integer> twice = startWorker(K2);
        byte[] forged = new String(body("forged-body", 1, K2), StandardCharsets.UTF_8).replace("\"args\":1", "\"args\":9")
                .getBytes(StandardCharsets.UTF_8);

        assertThat(deadLetterReason("forged-body", forged)).contains("signature does not verify with key k2");
        assertNeverRan("forged-body", twice);
    }

    @Test
    void aChangedSignatureIsDeadLetteredAndNeverRuns() {
        Task<Integer, Integer> twice = startWorker(K2);
        byte[] forged = body("forged-mac", 1, K2);
        int mac = new String(forged, StandardCharsets.US_ASCII).indexOf("\"hmac-sha256\":\"") + 20;
        forged[mac] = (byte) (forged[mac] == 'x' ? 'y' : 'x');

        assertThat(deadLetterReason("forged-mac", forged)).contains("signature does not verify with key k2");
        assertNeverRan("forged-mac", twice);
    }

    @Test
    void aMessageSignedWithAnUnknownKeyIsDeadLetteredAndNeverRuns() {
        Task<Integer, Integer> twice = startWorker(K2);

        assertThat(deadLetterReason("unknown-key", body("unknown-key", 1, K1)))
                .contains("signed with key k1, which this worker does not know");
        assertNeverRan("unknown-key", twice);
    }

    @Test
    void anUnsignedMessageIsDeadLetteredWhenTheWorkerRequiresSignatures() {
        Task<Integer, Integer> twice = startWorker(K2);

        assertThat(deadLetterReason("unsigned", body("unsigned", 1, null)))
                .contains("not signed but this worker requires signatures");
        assertNeverRan("unsigned", twice);
    }

    @Test
    void anOldKeyVerifiesWhileListedAndIsRefusedOnceRemoved() {
        startWorker(K2_AFTER_K1);
        Task<Integer, Integer> oldClient = app(K1).task("twice", Integer.class, Integer.class);
        assertThat(oldClient.submit(4).result(WAIT)).isEqualTo(8);
        running.close();

        Task<Integer, Integer> twice = startWorker(K2);
        assertThat(deadLetterReason("after-rotation", body("after-rotation", 1, K1))).contains("signed with key k1");
        assertThat(twice.submit(1).result(WAIT)).isEqualTo(2);
        assertThat(runs).hasValue(2);   // the one signed with k1 while k1 was listed, and the last
    }

    @Test
    void acceptingUnsignedMessagesLetsAnUnsignedClientThroughButNotAForgedOne() {
        startWorker(SigningKeys.builder().current("k2", secret('2')).acceptUnsigned(true).build());

        assertThat(app(null).task("twice", Integer.class, Integer.class).submit(3).result(WAIT)).isEqualTo(6);
        byte[] forged = new String(body("forged", 1, K2), StandardCharsets.UTF_8).replace("\"args\":1", "\"args\":2")
                .getBytes(StandardCharsets.UTF_8);
        assertThat(deadLetterReason("forged", forged)).contains("does not verify");
        assertThat(runs).hasValue(1);
    }

    @Test
    void keysAreReadFromTextAndNeverShown() {
        String k2 = java.util.Base64.getEncoder().encodeToString(secret('2'));
        String k1 = java.util.Base64.getUrlEncoder().encodeToString(secret('1'));

        SigningKeys keys = SigningKeys.parse(" k2=" + k2 + ",\n k1=" + k1 + "\n");

        assertThat(keys.currentKeyId()).isEqualTo("k2");
        assertThat(keys.keyIds()).containsExactly("k2", "k1");
        assertThat(keys.toString()).isEqualTo("SigningKeys[k2, k1]");
        byte[] signedWithK1 = K1.signer().sign(MessageCodec.encode(TaskMessage.of("x", "t", IntNode.valueOf(1), null,
                SubmitOptions.ofDefaults(), Instant.now())));
        assertThat(keys.signer().open(signedWithK1)).isNotEmpty();
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> SigningKeys.parse("k2=" + k2.substring(0, 20)))
                .hasMessageContaining("at least 32").hasMessageNotContaining(k2.substring(0, 20));
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> SigningKeys.parse("k2=%%%" + k2))
                .hasMessageContaining("not base64").hasMessageNotContaining(k2);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> SigningKeys.parse(" , "))
                .hasMessageContaining("no key given");
        // a secret pasted without its id: the part before its padding '=' is no key id, and is not echoed
        String bare = "3q2+7w" + k2;
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> SigningKeys.parse(bare))
                .hasMessageContaining("entry 1 does not start with a key id").hasMessageNotContaining("3q2+7w");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> SigningKeys.builder().current("s3cr+t/x", secret('1')).build())
                .hasMessageContaining("signing key id must be").hasMessageNotContaining("s3cr+t/x");
    }
}
