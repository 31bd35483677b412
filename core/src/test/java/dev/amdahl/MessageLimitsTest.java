package dev.amdahl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.amdahl.internal.memory.MemoryBroker;
import dev.amdahl.internal.memory.MemoryResultBackend;
import dev.amdahl.spi.OutboundMessage;
import dev.amdahl.spi.TaskRecord;
import dev.amdahl.testkit.Await;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 10, defects 3 and 9: one set of limits, read by the client and the worker from the same builder. The
 * client refuses at submit, naming the limit, what a worker would refuse; a message published past the client
 * is rejected by the worker before it costs much, and the record of its task says why.
 */
class MessageLimitsTest {

    private static final Duration WAIT = Duration.ofSeconds(30);

    private final MemoryBroker broker = new MemoryBroker(Clock.systemUTC());
    private final MemoryResultBackend backend = new MemoryResultBackend();
    private final List<Amdahl> apps = new ArrayList<>();

    @AfterEach
    void close() {
        apps.forEach(Amdahl::close);
    }

    private Amdahl app(MessageLimits limits) {
        Amdahl app = Amdahl.builder().broker(broker).resultBackend(backend).messageLimits(limits).build();
        apps.add(app);
        return app;
    }

    private static Task<String, Integer> length(Amdahl app) {
        return app.task("length", String.class, Integer.class, String::length);
    }

