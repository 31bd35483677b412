package dev.amdahl.internal.process;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.amdahl.Progress;
import dev.amdahl.internal.task.Outcome;
import dev.amdahl.spi.TaskError;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.Size;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.statistics.Statistics;

/**
 * Issue 10's fuzzing of the process pool's frames, which a parent reads from a child running the task's code:
 * any byte stream gives frames, a clean end, or an {@link IOException} with a reason (a {@link ChildProtocol.ProtocolException}
 * or an {@link EOFException}); any frame's outcome or progress reads or is a {@code ProtocolException}. Never another
 * exception, never a hang, never a buffer the stream's bytes do not back.
 */
class ChildProtocolFuzzTest {

    private static final int MAX_PAYLOAD = 1024 * 1024;
    private static final ExecutorService READER = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "fuzz-frame-reader");
        t.setDaemon(true);
        return t;
    });

    @AfterContainer
    static void stop() {
        READER.shutdownNow();
    }

    @Property(tries = 3000)
    void randomBytesAreFramesOrAProtocolError(@ForAll @Size(max = 256) byte[] stream) throws Exception {
        Statistics.label("verdict").collect(readAll(stream));
    }

    @Property(tries = 3000)
    void mutatedFramesAreFramesOrAProtocolError(@ForAll("mutatedFrames") byte[] stream) throws Exception {
        Statistics.label("verdict").collect(readAll(stream));
    }

    /** Issue 10, defect 4, in the process pool: each lax field of an outcome frame is refused, naming it. */
    @Example
    void anOutcomeFrameIsReadStrictly() throws Exception {
        assertThat(outcomeError("\"startedAt\":\"2030-13-01T00:00:00Z\"")).contains("\"startedAt\" is not an ISO-8601 instant");
        assertThat(outcomeError("\"runtimeNanos\":\"5\"")).contains("\"runtimeNanos\" must be a non-negative integer");
        assertThat(outcomeError("\"runtimeNanos\":1.7")).contains("\"runtimeNanos\"");
        assertThat(outcomeError("\"kind\":\"PENDING\"")).contains("\"kind\" \"PENDING\" is not an outcome");
        assertThat(outcomeError("\"kind\":\"FAILURE\",\"error\":\"boom\"")).contains("\"error\" must be an object");
        assertThat(readError("{\"op\":\"outcome\"}{\"op\":\"ready\"}")).contains("a frame header is not JSON");
        assertThat(readError("{\"op\":\"outcome\",\"op\":\"ready\"}")).contains("Duplicate field 'op'");
        assertThat(readError("{\"op\":7}")).contains("no \"op\" string");
    }

    private static String outcomeError(String fields) throws IOException {
        ObjectNode h = (ObjectNode) dev.amdahl.internal.json.Json.mapper().readTree("{\"op\":\"outcome\",\"kind\":\"SUCCESS\"}");
        ObjectNode extra = (ObjectNode) dev.amdahl.internal.json.Json.mapper().readTree("{" + fields + "}");
        h.setAll(extra);
        try {
            ChildProtocol.outcomeOf(new ChildProtocol.Frame(h, new byte[0]));
            return "read";
        } catch (ChildProtocol.ProtocolException e) {
            return e.getMessage();
        }
    }

    private static String readError(String header) throws IOException {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(bytes);
        out.writeInt(ChildProtocol.MAGIC);
        out.writeInt(h.length);
        out.write(h);
        out.writeInt(0);
        try {
            ChildProtocol.read(new DataInputStream(new ByteArrayInputStream(bytes.toByteArray())), MAX_PAYLOAD);
            return "read";
        } catch (ChildProtocol.ProtocolException e) {
            return e.getMessage();
        }
    }

    /** Reads every frame of {@code stream}, and the outcome or progress of each, as the parent does. */
    private static String readAll(byte[] stream) throws Exception {
        Future<String> f = READER.submit(() -> {
            DataInputStream in = new DataInputStream(new ByteArrayInputStream(stream));
            int frames = 0;
            while (true) {
                ChildProtocol.Frame frame;
                try {
                    frame = ChildProtocol.read(in, MAX_PAYLOAD);
                } catch (ChildProtocol.ProtocolException | EOFException e) {
                    assertThat(e.getMessage()).isNotBlank();
                    return frames + " frame(s), then " + e.getClass().getSimpleName();
                }
                if (frame == null) {
                    return frames + " frame(s), then the end";
                }
                frames++;
                assertThat(frame.op()).isNotNull();
                try {
                    if (ChildProtocol.OUTCOME.equals(frame.op())) {
                        assertThat(ChildProtocol.outcomeOf(frame)).isNotNull();
                    } else if (ChildProtocol.PROGRESS.equals(frame.op())) {
                        assertThat(ChildProtocol.progressOf(frame)).isNotNull();
                    }
                } catch (ChildProtocol.ProtocolException e) {
                    assertThat(e.getMessage()).isNotBlank();
                }
            }
        });
        try {
            return f.get(20, TimeUnit.SECONDS);
        } catch (java.util.concurrent.ExecutionException e) {
            throw new AssertionError("reading frames threw " + e.getCause(), e.getCause());
        }
    }

    @Provide
    Arbitrary<byte[]> mutatedFrames() {
        return Arbitraries.randoms().map(ChildProtocolFuzzTest::mutatedStream);
    }

    private static byte[] mutatedStream(Random r) {
        List<ChildProtocol.Frame> frames = new ArrayList<>();
        frames.add(new ChildProtocol.Frame(ChildProtocol.header(ChildProtocol.READY).put("pid", 42), new byte[0]));
        frames.add(new ChildProtocol.Frame(ChildProtocol.header(ChildProtocol.STARTED), new byte[0]));
        frames.add(new ChildProtocol.Frame(ChildProtocol.progressHeader(new Progress(0.5, "half")), new byte[0]));
        Instant t = Instant.parse("2030-01-01T00:00:00Z");
        frames.add(ChildProtocol.outcomeFrame(Outcome.success("{\"r\":1}", t, t.plusSeconds(1), 1_000)));
        frames.add(ChildProtocol.outcomeFrame(Outcome.failure(TaskError.of("E", "boom"), t, t, 5)));
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            for (int i = 1 + r.nextInt(3); i > 0; i--) {
                ChildProtocol.Frame f = frames.get(r.nextInt(frames.size()));
                ObjectNode h = f.header().deepCopy();
                if (r.nextBoolean()) {
                    String[] fields = {"kind", "startedAt", "finishedAt", "runtimeNanos", "error", "fraction", "message", "op",
                            "retryDelayNanos"};
                    String[] values = {"\"SUCCESS\"", "\"RETRY\"", "\"PENDING\"", "\"nope\"", "7", "-1", "1.7", "\"5\"", "true",
                            "null", "{}", "[]", "{\"type\":1}", "\"2030-13-01T00:00:00Z\"", "99999999999999999999999"};
                    h.set(fields[r.nextInt(fields.length)], dev.amdahl.internal.json.Json.mapper()
                            .readTree(values[r.nextInt(values.length)]));
                }
                ChildProtocol.write(out, h, f.payload());
            }
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        byte[] b = bytes.toByteArray();
        for (int i = r.nextInt(4); i > 0 && b.length > 0; i--) {
            int at = r.nextInt(b.length);
            switch (r.nextInt(3)) {
                case 0 -> b[at] = (byte) r.nextInt(256);
                case 1 -> b = java.util.Arrays.copyOf(b, at);
                default -> {
                    byte[] junk = "\"}]{,".getBytes(StandardCharsets.UTF_8);
                    b[at] = junk[r.nextInt(junk.length)];
                }
            }
        }
        return b;
    }
}
