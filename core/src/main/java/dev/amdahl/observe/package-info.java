/**
 * Hooks for what watches an application from outside its tasks: metrics, tracing, audit logs. Core calls a
 * {@link dev.amdahl.observe.TaskObserver} at each step of a task's life (published, received, started, finished,
 * dead-lettered) and carries a W3C {@link dev.amdahl.observe.TraceContext} in every task message; it depends on no
 * metrics or tracing library. The {@code amdahl-metrics} module binds the events to a Micrometer registry, and
 * {@code amdahl-tracing} to OpenTelemetry spans.
 *
 * <pre>{@code
 * Amdahl app = Amdahl.builder()
 *         .broker("redis://127.0.0.1:6379")
 *         .observer(AmdahlMetrics.bindTo(registry))
 *         .build();
 * }</pre>
 */
package dev.amdahl.observe;
