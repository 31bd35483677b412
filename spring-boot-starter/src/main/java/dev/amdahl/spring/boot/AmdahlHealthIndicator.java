package dev.amdahl.spring.boot;

import dev.amdahl.Amdahl;
import dev.amdahl.Worker;
import dev.amdahl.spi.UrlMasking;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.springframework.boot.actuate.health.AbstractHealthIndicator;
import org.springframework.boot.actuate.health.Health;

/**
 * The {@code amdahl} health component: UP when the broker answers (the depth of each queue the worker consumes, or of
 * the default queue), the result backend answers (a read of a task id that is never written), and, where this
 * application runs a worker, that worker is consuming. A broker or backend that fails or times out makes it DOWN with
 * the error; so does a worker that should run and does not.
 *
 * <p>Each check is one broker call per queue and one backend read; Actuator calls it per request to the endpoint.
 */
public final class AmdahlHealthIndicator extends AbstractHealthIndicator {

    /** Read from the backend as a probe; no task has this id (task ids are UUIDs), so nothing is ever written there. */
    static final String PROBE_TASK_ID = "amdahl-health-probe";

    private final Amdahl app;
    private final AmdahlProperties properties;
    private final AmdahlWorkerLifecycle worker;

    AmdahlHealthIndicator(Amdahl app, AmdahlProperties properties, AmdahlWorkerLifecycle worker) {
        super("Amdahl health check failed");
        this.app = app;
        this.properties = properties;
        this.worker = worker;
    }

    @Override
    protected void doHealthCheck(Health.Builder builder) {
        builder.withDetail("broker", UrlMasking.mask(properties.getBroker()));
        List<String> queues = worker != null ? worker.options().queues() : List.of(app.defaultQueue());
        Map<String, Long> depths = new LinkedHashMap<>();
        for (String queue : queues) {
            depths.put(queue, app.broker().depth(queue));
        }
        builder.withDetail("queues", depths);
        app.resultBackend().get(PROBE_TASK_ID);
        if (worker == null) {
            builder.up().withDetail("worker", "none (amdahl.worker.enabled=false)");
            return;
        }
        Optional<Worker> running = worker.worker().filter(Worker::isRunning);
        if (running.isEmpty()) {
            builder.down().withDetail("worker", "not consuming");
            return;
        }
        Worker w = running.get();
        builder.up().withDetail("worker", Map.of("name", w.name(), "completed", w.completedCount(),
                "concurrency", w.options().concurrency(), "pool", w.options().pool().name().toLowerCase(java.util.Locale.ROOT)));
    }
}