    @Test
    void aTwentyMebibyteStringIsRefusedAtSubmitWithTheLimitNamedUnderTheDefaults() {
        Task<String, Integer> length = length(app(MessageLimits.ofDefaults()));
        String twentyMiB = "x".repeat(20 * 1024 * 1024);

        assertThatThrownBy(() -> length.submit(twentyMiB)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("task 'length'")
                .hasMessageContaining("MessageLimits.maxMessageBytes (16777216)")
                .hasMessageContaining("Amdahl.builder().messageLimits(");
        assertThat(broker.depth("amdahl")).isZero();
    }

    @Test
    void aTwentyMebibyteStringWorksEndToEndWhenClientAndWorkerRaiseTheLimits() {
        MessageLimits raised = MessageLimits.builder().maxMessageBytes(32 * 1024 * 1024).maxStringLength(32 * 1024 * 1024).build();
        Amdahl workerApp = app(raised);
        length(workerApp);
        workerApp.startWorker(WorkerOptions.builder().concurrency(1).build());
        Task<String, Integer> length = length(app(raised));

        assertThat(length.submit("x".repeat(20 * 1024 * 1024)).result(WAIT)).isEqualTo(20 * 1024 * 1024);
    }

    @Test
    void eachLimitIsRefusedAtSubmitNamingItAndItsValue() {
        MessageLimits small = MessageLimits.builder().maxMessageBytes(4096).maxStringLength(100).maxNestingDepth(8)
                .maxNumberLength(40).maxTokens(200).maxChunkArguments(10).build();
        Amdahl app = app(small);
        Task<Object, Integer> any = app.task("any", Object.class, Integer.class);

        assertRefused(() -> any.submit("y".repeat(5000)), "maxMessageBytes (4096)");
        assertRefused(() -> any.submit("y".repeat(101)), "maxStringLength (100)");
        assertRefused(() -> any.submit(Map.of("k".repeat(101), 1)), "maxStringLength (100)");   // a field name too
        assertRefused(() -> any.submit(nested(8)), "maxNestingDepth (8)");
        assertRefused(() -> any.submit(BigInteger.TEN.pow(45)), "maxNumberLength (40)");
        assertRefused(() -> any.submit(IntStream.range(0, 300).boxed().toList()), "maxTokens (200)");
        assertRefused(() -> any.map(IntStream.range(0, 11).boxed().toList(), 11), "maxChunkArguments (10)");
        assertThat(broker.depth("amdahl")).isZero();

        // and just under each, the same task goes out
        any.submit("y".repeat(100));
        any.submit(nested(6));
        any.submit(BigInteger.TEN.pow(38));
        any.map(IntStream.range(0, 10).boxed().toList(), 10);
        assertThat(broker.depth("amdahl")).isEqualTo(4);
    }

    @Test
    void aMapIsRefusedWholeWhenOneChunkIsOverALimit() {
        Amdahl app = app(MessageLimits.builder().maxStringLength(100).build());
        Task<String, Integer> length = length(app);

        assertRefused(() -> length.map(List.of("short", "z".repeat(101), "short")), "maxStringLength (100)");
        assertThat(broker.depth("amdahl")).isZero();
    }

    @Test
    void aMessageOfAMillionArgumentsPublishedPastTheClientFailsItsTaskWithTheLimitNamed() {
        Amdahl workerApp = app(MessageLimits.ofDefaults());
        workerApp.task("sum", int[].class, Long.class, a -> (long) a.length);
        workerApp.startWorker(WorkerOptions.builder().concurrency(1).build());
        StringBuilder body = new StringBuilder("{\"amdahl\":1,\"id\":\"million\",\"task\":\"sum\",\"chunk\":true,\"args\":[");
        body.append(String.join(",", Collections.nCopies(1_000_000, "[1]"))).append("]}");

        broker.publish("amdahl", OutboundMessage.of("million", body.toString().getBytes(StandardCharsets.UTF_8)));

        TaskRecord record = Await.value(WAIT, "the record of the rejected message", () -> backend.get("million")
                .filter(r -> r.state() == TaskState.FAILURE));
        assertThat(record.error().message()).contains("MessageLimits.maxTokens (500000)");
    }

    @Test
    void theChunkArgumentLimitHoldsOnTheWorkerToo() {
        Amdahl workerApp = app(MessageLimits.builder().maxChunkArguments(3).build());
        workerApp.task("sum", int[].class, Long.class, a -> (long) a.length);
        workerApp.startWorker(WorkerOptions.builder().concurrency(1).build());

        broker.publish("amdahl", OutboundMessage.of("four", ("{\"amdahl\":1,\"id\":\"four\",\"task\":\"sum\",\"chunk\":true,"
                + "\"args\":[[1],[2],[3],[4]]}").getBytes(StandardCharsets.UTF_8)));

        TaskRecord record = Await.value(WAIT, "the record of the rejected chunk", () -> backend.get("four")
                .filter(r -> r.state() == TaskState.FAILURE));
        assertThat(record.error().message()).contains("4 arguments", "MessageLimits.maxChunkArguments (3)");
    }

    @Test
    void aLimitOutOfRangeIsRefusedNamingIt() {
        assertThatThrownBy(() -> MessageLimits.builder().maxMessageBytes(128 * 1024 * 1024).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("MessageLimits.maxMessageBytes must be from");
        assertThatThrownBy(() -> MessageLimits.builder().maxNestingDepth(0).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("maxNestingDepth");
        assertThat(MessageLimits.from(MessageLimits.ofDefaults()).build()).isEqualTo(MessageLimits.ofDefaults());
    }

    /** A list inside a list, {@code depth} deep; the message's object and its args add two more levels. */
    private static Object nested(int depth) {
        Object o = 1;
        for (int i = 0; i < depth; i++) {
            o = List.of(o);
        }
        return o;
    }

    private static void assertRefused(Runnable submit, String limit) {
        assertThatThrownBy(submit::run).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("MessageLimits." + limit).hasMessageContaining("so a worker would reject it");
    }

    /** A workflow step carries its parent's result: one over the limits fails with the reason, and its caller hears it. */
    @Test
    void aWorkflowStepOverTheLimitsFailsWithTheReasonInsteadOfBeingGivenBack() throws Exception {
        Amdahl app = app(MessageLimits.builder().maxMessageBytes(4_096).build());
        Task<Integer, String> big = app.task("big", Integer.class, String.class, n -> "y".repeat(n));
        Task<String, Integer> measure = length(app);
        app.startWorker(WorkerOptions.builder().concurrency(1).build());

        TaskFuture<Integer> chain = big.sig(10_000).then(measure.sig()).submit();

        assertThatThrownBy(() -> chain.get(WAIT.toSeconds(), java.util.concurrent.TimeUnit.SECONDS))
                .hasRootCauseInstanceOf(TaskFailedException.class)
                .rootCause().hasMessageContaining("was not run").hasMessageContaining("MessageLimits.maxMessageBytes (4096)");
        Await.until(WAIT, "the first step's message to be acknowledged", () -> broker.depth("amdahl") == 0
                && broker.deadLetters("amdahl", 10).isEmpty());
    }
}
