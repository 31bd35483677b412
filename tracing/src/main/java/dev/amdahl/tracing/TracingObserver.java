package dev.amdahl.tracing;

import dev.amdahl.observe.TaskEvent;
import dev.amdahl.observe.TaskObserver;
import dev.amdahl.observe.TaskOutcome;
import dev.amdahl.observe.TraceContext;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanBuilder;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapGetter;
import java.time.Duration;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.WeakHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The spans behind {@link OpenTelemetryTracing}. Loaded only when {@code opentelemetry-api} is there.
 *
 * <p>A CONSUMER span lives from {@link #received} to {@link #finished} of one delivery, kept meanwhile by the
 * delivery's {@link TaskEvent}, which the worker hands to all three calls. The map is weak: a delivery the worker
 * drops without finishing (its lease lost before it ran) takes its unended span with it, never exported, instead of
 * holding it for ever.
 */
final class TracingObserver implements TaskObserver {

    private static final Logger log = LoggerFactory.getLogger(TracingObserver.class);

    static final AttributeKey<String> SYSTEM = AttributeKey.stringKey("messaging.system");
    static final AttributeKey<String> OPERATION = AttributeKey.stringKey("messaging.operation.type");
    static final AttributeKey<String> DESTINATION = AttributeKey.stringKey("messaging.destination.name");
    static final AttributeKey<String> MESSAGE_ID = AttributeKey.stringKey("messaging.message.id");
    static final AttributeKey<Long> BATCH_COUNT = AttributeKey.longKey("messaging.batch.message_count");
    static final AttributeKey<String> TASK = AttributeKey.stringKey("amdahl.task.name");
    static final AttributeKey<String> OUTCOME = AttributeKey.stringKey("amdahl.task.outcome");
    static final AttributeKey<Long> RETRIES = AttributeKey.longKey("amdahl.task.retries");
    static final AttributeKey<Long> DELIVERY = AttributeKey.longKey("messaging.message.delivery_count");
    static final AttributeKey<String> WORKER = AttributeKey.stringKey("amdahl.worker");

    private static final W3CTraceContextPropagator W3C = W3CTraceContextPropagator.getInstance();
    private static final TextMapGetter<TraceContext> FROM_MESSAGE = new TextMapGetter<>() {
        @Override
        public Iterable<String> keys(TraceContext carrier) {
            return carrier.tracestate() == null ? List.of("traceparent") : List.of("traceparent", "tracestate");
        }

        @Override
        public String get(TraceContext carrier, String key) {
            if (carrier == null) {
                return null;
            }
            return switch (key) {
                case "traceparent" -> carrier.traceparent();
                case "tracestate" -> carrier.tracestate();
                default -> null;
            };
        }
    };

    private final Tracer tracer;
    private final Map<TaskEvent, Span> processing = Collections.synchronizedMap(new WeakHashMap<>());

    TracingObserver(OpenTelemetry openTelemetry) {
        this.tracer = openTelemetry.getTracer(OpenTelemetryTracing.INSTRUMENTATION_NAME);
    }

    @Override
    public Publication publishing(String queue, List<TaskEvent> tasks) {
        if (tasks.isEmpty()) {
            return null;
        }
        TaskEvent first = tasks.get(0);
        SpanBuilder b = tracer.spanBuilder("publish " + first.taskName()).setSpanKind(SpanKind.PRODUCER)
                .setAttribute(SYSTEM, "amdahl").setAttribute(OPERATION, "send").setAttribute(DESTINATION, queue)
                .setAttribute(TASK, first.taskName());
        if (tasks.size() == 1) {
            b.setAttribute(MESSAGE_ID, first.taskId());
        } else {
            b.setAttribute(BATCH_COUNT, (long) tasks.size());
        }
        Span span = b.startSpan();
        TraceContext carried = carried(Context.current().with(span));
        return new Publication() {
            @Override
            public TraceContext context() {
                return carried;
            }

            @Override
            public void published() {
                span.end();
            }

            @Override
            public void failed(RuntimeException failure) {
                span.recordException(failure);
                span.setStatus(StatusCode.ERROR, String.valueOf(failure.getMessage()));
                span.end();
            }
        };
    }

    /** The W3C fields of {@code context}, or {@code null} when it holds no valid span (a no-op tracer, no parent). */
    private static TraceContext carried(Context context) {
        Map<String, String> fields = new HashMap<>(4);
        W3C.inject(context, fields, Map::put);
        String parent = fields.get("traceparent");
        if (parent == null) {
            return null;
        }
        try {
            return TraceContext.of(parent, fields.get("tracestate"));
        } catch (IllegalArgumentException e) {
            // a tracestate over the bound a worker accepts: carry the trace without it, rather than refuse the submit
            log.debug("not carrying the trace state: {}", e.getMessage());
            return TraceContext.of(parent, null);
        }
    }

    @Override
    public void received(TaskEvent task) {
        Context parent = task.trace().map(t -> W3C.extract(Context.root(), t, FROM_MESSAGE)).orElse(Context.root());
        SpanBuilder b = tracer.spanBuilder("process " + task.taskName()).setSpanKind(SpanKind.CONSUMER).setParent(parent)
                .setAttribute(SYSTEM, "amdahl").setAttribute(OPERATION, "process").setAttribute(DESTINATION, task.queue())
                .setAttribute(MESSAGE_ID, task.taskId()).setAttribute(TASK, task.taskName())
                .setAttribute(RETRIES, (long) task.retries()).setAttribute(DELIVERY, (long) task.deliveryCount());
        task.worker().ifPresent(w -> b.setAttribute(WORKER, w));
        processing.put(task, b.startSpan());
    }

    @Override
    public Scope started(TaskEvent task) {
        Span span = processing.get(task);
        if (span == null) {
            return null;
        }
        // TaskObserver.Scope, inherited, shadows the name: OpenTelemetry's is spelled out
        io.opentelemetry.context.Scope current = span.makeCurrent();
        return current::close;
    }

    @Override
    public void finished(TaskEvent task, TaskOutcome outcome, Duration runTime) {
        Span span = processing.remove(task);
        if (span == null) {
            return;
        }
        span.setAttribute(OUTCOME, outcome.label());
        if (outcome == TaskOutcome.FAILURE || outcome == TaskOutcome.REJECTED) {
            span.setStatus(StatusCode.ERROR, "task " + outcome.label());
        }
        span.end();
    }
}
