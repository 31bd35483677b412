package dev.amdahl.tracing;

import dev.amdahl.observe.TaskObserver;
import io.opentelemetry.api.GlobalOpenTelemetry;
import io.opentelemetry.api.OpenTelemetry;
import java.util.Objects;
import java.util.Optional;

/**
 * OpenTelemetry spans for Amdahl's tasks, as a {@link TaskObserver}: a PRODUCER span around each publish, whose
 * context travels in the task messages as a W3C {@code traceparent}, and a CONSUMER span, its child, around each
 * delivery a worker processes (from taken to settled, current on the thread while the task's code runs, so what
 * the task submits or calls is traced under it). Workflow steps carry the context of the submission they belong
 * to, so a chain's, group's or chord's steps are children of the submitter's publish span, in its trace.
 *
 * <pre>{@code
 * Amdahl app = Amdahl.builder()
 *         .broker("redis://127.0.0.1:6379")
 *         .observer(OpenTelemetryTracing.of(openTelemetry))     // an SDK you configured, or:
 *         .build();
 * OpenTelemetryTracing.detect().ifPresent(builder::observer); // GlobalOpenTelemetry, when the API is on the class path
 * }</pre>
 *
 * <p>This module depends on {@code opentelemetry-api} optionally: an application that wants spans brings the API
 * and the SDK or agent of its choice; one that does not can still carry this module (the {@code amdahl} command
 * does), and {@link #detect()} then finds nothing. Core carries only the context fields.
 */
public final class OpenTelemetryTracing {

    /** The instrumentation scope name of the spans. */
    public static final String INSTRUMENTATION_NAME = "dev.amdahl";

    private OpenTelemetryTracing() {
    }

    /** Spans made by {@code openTelemetry}'s tracer provider. */
    public static TaskObserver of(OpenTelemetry openTelemetry) {
        return new TracingObserver(Objects.requireNonNull(openTelemetry, "openTelemetry"));
    }

    /**
     * Spans made by {@link GlobalOpenTelemetry}: what the OpenTelemetry Java agent or the SDK's autoconfiguration
     * installed, or a no-op until one does.
     *
     * @throws NoClassDefFoundError when {@code opentelemetry-api} is not on the class path; see {@link #detect()}
     */
    public static TaskObserver global() {
        return of(GlobalOpenTelemetry.get());
    }

    /** {@link #global()} when {@code opentelemetry-api} is on the class path, else empty. */
    public static Optional<TaskObserver> detect() {
        return available() ? Optional.of(global()) : Optional.empty();
    }

    /** Whether {@code opentelemetry-api} is on the class path. */
    public static boolean available() {
        try {
            Class.forName("io.opentelemetry.api.GlobalOpenTelemetry", false, OpenTelemetryTracing.class.getClassLoader());
            Class.forName("io.opentelemetry.context.Context", false, OpenTelemetryTracing.class.getClassLoader());
            return true;
        } catch (ClassNotFoundException | LinkageError e) {
            return false;
        }
    }
}
