package dev.amdahl;

import java.util.Objects;

/**
 * What one task message may hold, and so what it may make a worker allocate. The client refuses at submit,
 * naming the limit, any message a worker with the same limits would refuse; a worker rejects a message over
 * them (one published by other code) before decoding it further, and its caller hears why.
 *
 * <pre>{@code
 * MessageLimits limits = MessageLimits.builder().maxMessageBytes(32 * 1024 * 1024).maxStringLength(32 * 1024 * 1024).build();
 * Amdahl app = Amdahl.builder().broker("redis://10.0.0.5:6379").messageLimits(limits).build();
 * }</pre>
 *
 * Give the clients and the workers of an application the same limits: a message is checked against the
 * client's, then against the worker's.
 *
 * @param maxMessageBytes   the encoded message, in bytes of UTF-8 (16 MiB by default, at most 64 MiB)
 * @param maxStringLength   one string value or field name, in characters (16 Mi by default)
 * @param maxNestingDepth   arrays and objects inside each other, the message's own object included (200 by default, at most 1,000;
 *                          each step of a chain adds three, since what follows a task travels inside its message)
 * @param maxNumberLength   the digits of one number (1,000 by default)
 * @param maxTokens         JSON tokens: each value, field name and bracket counts one (500,000 by default); this is
 *                          what bounds the memory a decoded message takes, which a small number of bytes per token
 *                          would otherwise multiply
 * @param maxChunkArguments the arguments of one chunk of a {@code map} (10,000 by default)
 */
public record MessageLimits(int maxMessageBytes, int maxStringLength, int maxNestingDepth, int maxNumberLength,
                            int maxTokens, int maxChunkArguments) {

    /** The most any message may be, whatever the limits say: the ceiling of {@link #maxMessageBytes()}. */
    public static final int MAX_MESSAGE_BYTES = 64 * 1024 * 1024;
    /** The ceiling of {@link #maxNestingDepth()}. */
    public static final int MAX_NESTING_DEPTH = 1_000;
    /** The ceiling of {@link #maxNumberLength()}. */
    public static final int MAX_NUMBER_LENGTH = 100_000;

    private static final MessageLimits DEFAULTS = builder().build();

    public MessageLimits {
        check("maxMessageBytes", maxMessageBytes, 64, MAX_MESSAGE_BYTES);
        check("maxStringLength", maxStringLength, 1, MAX_MESSAGE_BYTES);
        check("maxNestingDepth", maxNestingDepth, 2, MAX_NESTING_DEPTH);
        check("maxNumberLength", maxNumberLength, 32, MAX_NUMBER_LENGTH);
        check("maxTokens", maxTokens, 16, Integer.MAX_VALUE);
        check("maxChunkArguments", maxChunkArguments, 1, Integer.MAX_VALUE);
    }

    private static void check(String name, int value, int min, int max) {
        if (value < min || value > max) {
            throw new IllegalArgumentException("MessageLimits." + name + " must be from " + min + " to " + max + ", was " + value);
        }
    }

    /** The defaults: 16 MiB, strings of 16 Mi characters, depth 200, numbers of 1,000 digits, 500,000 tokens, chunks of 10,000. */
    public static MessageLimits ofDefaults() {
        return DEFAULTS;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A builder starting from {@code base}'s limits. */
    public static Builder from(MessageLimits base) {
        Objects.requireNonNull(base, "base");
        return new Builder().maxMessageBytes(base.maxMessageBytes).maxStringLength(base.maxStringLength)
                .maxNestingDepth(base.maxNestingDepth).maxNumberLength(base.maxNumberLength).maxTokens(base.maxTokens)
                .maxChunkArguments(base.maxChunkArguments);
    }

    /** Builds {@link MessageLimits}; {@link #build()} names a limit out of its range. */
    public static final class Builder {
        private int maxMessageBytes = 16 * 1024 * 1024;
        private int maxStringLength = 16 * 1024 * 1024;
        private int maxNestingDepth = 200;
        private int maxNumberLength = 1_000;
        private int maxTokens = 500_000;
        private int maxChunkArguments = 10_000;

        private Builder() {
        }

        public Builder maxMessageBytes(int max) {
            this.maxMessageBytes = max;
            return this;
        }

        public Builder maxStringLength(int max) {
            this.maxStringLength = max;
            return this;
        }

        public Builder maxNestingDepth(int max) {
            this.maxNestingDepth = max;
            return this;
        }

        public Builder maxNumberLength(int max) {
            this.maxNumberLength = max;
            return this;
        }

        public Builder maxTokens(int max) {
            this.maxTokens = max;
            return this;
        }

        public Builder maxChunkArguments(int max) {
            this.maxChunkArguments = max;
            return this;
        }

        public MessageLimits build() {
            return new MessageLimits(maxMessageBytes, maxStringLength, maxNestingDepth, maxNumberLength, maxTokens,
                    maxChunkArguments);
        }
    }
}
