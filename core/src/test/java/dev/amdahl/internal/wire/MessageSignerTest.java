package dev.amdahl.internal.wire;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.amdahl.internal.json.Json;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The envelope: what verifies, and the reason for each thing that does not. */
class MessageSignerTest {

    static final byte[] K1 = secret('1');
    static final byte[] K2 = secret('2');
    private static final byte[] MESSAGE = "{\"amdahl\":1,\"id\":\"t-1\",\"task\":\"add\",\"args\":[1,2]}".getBytes(StandardCharsets.UTF_8);

    static byte[] secret(char c) {
        byte[] s = new byte[32];
        Arrays.fill(s, (byte) c);
        return s;
    }

    private static MessageSigner signer(String current, boolean acceptUnsigned, Object... idsAndSecrets) {
        Map<String, byte[]> keys = new LinkedHashMap<>();
        for (int i = 0; i < idsAndSecrets.length; i += 2) {
            keys.put((String) idsAndSecrets[i], (byte[]) idsAndSecrets[i + 1]);
        }
        return MessageSigner.of(current, keys, acceptUnsigned);
    }

    private final MessageSigner k2 = signer("k2", false, "k2", K2);

    @Test
    void aSignedMessageOpensToTheBytesThatWereSigned() throws Exception {
        byte[] body = k2.sign(MESSAGE);

        assertThat(k2.open(body)).isEqualTo(MESSAGE);
        // the envelope is JSON too, the message inside it unchanged
        JsonNode envelope = Json.mapper().readTree(body);
        assertThat(envelope.get("key").asText()).isEqualTo("k2");
        assertThat(envelope.get("message")).isEqualTo(Json.mapper().readTree(MESSAGE));
    }

    @Test
    void aChangedMessageDoesNotVerify() {
        String body = new String(k2.sign(MESSAGE), StandardCharsets.UTF_8).replace("[1,2]", "[1,3]");

        assertThatThrownBy(() -> k2.open(body.getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(UnverifiedMessageException.class)
                .hasMessageContaining("signature does not verify with key k2");
    }

    @Test
    void aChangedSignatureDoesNotVerify() {
        byte[] body = k2.sign(MESSAGE);
        int mac = new String(body, StandardCharsets.US_ASCII).indexOf("\"hmac-sha256\":\"") + 15;
        body[mac] = (byte) (body[mac] == 'A' ? 'B' : 'A');

        assertThatThrownBy(() -> k2.open(body)).hasMessageContaining("signature does not verify with key k2");
    }

    @Test
    void theSameKeyIdWithAnotherSecretDoesNotVerify() {
        byte[] forged = signer("k2", false, "k2", K1).sign(MESSAGE);

        assertThatThrownBy(() -> k2.open(forged)).hasMessageContaining("signature does not verify with key k2");
    }

    @Test
    void anUnknownKeyIsNamed() {
        byte[] body = signer("k9", false, "k9", K1).sign(MESSAGE);

        assertThatThrownBy(() -> k2.open(body)).isInstanceOf(UnverifiedMessageException.class)
                .hasMessageContaining("signed with key k9, which this worker does not know (it knows [k2])");
    }

    @Test
    void anUnsignedMessageIsRefusedWhenSignaturesAreRequiredAndPassesWhenNot() {
        assertThatThrownBy(() -> k2.open(MESSAGE)).isInstanceOf(UnverifiedMessageException.class)
                .hasMessageContaining("not signed but this worker requires signatures");

        assertThat(signer("k2", true, "k2", K2).open(MESSAGE)).isEqualTo(MESSAGE);
        assertThat(MessageSigner.NONE.open(MESSAGE)).isEqualTo(MESSAGE);
    }

    @Test
    void acceptingUnsignedMessagesStillVerifiesSignedOnes() {
        String body = new String(k2.sign(MESSAGE), StandardCharsets.UTF_8).replace("[1,2]", "[9,9]");

        assertThatThrownBy(() -> signer("k2", true, "k2", K2).open(body.getBytes(StandardCharsets.UTF_8)))
                .hasMessageContaining("does not verify");
    }

    @Test
    void aWorkerWithoutKeysRefusesASignedMessageSayingWhatToConfigure() {
        assertThatThrownBy(() -> MessageSigner.NONE.open(k2.sign(MESSAGE)))
                .hasMessageContaining("signed with key k2 but this worker has no signing keys", "signingKeys");
        assertThat(MessageSigner.NONE.sign(MESSAGE)).isSameAs(MESSAGE);
    }

    @Test
    void rotationVerifiesEveryListedKeyAndSignsWithTheCurrentOne() {
        byte[] old = signer("k1", false, "k1", K1).sign(MESSAGE);
        MessageSigner rotated = signer("k2", false, "k2", K2, "k1", K1);

        assertThat(rotated.open(old)).isEqualTo(MESSAGE);
        assertThat(new String(rotated.sign(MESSAGE), StandardCharsets.UTF_8)).contains("\"key\":\"k2\"");
        assertThatThrownBy(() -> k2.open(old)).hasMessageContaining("signed with key k1, which this worker does not know");
    }

    @Test
    void aBrokenEnvelopeIsRefusedWithoutReachingTheJsonReader() {
        String head = "{\"amdahl-signed\":1,\"key\":\"";
        for (String broken : new String[] {head, head + "k2", head + "k2\",\"hmac-sha256\":\"short\",\"message\":{}}",
                head + "k\u00e92\"", head + "x".repeat(200), new String(k2.sign(MESSAGE), StandardCharsets.UTF_8).replaceAll("}$", " ")}) {
            assertThatThrownBy(() -> k2.open(broken.getBytes(StandardCharsets.UTF_8)))
                    .as(broken).isInstanceOf(UnverifiedMessageException.class).hasMessageContaining("envelope is malformed");
        }
    }

    @Test
    void secretsAreLongEnoughAndNeverShown() {
        assertThatThrownBy(() -> signer("k", false, "k", new byte[16])).hasMessageContaining("at least 32");
        assertThatThrownBy(() -> signer("bad id", false, "bad id", K1)).hasMessageContaining("key id");
        MessageSigner s = signer("k2", false, "k2", K2, "k1", K1);
        assertThat(s.toString()).contains("k2", "k1").doesNotContain(new String(K2, StandardCharsets.US_ASCII));
    }

    @org.junit.jupiter.api.Test
    void aBodyTooLargeForTheMessageLimitIsRefusedBeforeItsMacIsComputed() {
        byte[] big = new byte[10_000];
        java.util.Arrays.fill(big, (byte) ' ');
        byte[] signed = k2.sign(big);
        org.assertj.core.api.Assertions.assertThat(k2.open(signed, 10_000)).hasSize(10_000);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> k2.open(signed, 9_000))
                .isInstanceOf(UnverifiedMessageException.class).hasMessageContaining("over MessageLimits.maxMessageBytes (9000)");
    }
}
