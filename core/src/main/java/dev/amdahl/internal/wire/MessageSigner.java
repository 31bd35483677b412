package dev.amdahl.internal.wire;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Signs the message bodies this process publishes and verifies the ones its workers take, with
 * HMAC-SHA256 under a named key, so keys can rotate: messages are signed with the current key, and any key
 * in the list verifies.
 *
 * <p><b>Envelope.</b> A signed body is one JSON object whose last member is the message, byte for byte as
 * {@link MessageCodec} wrote it:
 * <pre>{@code {"amdahl-signed":1,"key":"k2","hmac-sha256":"<43 base64url characters>","message":{"amdahl":1,"id":…}}}</pre>
 * The MAC is HMAC-SHA256 over exactly the bytes of {@code message}. The head is written and read as fixed
 * text, not through a JSON parser, so verification needs no canonical form and runs before any untrusted
 * byte reaches the JSON reader; the whole still is JSON, so tools that show bodies keep working.
 *
 * <p><b>Invariants.</b> {@link #open} returns a message only if it verified under a known key, or, when
 * the signer accepts unsigned messages, if it carries no envelope at all; a signed message is never passed
 * on unverified. MACs are compared in constant time. Secrets never leave this class: {@link #toString}
 * and every error name key ids only.
 *
 * <p>A signature proves who wrote a message and that it was not changed, not that it is fresh: someone who
 * can read the queue can publish a copy again. A copy carries the same task id, so the worker treats it
 * as a redelivery of a task already done.
 */
public final class MessageSigner {

    /** Signs nothing and verifies nothing: bodies pass as they are, and a signed one is refused. */
    public static final MessageSigner NONE = new MessageSigner(null, Map.of(), true);

    static final String ALGORITHM = "HmacSHA256";
    private static final byte[] HEAD = "{\"amdahl-signed\":1,\"key\":\"".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] MAC_FIELD = "\",\"hmac-sha256\":\"".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] MESSAGE_FIELD = "\",\"message\":".getBytes(StandardCharsets.US_ASCII);
    /** 32 MAC bytes in unpadded base64url. */
    private static final int MAC_CHARS = 43;
    public static final int MAX_KEY_ID_LENGTH = 64;
    /** The most bytes an envelope adds to its message: the fields, the longest key id, the MAC, the closing brace. */
    static final int MAX_ENVELOPE_OVERHEAD = HEAD.length + MAX_KEY_ID_LENGTH + MAC_FIELD.length + 43 + MESSAGE_FIELD.length + 1;
    private static final Pattern KEY_ID = Pattern.compile("[A-Za-z0-9._-]{1," + MAX_KEY_ID_LENGTH + "}");
    /** Below this many bytes a secret is too easy to guess; RFC 2104 asks for at least the MAC's length. */
    public static final int MIN_SECRET_BYTES = 32;

    private final String current;
    private final Map<String, SecretKeySpec> keys;
    private final boolean acceptUnsigned;

    private MessageSigner(String current, Map<String, SecretKeySpec> keys, boolean acceptUnsigned) {
        this.current = current;
        this.keys = keys;
        this.acceptUnsigned = acceptUnsigned;
    }

    /**
     * A signer that signs with {@code currentId} and verifies with any of {@code secrets}.
     *
     * @param secrets        key id to secret, the current key among them; the secrets are copied
     * @param acceptUnsigned whether a message without an envelope passes (while clients start signing)
     * @throws IllegalArgumentException naming the key id that is not allowed or whose secret is too short
     */
    public static MessageSigner of(String currentId, Map<String, byte[]> secrets, boolean acceptUnsigned) {
        Objects.requireNonNull(currentId, "currentId");
        if (!secrets.containsKey(currentId)) {
            throw new IllegalArgumentException("the current signing key '" + currentId + "' is not among the keys");
        }
        Map<String, SecretKeySpec> keys = new LinkedHashMap<>();
        secrets.forEach((id, secret) -> {
            checkKeyId(id);
            if (secret == null || secret.length < MIN_SECRET_BYTES) {
                throw new IllegalArgumentException("signing key '" + id + "' has " + (secret == null ? 0 : secret.length)
                        + " bytes; use at least " + MIN_SECRET_BYTES + " random bytes (e.g. openssl rand -base64 32)");
            }
            keys.put(id, new SecretKeySpec(secret.clone(), ALGORITHM));
        });
        return new MessageSigner(currentId, Map.copyOf(keys), acceptUnsigned);
    }

    /** @throws IllegalArgumentException when {@code id} cannot name a key in an envelope */
    public static void checkKeyId(String id) {
        if (!isKeyId(id)) {
            // the text is not echoed: a key id that does not parse may well be a pasted secret
            throw new IllegalArgumentException("a signing key id must be 1 to " + MAX_KEY_ID_LENGTH
                    + " letters, digits, '.', '_' or '-'" + (id == null ? ", was null" : "; the one given ("
                    + id.length() + " characters) is not"));
        }
    }

    /** Whether {@code id} can name a key in an envelope. */
    public static boolean isKeyId(String id) {
        return id != null && KEY_ID.matcher(id).matches();
    }

    /** Whether this signer signs what it publishes. */
    public boolean signs() {
        return current != null;
    }

    /** The envelope around {@code message}, signed with the current key; {@code message} itself when not signing. */
    public byte[] sign(byte[] message) {
        if (current == null) {
            return message;
        }
        byte[] id = current.getBytes(StandardCharsets.US_ASCII);
        byte[] mac = Base64.getUrlEncoder().withoutPadding().encode(mac(keys.get(current), message, 0, message.length));
        byte[] out = new byte[HEAD.length + id.length + MAC_FIELD.length + mac.length + MESSAGE_FIELD.length + message.length + 1];
        int at = put(out, 0, HEAD);
        at = put(out, at, id);
        at = put(out, at, MAC_FIELD);
        at = put(out, at, mac);
        at = put(out, at, MESSAGE_FIELD);
        at = put(out, at, message);
        out[at] = '}';
        return out;
    }

    /**
     * The message inside {@code body} once its signature verifies (or {@code body} itself, when it is unsigned
     * and this signer accepts that).
     *
     * @throws UnverifiedMessageException saying why the message cannot be trusted
     */
    public byte[] open(byte[] body) {
        return open(body, Integer.MAX_VALUE);
    }

    /**
     * {@link #open(byte[])}, refusing first, before the MAC is computed over it, a body larger than a message of
     * {@code maxMessageBytes} in its envelope: what is too big to run is not worth verifying.
     *
     * @throws UnverifiedMessageException saying why the message cannot be trusted
     */
    public byte[] open(byte[] body, int maxMessageBytes) {
        if (!keys.isEmpty() && body.length - (long) maxMessageBytes > MAX_ENVELOPE_OVERHEAD) {
            throw new UnverifiedMessageException("the message is " + body.length + " bytes, over MessageLimits.maxMessageBytes ("
                    + maxMessageBytes + ") and its signature envelope; it was not verified");
        }
        if (!startsWith(body, HEAD, 0)) {
            if (acceptUnsigned) {
                return body;
            }
            throw new UnverifiedMessageException("the message is not signed but this worker requires signatures"
                    + " (it has signing keys " + keys.keySet().stream().sorted().toList() + ")");
        }
        int idEnd = indexOf(body, (byte) '"', HEAD.length, HEAD.length + MAX_KEY_ID_LENGTH + 1);
        if (idEnd < 0) {
            throw malformedEnvelope("no key id of at most " + MAX_KEY_ID_LENGTH + " characters");
        }
        String id = new String(body, HEAD.length, idEnd - HEAD.length, StandardCharsets.US_ASCII);
        if (!KEY_ID.matcher(id).matches()) {
            throw malformedEnvelope("the key id has characters a key id cannot have");
        }
        int macStart = idEnd + MAC_FIELD.length;
        int messageStart = macStart + MAC_CHARS + MESSAGE_FIELD.length;
        if (!startsWith(body, MAC_FIELD, idEnd) || !startsWith(body, MESSAGE_FIELD, macStart + MAC_CHARS)
                || body.length < messageStart + 1 || body[body.length - 1] != '}') {
            throw malformedEnvelope("it does not have the layout {\"amdahl-signed\":1,\"key\":…,\"hmac-sha256\":…,\"message\":…}");
        }
        SecretKeySpec key = keys.get(id);
        if (key == null) {
            throw new UnverifiedMessageException(keys.isEmpty()
                    ? "the message is signed with key " + id + " but this worker has no signing keys; give it the keys"
                            + " (Amdahl.builder().signingKeys(...), or AMDAHL_SIGNING_KEYS for amdahl worker)"
                    : "the message is signed with key " + id + ", which this worker does not know (it knows "
                            + keys.keySet().stream().sorted().toList() + ")");
        }
        byte[] claimed;
        try {
            claimed = Base64.getUrlDecoder().decode(new String(body, macStart, MAC_CHARS, StandardCharsets.US_ASCII));
        } catch (IllegalArgumentException e) {
            throw malformedEnvelope("the MAC is not base64url");
        }
        int messageEnd = body.length - 1;
        byte[] actual = mac(key, body, messageStart, messageEnd - messageStart);
        if (!MessageDigest.isEqual(actual, claimed)) {   // constant time: no timing oracle for forging a MAC
            throw new UnverifiedMessageException("the signature does not verify with key " + id
                    + ": the message was changed or signed with another secret");
        }
        byte[] message = new byte[messageEnd - messageStart];
        System.arraycopy(body, messageStart, message, 0, message.length);
        return message;
    }

    private static UnverifiedMessageException malformedEnvelope(String why) {
        return new UnverifiedMessageException("the signature envelope is malformed: " + why);
    }

    private static byte[] mac(SecretKeySpec key, byte[] bytes, int offset, int length) {
        try {
            Mac mac = Mac.getInstance(ALGORITHM);
            mac.init(key);
            mac.update(bytes, offset, length);
            return mac.doFinal();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("this JVM cannot compute " + ALGORITHM, e);
        }
    }

    private static boolean startsWith(byte[] body, byte[] prefix, int at) {
        if (body.length - at < prefix.length) {
            return false;
        }
        for (int i = 0; i < prefix.length; i++) {
            if (body[at + i] != prefix[i]) {
                return false;
            }
        }
        return true;
    }

    private static int indexOf(byte[] body, byte b, int from, int to) {
        for (int i = from; i < Math.min(to, body.length); i++) {
            if (body[i] == b) {
                return i;
            }
        }
        return -1;
    }

    private static int put(byte[] out, int at, byte[] part) {
        System.arraycopy(part, 0, out, at, part.length);
        return at + part.length;
    }

    /** The key ids this signer accepts, current first. */
    public List<String> keyIds() {
        return keys.keySet().stream().sorted((a, b) -> a.equals(current) ? -1 : b.equals(current) ? 1 : a.compareTo(b)).toList();
    }

    @Override
    public String toString() {
        return current == null ? "MessageSigner[none]" : "MessageSigner[signs with " + current + ", accepts " + keyIds()
                + (acceptUnsigned ? " and unsigned messages" : "") + "]";
    }
}
