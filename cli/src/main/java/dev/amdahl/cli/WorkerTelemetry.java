package dev.amdahl.cli;

import dev.amdahl.metrics.AmdahlMetrics;
import dev.amdahl.metrics.MetricsServer;
import dev.amdahl.observe.TaskObserver;
import dev.amdahl.tracing.OpenTelemetryTracing;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;

/**
 * What a worker started by {@code amdahl worker} reports: its meters at {@code /metrics} when {@code --metrics-port}
 * is given (Amdahl's and the JVM's), and OpenTelemetry spans, which go nowhere unless the OpenTelemetry Java agent
 * (or an SDK on {@code AMDAHL_CLASSPATH}) is there to export them.
 */
final class WorkerTelemetry implements AutoCloseable {

    private final List<TaskObserver> observers;
    private final MetricsServer server;
    private final JvmGcMetrics gc;

    private WorkerTelemetry(List<TaskObserver> observers, MetricsServer server, JvmGcMetrics gc) {
        this.observers = observers;
        this.server = server;
        this.gc = gc;
    }

    /**
     * @param metricsPort where to serve {@code /metrics}, 0 for any free port, {@code null} for no metrics
     * @param metricsBind the address to bind it to
     */
    static WorkerTelemetry start(Integer metricsPort, String metricsBind) {
        List<TaskObserver> observers = new ArrayList<>();
        OpenTelemetryTracing.detect().ifPresent(observers::add);
        if (metricsPort == null) {
            return new WorkerTelemetry(observers, null, null);
        }
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        new JvmMemoryMetrics().bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ClassLoaderMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
        JvmGcMetrics gc = new JvmGcMetrics();
        gc.bindTo(registry);
        observers.add(AmdahlMetrics.bindTo(registry));
        try {
            return new WorkerTelemetry(observers, MetricsServer.start(new InetSocketAddress(metricsBind, metricsPort), registry), gc);
        } catch (RuntimeException e) {
            gc.close();
            throw e;
        }
    }

    List<TaskObserver> observers() {
        return observers;
    }

    /** Where {@code /metrics} is served, or {@code null} without {@code --metrics-port}. */
    String metricsUrl() {
        if (server == null) {
            return null;
        }
        String host = server.address().getHostString();
        return "http://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + server.port() + "/metrics";
    }

    int metricsPort() {
        return server == null ? -1 : server.port();
    }

    @Override
    public void close() {
        if (server != null) {
            server.close();
        }
        if (gc != null) {
            gc.close();
        }
    }
}
