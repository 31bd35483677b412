package dev.amdahl;

import dev.amdahl.internal.wire.MessageSigner;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The keys that sign task messages (HMAC-SHA256) and verify them, given to {@link Amdahl.Builder#signingKeys}.
 * With keys set, the client and the workers' retries and workflow steps sign every message with the
 * {@linkplain Builder#current current} key, and a worker runs only messages that verify with a key it
 * knows: a message that is unsigned, signed with an unknown key, or changed on the way is dead-lettered
 * with the reason and never runs. No record is stored for it (a forger could otherwise write results for
 * any task id), so a client waiting on such a message is not told; the dead letter says why.
 *
 * <pre>{@code
 * SigningKeys keys = SigningKeys.builder()
 *         .current("k2", secretOf("k2"))      // signs, and verifies
 *         .previous("k1", secretOf("k1"))     // verifies what was signed before the rotation
 *         .build();
 * Amdahl app = Amdahl.builder().broker("redis://10.0.0.5:6379").signingKeys(keys).build();
 * }</pre>
 *
 * <p><b>Rotating</b> a key: give the workers the new key as a previous one, then make it current on clients
 * and workers (the old one now previous), and once no message signed with the old key is left in the queues,
 * remove it. <b>Introducing</b> signing on a running system: first workers with {@link Builder#acceptUnsigned},
 * then signing clients, then workers without it. For {@code amdahl worker}, the keys come from the
 * environment variable {@code AMDAHL_SIGNING_KEYS} or a file, in the form {@link #parse} reads.
 *
 * <p>Secrets are at least 32 random bytes ({@code openssl rand -base64 32}); {@link #toString} names the key
 * ids only.
 */
public final class SigningKeys {

    private final MessageSigner signer;

    private SigningKeys(MessageSigner signer) {
        this.signer = signer;
    }

    /** A builder; {@link Builder#current} is required. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Reads keys written as {@code id=secret,id=secret...}, the first one current and the others previous,
     * each secret in base64 (standard or URL-safe); spaces and new lines around the entries are ignored, and
     * {@code +unsigned} as an entry means {@link Builder#acceptUnsigned}. For example
     * {@code k2=3q2+7w...,k1=Zm9v...}.
     *
     * @throws IllegalArgumentException naming the entry that is wrong, never showing a secret
     */
    public static SigningKeys parse(String text) {
        Objects.requireNonNull(text, "text");
        Builder b = builder();
        boolean first = true;
        int n = 0;
        for (String raw : text.split("[,\\s]+")) {
            String entry = raw.trim();
            if (entry.isEmpty()) {
                continue;
            }
            n++;
            if (entry.equals("+unsigned")) {
                b.acceptUnsigned(true);
                continue;
            }
            int eq = entry.indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException("signing keys: entry " + n + " is not id=base64secret (it has no '='"
                        + " after a key id)");
            }
            String id = entry.substring(0, eq);
            if (!MessageSigner.isKeyId(id)) {
                // by position only: an entry pasted without its id would make part of the secret the "id"
                throw new IllegalArgumentException("signing keys: entry " + n + " does not start with a key id (1 to "
                        + MessageSigner.MAX_KEY_ID_LENGTH + " letters, digits, '.', '_' or '-', then '='); write id=base64secret");
            }
            byte[] secret;
            try {
                String encoded = entry.substring(eq + 1);
                secret = (encoded.indexOf('-') >= 0 || encoded.indexOf('_') >= 0 ? Base64.getUrlDecoder() : Base64.getDecoder())
                        .decode(encoded.getBytes(StandardCharsets.US_ASCII));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("signing keys: the secret of key '" + id + "' is not base64");
            }
            if (first) {
                b.current(id, secret);
                first = false;
            } else {
                b.previous(id, secret);
            }
        }
        if (first) {
            throw new IllegalArgumentException("signing keys: no key given; write id=base64secret[,id=base64secret...]");
        }
        return b.build();
    }

    /** The id of the key that signs. */
    public String currentKeyId() {
        return signer.keyIds().get(0);
    }

    /** The ids of the keys that verify, the current one first. */
    public List<String> keyIds() {
        return signer.keyIds();
    }

    MessageSigner signer() {
        return signer;
    }

    @Override
    public String toString() {
        return "SigningKeys" + keyIds();
    }

    /** Builds {@link SigningKeys}; {@link #build()} names what is wrong. */
    public static final class Builder {
        private String current;
        private final Map<String, byte[]> keys = new LinkedHashMap<>();
        private boolean acceptUnsigned;

        private Builder() {
        }

        /** The key that signs (and verifies); its secret is copied. */
        public Builder current(String id, byte[] secret) {
            MessageSigner.checkKeyId(id);
            put(id, secret);
            this.current = id;
            return this;
        }

        /** A key that verifies what it signed before a rotation, but signs nothing; its secret is copied. */
        public Builder previous(String id, byte[] secret) {
            MessageSigner.checkKeyId(id);
            put(id, secret);
            return this;
        }

        private void put(String id, byte[] secret) {
            Objects.requireNonNull(secret, "secret");
            if (keys.putIfAbsent(id, secret.clone()) != null) {
                throw new IllegalArgumentException("signing key '" + id + "' is given twice");
            }
        }

        /**
         * Whether workers also run messages that carry no signature (false by default), while clients are
         * being given the keys; a message that is signed must still verify.
         */
        public Builder acceptUnsigned(boolean accept) {
            this.acceptUnsigned = accept;
            return this;
        }

        /** @throws IllegalArgumentException when no current key is set or a secret is shorter than 32 bytes */
        public SigningKeys build() {
            if (current == null) {
                throw new IllegalArgumentException("signing keys need a current key: call current(id, secret)");
            }
            return new SigningKeys(MessageSigner.of(current, keys, acceptUnsigned));
        }
    }
}
