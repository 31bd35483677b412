package dev.amdahl.bench;

import com.fasterxml.jackson.databind.JsonNode;
import dev.amdahl.SubmitOptions;
import dev.amdahl.TaskState;
import dev.amdahl.internal.json.Json;
import dev.amdahl.internal.wire.MessageCodec;
import dev.amdahl.internal.wire.TaskMessage;
import dev.amdahl.spi.TaskRecord;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What one task costs in JSON on a networked broker: its message encoded by the client and read (strictly, within the
 * limits) by the worker, and its record encoded by the worker and decoded by the client. The argument is a small
 * record, as most tasks take.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
@State(Scope.Benchmark)
public class CodecBenchmark {

    /** A typical argument: a few fields. */
    public record Range(long from, long to, String label) {
    }

    private final MessageCodec codec = MessageCodec.defaults();
    private TaskMessage message;
    private byte[] messageBytes;
    private TaskRecord record;
    private byte[] recordBytes;

    @Setup
    public void setUp() {
        Instant now = Instant.parse("2026-01-01T00:00:00Z");
        JsonNode args = Json.mapper().valueToTree(new Range(0, 10_000, "tile 3"));
        message = TaskMessage.of(TaskMessage.newId(), "primes.count", args, false, null, null, SubmitOptions.ofDefaults(), now);
        messageBytes = MessageCodec.encode(message);
        record = new TaskRecord(message.id(), "primes.count", TaskState.SUCCESS, "1229", null, 0, "amdahl-1@host",
                now, now.plusMillis(3), 2_900_000);
        recordBytes = record.toBytes();
    }

    @Benchmark
    public byte[] messageEncode() {
        return codec.encodeChecked(message);
    }

    @Benchmark
    public TaskMessage messageDecode() {
        return codec.read(messageBytes);
    }

    @Benchmark
    public byte[] recordEncode() {
        return record.toBytes();
    }

    @Benchmark
    public TaskRecord recordDecode() {
        return TaskRecord.fromBytes(recordBytes);
    }

    /** Both sides of a result as the future sees it: the worker's JSON text and the client's typed value. */
    @Benchmark
    public List<Long> resultEncodeDecode() throws Exception {
        String json = Json.mapper().writeValueAsString(List.of(1229L, 1033L));
        return Json.mapper().readValue(json, Json.mapper().getTypeFactory().constructCollectionType(List.class, Long.class));
    }
}
