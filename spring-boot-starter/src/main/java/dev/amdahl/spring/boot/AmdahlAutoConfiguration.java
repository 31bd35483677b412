package dev.amdahl.spring.boot;

import dev.amdahl.Amdahl;
import dev.amdahl.Pool;
import dev.amdahl.TaskCatalog;
import dev.amdahl.WorkerOptions;
import dev.amdahl.metrics.AmdahlMetrics;
import dev.amdahl.observe.TaskObserver;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.actuate.autoconfigure.health.ConditionalOnEnabledHealthIndicator;
import org.springframework.boot.actuate.health.HealthIndicator;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.convert.DurationStyle;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;
import org.springframework.util.ClassUtils;

/**
 * Auto-configures an {@link Amdahl} application from {@link AmdahlProperties} ({@code amdahl.*}), with the tasks of
 * every {@link TaskCatalog} bean, a worker that follows the context ({@link AmdahlWorkerLifecycle}), a health
 * indicator when Spring Boot Actuator is present and Micrometer meters when a {@link MeterRegistry} and
 * {@code amdahl-metrics} are.
 *
 * <p>Each piece backs off when the application defines its own bean of the type.
 */
@AutoConfiguration
@ConditionalOnClass(Amdahl.class)
@EnableConfigurationProperties(AmdahlProperties.class)
public class AmdahlAutoConfiguration {

    private static final Logger log = LoggerFactory.getLogger(AmdahlAutoConfiguration.class);

    /**
     * The application. Observers and customizers are applied in their order; then the included catalogs and the
     * {@link TaskCatalog} beans register their tasks. Closed with the context, after the worker has stopped.
     */
    @Bean(destroyMethod = "close")
    @ConditionalOnMissingBean
    public Amdahl amdahl(AmdahlProperties properties, ObjectProvider<TaskCatalog> catalogs,
                         ObjectProvider<TaskObserver> observers, ObjectProvider<AmdahlBuilderCustomizer> customizers) {
        Amdahl.Builder builder = Amdahl.builder().broker(properties.getBroker());
        if (properties.getResultBackend() != null) {
            builder.resultBackend(properties.getResultBackend());
        }
        if (properties.getWireProtocol() != null) {
            builder.wireProtocol(properties.getWireProtocol());
        }
        if (properties.getDefaultQueue() != null) {
            builder.defaultQueue(properties.getDefaultQueue());
        }
        Set<Class<?>> included = new HashSet<>();
        for (Class<?> type : properties.getInclude()) {
            if (!TaskCatalog.class.isAssignableFrom(type)) {
                throw new IllegalArgumentException("amdahl.include: " + type.getName() + " does not implement "
                        + TaskCatalog.class.getName() + ", so it registers no tasks; remove it or implement the interface");
            }
            builder.include(type.asSubclass(TaskCatalog.class));
            included.add(type);
        }
        observers.orderedStream().forEach(builder::observer);
        customizers.orderedStream().forEach(c -> c.customize(builder));
        Amdahl app = builder.build();
        try {
            // a catalog bean listed in amdahl.include too was registered by include(): once is enough
            catalogs.orderedStream()
                    .filter(catalog -> !included.contains(ClassUtils.getUserClass(catalog)))
                    .forEach(catalog -> catalog.register(app));
        } catch (RuntimeException e) {
            app.close();
            throw e;
        }
        return app;
    }

    /** The worker's options from {@code amdahl.worker.*}; its queues default to the application's default queue. */
    static WorkerOptions workerOptions(AmdahlProperties.Worker p, Amdahl app) {
        WorkerOptions.Builder b = WorkerOptions.builder()
                .queues(p.getQueues().isEmpty() ? List.of(app.defaultQueue()) : p.getQueues())
                .pool(p.getPool())
                .shutdownGrace(p.getShutdownGrace())
                .trackStarted(p.isTrackStarted())
                .name(p.getName());
        if (p.getConcurrency() != null) {
            b.concurrency(p.getConcurrency());
        }
        if (p.getPrefetch() != null) {
            b.prefetch(p.getPrefetch());
        }
        if (p.getLeaseRenewal() != null) {
            b.leaseRenewal(p.getLeaseRenewal());
        }
        try {
            return b.build();
        } catch (IllegalArgumentException e) {
            // the cause says nothing more than its message, which this one carries
            throw new IllegalArgumentException("amdahl.worker.*: " + e.getMessage());
        }
    }

