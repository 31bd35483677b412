package dev.amdahl.tracing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.amdahl.Amdahl;
import dev.amdahl.Task;
import dev.amdahl.WorkerOptions;
import dev.amdahl.testkit.Await;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.context.Scope;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Spans exported by the SDK's in-memory exporter, checked for their parent/child links across the embedded broker. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class TracePropagationTest {

    private static final Duration WAIT = Duration.ofSeconds(20);

    private final InMemorySpanExporter exporter = InMemorySpanExporter.create();
    private OpenTelemetrySdk otel;
    private Amdahl app;

    @BeforeEach
    void start() {
        otel = OpenTelemetrySdk.builder()
                .setTracerProvider(SdkTracerProvider.builder().addSpanProcessor(SimpleSpanProcessor.create(exporter)).build())
                .build();
        app = Amdahl.builder().observer(OpenTelemetryTracing.of(otel)).build();
    }

    @AfterEach
    void stop() {
        app.close();
        otel.close();
    }

    @Test
    void theExecuteSpanIsAChildOfTheSubmitSpanInTheCallersTrace() throws Exception {
        Task<Integer, Integer> square = app.task("math.square", Integer.class, Integer.class, x -> x * x);
        app.startWorker(WorkerOptions.builder().concurrency(1).name("w1").build());

        Span request = otel.getTracer("test").spanBuilder("request").startSpan();
        try (Scope ignored = request.makeCurrent()) {
            assertThat(square.submit(3).get(20, TimeUnit.SECONDS)).isEqualTo(9);
        } finally {
            request.end();
        }

        SpanData process = awaitSpan("process math.square");
        SpanData publish = span("publish math.square");
        assertThat(publish.getKind()).isEqualTo(SpanKind.PRODUCER);
        assertThat(publish.getParentSpanId()).isEqualTo(request.getSpanContext().getSpanId());
        assertThat(process.getKind()).isEqualTo(SpanKind.CONSUMER);
        assertThat(process.getParentSpanId()).isEqualTo(publish.getSpanId());
        assertThat(process.getTraceId()).isEqualTo(request.getSpanContext().getTraceId());
        assertThat(process.getAttributes().get(TracingObserver.OUTCOME)).isEqualTo("success");
        assertThat(process.getAttributes().get(TracingObserver.DESTINATION)).isEqualTo("amdahl");
        assertThat(process.getAttributes().get(TracingObserver.WORKER)).isEqualTo("w1");
    }

    @Test
    void aChainsSecondStepIsLinkedUnderTheSubmittersTrace() throws Exception {
        Task<Integer, Integer> square = app.task("math.square", Integer.class, Integer.class, x -> x * x);
        Task<Integer, Integer> plusOne = app.task("math.plus-one", Integer.class, Integer.class, x -> x + 1);
        app.startWorker(WorkerOptions.builder().concurrency(1).build());

        assertThat(square.sig(4).then(plusOne).submit().get(20, TimeUnit.SECONDS)).isEqualTo(17);

        SpanData second = awaitSpan("process math.plus-one");
        SpanData first = span("process math.square");
        SpanData publish = span("publish math.square");
        assertThat(publish.getParentSpanContext().isValid()).as("a submit outside any span starts a trace").isFalse();
        assertThat(first.getParentSpanId()).isEqualTo(publish.getSpanId());
        assertThat(second.getParentSpanId()).as("the step after the first carries the submitter's context")
                .isEqualTo(publish.getSpanId());
        assertThat(second.getTraceId()).isEqualTo(publish.getTraceId()).isEqualTo(first.getTraceId());
    }

    @Test
    void aGroupsMembersAndAChordsCallbackShareTheSubmittersTrace() throws Exception {
        Task<Integer, Integer> square = app.task("math.square", Integer.class, Integer.class, x -> x * x);
        Task<List<Integer>, Integer> sum = app.task("math.sum", new dev.amdahl.TypeRef<List<Integer>>() { },
                dev.amdahl.TypeRef.of(Integer.class), xs -> xs.stream().mapToInt(Integer::intValue).sum());
        app.startWorker(WorkerOptions.builder().concurrency(2).build());

        assertThat(app.group(List.of(square.sig(1), square.sig(2), square.sig(3))).then(sum.sig()).submit()
                .get(20, TimeUnit.SECONDS)).isEqualTo(14);

        SpanData callback = awaitSpan("process math.sum");
        List<SpanData> members = exporter.getFinishedSpanItems().stream()
                .filter(s -> s.getName().equals("process math.square")).toList();
        assertThat(members).hasSize(3);
        String trace = callback.getTraceId();
        assertThat(members).allSatisfy(m -> assertThat(m.getTraceId()).isEqualTo(trace));
        SpanData publish = span("publish math.square");
        assertThat(publish.getTraceId()).isEqualTo(trace);
        assertThat(callback.getParentSpanId()).isEqualTo(publish.getSpanId());
    }

    @Test
    void whatATaskSubmitsIsTracedUnderItsExecuteSpan() throws Exception {
        Task<Integer, Integer> leaf = app.task("tree.leaf", Integer.class, Integer.class, x -> x + 1);
        Task<Integer, Integer> root = app.task("tree.root", Integer.class, Integer.class, x -> {
            leaf.submit(x);   // not awaited: the worker runs one task at a time
            return x;
        });
        app.startWorker(WorkerOptions.builder().concurrency(1).build());

        assertThat(root.submit(1).get(20, TimeUnit.SECONDS)).isEqualTo(1);

        SpanData leafRun = awaitSpan("process tree.leaf");
        SpanData rootRun = span("process tree.root");
        SpanData leafPublish = span("publish tree.leaf");
        assertThat(leafPublish.getParentSpanId()).isEqualTo(rootRun.getSpanId());
        assertThat(leafRun.getParentSpanId()).isEqualTo(leafPublish.getSpanId());
        assertThat(leafRun.getTraceId()).isEqualTo(rootRun.getTraceId());
    }

    @Test
    void aFailedTasksSpanSaysSo() throws Exception {
        Task<Integer, Integer> broken = app.task("math.broken", Integer.class, Integer.class, x -> {
            throw new IllegalStateException("no");
        });
        app.startWorker(WorkerOptions.builder().concurrency(1).build());
        broken.submit(1).exceptionally(e -> 0).toCompletableFuture().get(20, TimeUnit.SECONDS);

        SpanData process = awaitSpan("process math.broken");
        assertThat(process.getStatus().getStatusCode()).isEqualTo(io.opentelemetry.api.trace.StatusCode.ERROR);
        assertThat(process.getAttributes().get(TracingObserver.OUTCOME)).isEqualTo("failure");
    }

    private SpanData awaitSpan(String name) {
        return Await.value(WAIT, "span '" + name + "' to be exported",
                () -> exporter.getFinishedSpanItems().stream().filter(s -> s.getName().equals(name)).findFirst());
    }

    private SpanData span(String name) {
        List<SpanData> found = exporter.getFinishedSpanItems().stream().filter(s -> s.getName().equals(name)).toList();
        assertThat(found).as("spans named %s among %s", name, exporter.getFinishedSpanItems()).hasSize(1);
        return found.get(0);
    }
}
