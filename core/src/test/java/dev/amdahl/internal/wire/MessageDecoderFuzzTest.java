package dev.amdahl.internal.wire;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.amdahl.MessageLimits;
import dev.amdahl.spi.TaskRecord;
import java.lang.management.ManagementFactory;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.statistics.Statistics;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import net.jqwik.api.lifecycle.AfterContainer;

/**
 * Issue 10's fuzzing of the message decoder and the stored-record decoder: whatever the bytes, a decoder
 * returns a value or throws its own rejection with a reason; never another exception, never a hang (each
 * decode runs under a deadline), never an allocation out of proportion to what the limits allow.
 */
class MessageDecoderFuzzTest {

    /** Small limits, so that a try reaches each of them with inputs of a few kilobytes. */
    private static final MessageLimits SMALL = MessageLimits.builder().maxMessageBytes(64 * 1024).maxStringLength(2_000)
            .maxNestingDepth(20).maxNumberLength(50).maxTokens(2_000).maxChunkArguments(50).build();
    private static final MessageCodec SMALL_CODEC = MessageCodec.of(SMALL);

    /** Hang guard, not a timing goal: a decode that takes this long is stuck. */
    private static final Duration DEADLINE = Duration.ofSeconds(20);
    private static final ExecutorService DECODER = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "fuzz-decoder");
        t.setDaemon(true);
        return t;
    });

    @AfterContainer
    static void stop() {
        DECODER.shutdownNow();
    }

    // ---- the message decoder ----

    @Property(tries = 3000)
    void randomBytesDecodeOrAreRejectedWithAReason(@ForAll @Size(max = 512) byte[] body) {
        assertDecodesOrIsRejected(MessageCodec.defaults(), body);
        assertDecodesOrIsRejected(SMALL_CODEC, body);
    }

    @Property(tries = 3000)
    void mutatedValidMessagesDecodeOrAreRejectedWithAReason(@ForAll("messages") TaskMessage m,
                                                             @ForAll("mutations") List<Mutation> mutations) {
        byte[] body = MessageCodec.encode(m);
        for (Mutation mutation : mutations) {
            body = mutation.apply(body);
        }
        Statistics.label("verdict").collect(assertDecodesOrIsRejected(MessageCodec.defaults(), body));
        assertDecodesOrIsRejected(SMALL_CODEC, body);
    }

    /** What the client lets out, a worker reads back as it was written. */
    @Property(tries = 2000)
    void validMessagesRoundTrip(@ForAll("messages") TaskMessage m) {
        byte[] body;
        try {
            body = MessageCodec.defaults().encodeChecked(m);
        } catch (IllegalArgumentException refused) {
            assertThat(refused.getMessage()).contains("is refused", "so a worker would reject it");
            return;
        }
        TaskMessage decoded = call(() -> MessageCodec.decode(body));
        // compared as encoded: a tree's node classes may differ (10 read back is an int, written from a BigInteger)
        assertThat(MessageCodec.encode(decoded)).isEqualTo(body);
        assertThat(decoded.id()).isEqualTo(m.id());
    }

    /** The client's check and the worker's decoder agree: what one refuses, so does the other, naming the same limit. */
    @Property(tries = 3000)
    void theClientRefusesExactlyWhatTheWorkerRefuses(@ForAll("messages") TaskMessage m) {
        String clientRefusal = null;
        try {
            SMALL_CODEC.encodeChecked(m);
        } catch (IllegalArgumentException refused) {
            clientRefusal = refused.getMessage();
        }
        String workerRejection = null;
        try {
            call(() -> SMALL_CODEC.read(MessageCodec.encode(m)));
        } catch (MalformedMessageException rejected) {
            assertThat(rejected.taskId()).isEqualTo(m.id());
            workerRejection = rejected.getMessage();
        }
        assertThat(clientRefusal == null).as("the client accepts, and the worker: " + workerRejection).isEqualTo(workerRejection == null);
        if (clientRefusal != null) {
            assertThat(limitNamed(clientRefusal)).isEqualTo(limitNamed(workerRejection));
        }
        Statistics.label("verdict").collect(clientRefusal == null ? "accepted" : "refused: " + limitNamed(clientRefusal));
    }

    private static String limitNamed(String reason) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("MessageLimits\\.(\\w+)").matcher(reason);
        return m.find() ? m.group(1) : "no limit";
    }

    @Property(tries = 300)
    void deepNestingIsRejectedAtTheLimit(@ForAll @IntRange(min = 1, max = 20_000) int depth, @ForAll boolean objects) {
        StringBuilder args = new StringBuilder();
        for (int i = 0; i < depth; i++) {
            args.append(objects ? "{\"a\":" : "[");
        }
        args.append('1');
        for (int i = 0; i < depth; i++) {
            args.append(objects ? '}' : ']');
        }
        byte[] body = message("d", args.toString());
        Object outcome = outcome(MessageCodec.defaults(), body);
        // the message object and "args" add one level each
        if (depth + 1 > MessageLimits.ofDefaults().maxNestingDepth()) {
            assertThat(outcome).asString().contains("MessageLimits.maxNestingDepth");
            assertThat(((MalformedMessageException) outcome).taskId()).isEqualTo("d");
        } else {
            assertThat(outcome).isInstanceOf(TaskMessage.class);
        }
    }

    @Property(tries = 300)
    void hugeNumbersAreRejectedAtTheLimit(@ForAll @IntRange(min = 1, max = 200_000) int digits, @ForAll boolean fraction) {
        String number = "9".repeat(digits) + (fraction ? ".5e3" : "");
        // the length the limit counts is every digit: the integer part's, the fraction's and the exponent's
        int length = digits + (fraction ? 2 : 0);
        Object outcome = outcome(MessageCodec.defaults(), message("n", number));
        if (length > MessageLimits.ofDefaults().maxNumberLength()) {
            assertThat(outcome).asString().contains("MessageLimits.maxNumberLength");
        } else {
            assertThat(outcome).isInstanceOf(TaskMessage.class);
        }
    }

    @Property(tries = 300)
    void longStringsAreRejectedAtTheLimit(@ForAll @IntRange(min = 0, max = 8_000) int length, @ForAll boolean asName) {
        String s = "s".repeat(length);
        Object outcome = outcome(SMALL_CODEC, message("s", asName ? "{\"" + s + "\":1}" : "\"" + s + "\""));
        if (length > SMALL.maxStringLength()) {
            assertThat(outcome).asString().contains("MessageLimits.maxStringLength");
        } else {
            assertThat(outcome).isInstanceOf(TaskMessage.class);
        }
    }

    /**
     * A body of many cheap tokens ({@code [1,1,1,…]}) is rejected at the token limit, having allocated about what
     * the tokens under the limit take, not the millions of nodes it holds.
     */
    @Property(tries = 50)
    void manyTokensAreRejectedCheaply(@ForAll @IntRange(min = 10_000, max = 30_000) int elements) {
        String args = "[" + "1,".repeat(elements) + "1]";
        byte[] body = message("t", args);
        long before = allocated();
        Object outcome = outcome(SMALL_CODEC, body);
        long cost = allocated() - before;

        assertThat(outcome).asString().contains("MessageLimits.maxTokens");
        // 2,000 tokens' nodes, the parser's buffers and the rejection: far below the 30,000 nodes of the body
        assertThat(cost).as("bytes allocated to reject " + elements + " elements").isLessThan(1024 * 1024);
    }

    @Property(tries = 2000)
    void anyAllocationIsBoundedByTheBodyAndTheLimits(@ForAll("mutatedOrRandom") byte[] body) {
        long before = allocated();
        outcome(SMALL_CODEC, body);
        long cost = allocated() - before;
        // a decoded tree holds at most maxTokens nodes (~100 bytes each with their maps), strings hold at most the body
        assertThat(cost).isLessThan(16L * body.length + 100L * SMALL.maxTokens() + 1024 * 1024);
    }

    // ---- the stored-record decoder (the memory backend's and Redis's records) ----

    @Property(tries = 2000)
    void storedRecordsDecodeOrAreRejectedWithAReason(@ForAll("records") byte[] body) {
        try {
            call(() -> TaskRecord.fromBytes(body));
        } catch (IllegalArgumentException e) {
            assertThat(e.getMessage()).isNotBlank();
        }
    }

    // ---- inputs ----

    @Provide
    Arbitrary<TaskMessage> messages() {
        return Arbitraries.randoms().map(r -> {
            JsonNode args = tree(r, 4);
            boolean chunk = r.nextInt(4) == 0;
            if (chunk && !args.isArray()) {
                args = JsonNodeFactory.instance.arrayNode().add(args);
            }
            Integer maxRetries = r.nextBoolean() ? null : r.nextInt(10);
            return new TaskMessage(text(r, 1 + r.nextInt(40)), text(r, 1 + r.nextInt(30)), args, chunk, r.nextInt(5),
                    r.nextBoolean() ? null : Instant.ofEpochSecond(r.nextInt(Integer.MAX_VALUE)), null,
                    r.nextBoolean() ? null : text(r, 1 + r.nextInt(20)), null, maxRetries,
                    maxRetries == null ? null : Duration.ofMillis(1 + r.nextInt(100_000)), null);
        });
    }

    /**
     * JSON trees up to {@code depth} deep, with strings, numbers and containers around the small limits. Drawn from a
     * seeded {@link java.util.Random} (jqwik's seed), not composed of jqwik arbitraries: generation then costs
     * microseconds, not the tens of milliseconds a recursive composition of shrinkables takes.
     */
    private static Arbitrary<JsonNode> trees(int depth) {
        return Arbitraries.randoms().map(r -> tree(r, depth));
    }

    private static JsonNode tree(java.util.Random r, int depth) {
        JsonNodeFactory f = JsonNodeFactory.instance;
        if (depth == 4 && r.nextInt(8) == 0) {
            // at the top, now and then, many tokens or many bytes
            ArrayNode a = f.arrayNode();
            boolean longStrings = r.nextBoolean();
            for (int i = longStrings ? 25 + r.nextInt(15) : 500 + r.nextInt(1_500); i > 0; i--) {
                a.add(longStrings ? f.textNode("t".repeat(1_500 + r.nextInt(500))) : f.numberNode(i));
            }
            return a;
        }
        int pick = depth == 0 ? r.nextInt(6) : r.nextInt(11);
        return switch (pick) {
            case 0 -> f.textNode(r.nextInt(40) == 0 ? text(r, 1_990 + r.nextInt(20)) : text(r, r.nextInt(12)));
            case 1 -> f.numberNode(r.nextInt());
            case 2 -> f.numberNode(r.nextBoolean() ? r.nextDouble() * Math.pow(10, r.nextInt(600) - 300) : r.nextLong());
            case 3 -> f.numberNode(BigInteger.TEN.pow(1 + r.nextInt(60)).subtract(BigInteger.ONE));
            case 4 -> r.nextBoolean() ? f.booleanNode(r.nextBoolean()) : f.nullNode();
            case 5 -> f.textNode(text(r, r.nextInt(4)));
            case 6, 7 -> {
                ArrayNode a = f.arrayNode();
                int n = r.nextInt(depth == 4 ? 40 : 6);
                for (int i = 0; i < n; i++) {
                    a.add(tree(r, depth - 1));
                }
                yield a;
            }
            case 8, 9 -> {
                ObjectNode o = f.objectNode();
                int n = r.nextInt(5);
                for (int i = 0; i < n; i++) {
                    o.set(r.nextInt(30) == 0 ? text(r, 2_001) : r.nextInt(10) == 0 ? text(r, r.nextInt(8)) : "k" + r.nextInt(1000),
                            tree(r, depth - 1));
                }
                yield o;
            }
            default -> {
                JsonNode n = f.numberNode(1);
                for (int i = 15 + r.nextInt(10); i > 0; i--) {
                    n = f.arrayNode().add(n);
                }
                yield n;
            }
        };
    }

    private static final String ALPHABET = "ab\"\\/\n\u0000é€\uD83D\uDE00 {}[],:";

    private static String text(java.util.Random r, int length) {
        StringBuilder s = new StringBuilder(length);
        for (int i = 0; i < length; i++) {
            s.append(ALPHABET.charAt(r.nextInt(ALPHABET.length())));
        }
        return s.toString();
    }

    /** An edit of a body: flip, insert, delete, truncate, duplicate a span, or splice in JSON punctuation. */
    record Mutation(int kind, int at, int length, byte value) {
        byte[] apply(byte[] b) {
            if (b.length == 0) {
                return new byte[] {value};
            }
            int i = Math.floorMod(at, b.length);
            int n = Math.min(length, b.length - i);
            byte[] out;
            switch (kind) {
                case 0 -> {
                    out = b.clone();
                    out[i] = value;
                }
                case 1 -> {
                    out = new byte[b.length + 1];
                    System.arraycopy(b, 0, out, 0, i);
                    out[i] = value;
                    System.arraycopy(b, i, out, i + 1, b.length - i);
                }
                case 2 -> {
                    out = new byte[b.length - n];
                    System.arraycopy(b, 0, out, 0, i);
                    System.arraycopy(b, i + n, out, i, b.length - i - n);
                }
                case 3 -> out = java.util.Arrays.copyOf(b, i);
                case 4 -> {
                    out = new byte[b.length + n];
                    System.arraycopy(b, 0, out, 0, i + n);
                    System.arraycopy(b, i, out, i + n, b.length - i);
                }
                default -> {
                    byte[] token = SPLICES[Math.floorMod(value, SPLICES.length)];
                    out = new byte[b.length + token.length];
                    System.arraycopy(b, 0, out, 0, i);
                    System.arraycopy(token, 0, out, i, token.length);
                    System.arraycopy(b, i, out, i + token.length, b.length - i);
                }
            }
            return out;
        }
    }

    private static final byte[][] SPLICES = List.of("{", "}", "[", "]", ",", ":", "\"", "\\", "\"id\":\"x\",", "\"amdahl\":2,",
            "\"chunk\":\"yes\",", "\"retries\":1.7,", "1e999999", "-", "\\u0000", "\\ud800", "null", "true", "{\"amdahl\":1}",
            "\"workflow\":{\"link\":[7]},").stream().map(s -> s.getBytes(StandardCharsets.UTF_8)).toArray(byte[][]::new);

    @Provide
    Arbitrary<List<Mutation>> mutations() {
        return Combinators.combine(Arbitraries.integers().between(0, 5), Arbitraries.integers(), Arbitraries.integers().between(1, 64),
                Arbitraries.bytes()).as(Mutation::new).list().ofMinSize(1).ofMaxSize(4);
    }

    @Provide
    Arbitrary<byte[]> mutatedOrRandom() {
        Arbitrary<byte[]> mutated = Combinators.combine(messages(), mutations()).as((m, ms) -> {
            byte[] b = MessageCodec.encode(m);
            for (Mutation x : ms) {
                b = x.apply(b);
            }
            return b;
        });
        return Arbitraries.oneOf(mutated, Arbitraries.bytes().array(byte[].class).ofMaxSize(4_096));
    }

    @Provide
    Arbitrary<byte[]> records() {
        String good = "{\"id\":\"t-1\",\"task\":\"add\",\"state\":\"FAILURE\",\"result\":\"3\",\"error\":{\"type\":\"E\",\"message\":\"m\","
                + "\"stack\":\"s\"},\"retries\":2,\"worker\":\"w\",\"started\":\"2030-01-01T00:00:00Z\",\"runtime_ns\":5,"
                + "\"progress\":{\"fraction\":0.5,\"message\":\"half\"}}";
        byte[] base = good.getBytes(StandardCharsets.UTF_8);
        Arbitrary<byte[]> mutated = mutations().map(ms -> {
            byte[] b = base;
            for (Mutation x : ms) {
                b = x.apply(b);
            }
            return b;
        });
        return Arbitraries.oneOf(mutated, Arbitraries.bytes().array(byte[].class).ofMaxSize(512));
    }

    // ---- the property itself ----

    /** @return how it went, for the statistics: decoded, or rejected with or without a task id */
    private static String assertDecodesOrIsRejected(MessageCodec codec, byte[] body) {
        Object outcome = outcome(codec, body);
        if (outcome instanceof MalformedMessageException e) {
            assertThat(e.getMessage()).startsWith("malformed task message");
            assertThat(e.getMessage().length()).isGreaterThan("malformed task message: ".length());
            assertThat(e.taskId()).satisfiesAnyOf(id -> assertThat(id).isNull(),
                    id -> assertThat(id.length()).isBetween(1, MessageCodec.MAX_ID_LENGTH));
            return e.taskId() == null ? "rejected, no id" : "rejected with its id";
        }
        assertThat(outcome).isInstanceOf(TaskMessage.class);
        return "decoded";
    }

    /** The decoded message, or the rejection; any other exception fails the property. */
    private static Object outcome(MessageCodec codec, byte[] body) {
        try {
            return call(() -> codec.read(body));
        } catch (MalformedMessageException e) {
            return e;
        }
    }

    private static <T> T call(Callable<T> decode) {
        Future<T> f = DECODER.submit(decode);
        try {
            return f.get(DEADLINE.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            throw new AssertionError("the decoder threw " + e.getCause(), e.getCause());
        } catch (TimeoutException e) {
            f.cancel(true);
            throw new AssertionError("the decoder did not return within " + DEADLINE);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    private static byte[] message(String id, String args) {
        return ("{\"amdahl\":1,\"id\":\"" + id + "\",\"task\":\"t\",\"args\":" + args + "}").getBytes(StandardCharsets.UTF_8);
    }

    /** Bytes allocated so far by the decoder's thread (HotSpot's counter; read reflectively, core's module does not read jdk.management). */
    private static long allocated() {
        return call(() -> (Long) ALLOCATED.invoke(ManagementFactory.getThreadMXBean(), Thread.currentThread().getId()));
    }

    private static final java.lang.reflect.Method ALLOCATED;

    static {
        try {
            ALLOCATED = Class.forName("com.sun.management.ThreadMXBean").getMethod("getThreadAllocatedBytes", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }
}