    @Bean
    @ConditionalOnMissingBean
    @ConditionalOnProperty(prefix = "amdahl.worker", name = "enabled", havingValue = "true", matchIfMissing = true)
    public AmdahlWorkerLifecycle amdahlWorkerLifecycle(Amdahl amdahl, AmdahlProperties properties, Environment environment,
                                                       ObjectProvider<TaskCatalog> catalogs) {
        WorkerOptions options = workerOptions(properties.getWorker(), amdahl);
        if (options.pool() == Pool.PROCESSES) {
            refuseBeanTasksOnProcesses(catalogs, properties.getInclude());
        }
        warnIfSpringWaitsLess(options.shutdownGrace(), environment);
        return new AmdahlWorkerLifecycle(amdahl, options);
    }

    /**
     * Core refuses them too, in its own terms (app.task, Amdahl.builder().include); this says it in the application's:
     * which beans, and which properties to change.
     */
    private static void refuseBeanTasksOnProcesses(ObjectProvider<TaskCatalog> catalogs, List<Class<? extends TaskCatalog>> included) {
        List<String> beans = catalogs.orderedStream()
                .map(ClassUtils::getUserClass)
                .filter(type -> !included.contains(type))
                .map(Class::getName)
                .toList();
        if (!beans.isEmpty()) {
            throw new IllegalArgumentException("amdahl.worker.pool=processes runs tasks in child JVMs, which have no Spring"
                    + " context: the tasks of the TaskCatalog beans " + beans + " cannot run there. List catalogs that have"
                    + " a no-argument constructor in amdahl.include (and make them no beans), or set amdahl.worker.pool=threads");
        }
    }

    /** A grace Spring does not wait for ends in the broker being closed under running tasks: say so at start-up. */
    private static void warnIfSpringWaitsLess(Duration grace, Environment environment) {
        String value = environment.getProperty("spring.lifecycle.timeout-per-shutdown-phase", "30s");
        Duration springWaits;
        try {
            springWaits = DurationStyle.detectAndParse(value);
        } catch (IllegalArgumentException e) {
            return;   // Spring itself reports a malformed value
        }
        if (springWaits.compareTo(grace) <= 0) {
            log.warn("amdahl.worker.shutdown-grace={} but spring.lifecycle.timeout-per-shutdown-phase={}: on close Spring"
                    + " stops waiting for the worker before its tasks' grace ends. Set the Spring timeout a few seconds"
                    + " above the grace", grace, springWaits);
        }
    }

    /** Meters of the application's tasks, queues and workers in the application's registry. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass({MeterRegistry.class, AmdahlMetrics.class})
    static class MetricsConfiguration {

        @Bean
        AmdahlBuilderCustomizer amdahlMetricsCustomizer(ObjectProvider<MeterRegistry> registry) {
            // looked up when the Amdahl bean is built, not when this configuration is: the registry's own
            // auto-configuration may come after this one
            return builder -> registry.ifAvailable(r -> builder.observer(AmdahlMetrics.bindTo(r)));
        }
    }

    /** {@code /actuator/health}'s {@code amdahl} component. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass({HealthIndicator.class, ConditionalOnEnabledHealthIndicator.class})
    @ConditionalOnEnabledHealthIndicator("amdahl")
    static class HealthConfiguration {

        @Bean
        @ConditionalOnMissingBean(name = "amdahlHealthIndicator")
        AmdahlHealthIndicator amdahlHealthIndicator(Amdahl amdahl, AmdahlProperties properties,
                                                    ObjectProvider<AmdahlWorkerLifecycle> worker) {
            return new AmdahlHealthIndicator(amdahl, properties, worker.getIfAvailable());
        }
    }
}
