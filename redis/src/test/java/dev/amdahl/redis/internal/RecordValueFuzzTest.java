package dev.amdahl.redis.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.amdahl.TaskState;
import dev.amdahl.spi.TaskError;
import dev.amdahl.spi.TaskRecord;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.Size;
import net.jqwik.api.statistics.Statistics;

/**
 * Issue 10's fuzzing of the value a task record is stored as in Redis, which any client of the same Redis can
 * write: whatever the bytes, {@link RecordValue#decode} returns a record or throws an {@link IllegalArgumentException}
 * with a reason, never another exception.
 */
class RecordValueFuzzTest {

    private static final ExecutorService DECODER = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "fuzz-record-decoder");
        t.setDaemon(true);
        return t;
    });

    private static final byte[] GOOD = RecordValue.encode(new TaskRecord("t-1", "add", TaskState.FAILURE, null,
            TaskError.of("E", "boom"), 2, "w", Instant.parse("2030-01-01T00:00:00Z"), Instant.parse("2030-01-01T00:00:01Z"), 5));

    @Property(tries = 2000)
    void randomBytesDecodeOrAreRejectedWithAReason(@ForAll @Size(max = 300) byte[] value) {
        Statistics.label("verdict").collect(verdict(value));
    }

    @Property(tries = 2000)
    void mutatedValuesDecodeOrAreRejectedWithAReason(@ForAll("mutated") byte[] value) {
        Statistics.label("verdict").collect(verdict(value));
    }

    /** Issue 10, defect 4, for stored records: a second record after the first, or a key twice, is refused. */
    @Example
    void aValueIsReadStrictly() {
        String record = new String(GOOD, StandardCharsets.UTF_8);
        String json = record.substring(record.indexOf(' ') + 1);
        assertThat(RecordValue.decode(GOOD).retries()).isEqualTo(2);
        assertThatThrownBy(() -> RecordValue.decode((record + json).getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not JSON");
        assertThatThrownBy(() -> RecordValue.decode(("FAILURE " + json.replace("\"retries\":2", "\"retries\":2,\"retries\":0"))
                .getBytes(StandardCharsets.UTF_8))).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("Duplicate field 'retries'");
        assertThatThrownBy(() -> RecordValue.decode(("FAILURE " + json.replace("\"retries\":2", "\"retries\":2.5"))
                .getBytes(StandardCharsets.UTF_8))).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'retries'");
    }

    /** jqwik runs outside Jupiter's timeouts: each decode gets a deadline of its own, a hang guard, not a timing goal. */
    private static String verdict(byte[] value) {
        CompletableFuture<String> decode = CompletableFuture.supplyAsync(() -> {
            try {
                RecordValue.decode(value);
                return "decoded";
            } catch (IllegalArgumentException e) {
                assertThat(e.getMessage()).isNotBlank();
                return "rejected";
            }
        }, DECODER);
        try {
            return decode.get(20, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            throw new AssertionError("decoding " + value.length + " bytes threw " + e.getCause(), e.getCause());
        } catch (TimeoutException e) {
            decode.cancel(true);
            throw new AssertionError("decoding " + value.length + " bytes did not return within 20 s");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    @Provide
    Arbitrary<byte[]> mutated() {
        return Arbitraries.randoms().map(RecordValueFuzzTest::mutate);
    }

    private static byte[] mutate(Random r) {
        byte[] b = GOOD.clone();
        byte[] junk = "\"{}[],: 1.7-eE\\".getBytes(StandardCharsets.UTF_8);
        for (int i = 1 + r.nextInt(3); i > 0; i--) {
            int at = r.nextInt(b.length);
            if (r.nextInt(4) == 0) {
                b = java.util.Arrays.copyOf(b, at);
                if (b.length == 0) {
                    return b;
                }
            } else {
                b[at] = r.nextBoolean() ? (byte) r.nextInt(256) : junk[r.nextInt(junk.length)];
            }
        }
        return b;
    }
}
