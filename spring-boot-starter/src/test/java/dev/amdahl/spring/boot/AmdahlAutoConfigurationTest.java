package dev.amdahl.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;

import dev.amdahl.Amdahl;
import dev.amdahl.Pool;
import dev.amdahl.WorkerOptions;
import dev.amdahl.examples.MonteCarloPiTasks;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.InputStream;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.springframework.boot.actuate.health.Health;
import org.springframework.boot.actuate.health.Status;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** The auto-configuration on the embedded broker: what each property does, and what backs off when. */
@Timeout(60)
class AmdahlAutoConfigurationTest {

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(AmdahlAutoConfiguration.class))
            .withUserConfiguration(GreetingApplication.class);

    @Test
    void taskBeansRunOnTheWorkerTheContextStarted() {
        runner.withPropertyValues("amdahl.worker.concurrency=2").run(context -> {
            Amdahl app = context.getBean(Amdahl.class);
            assertThat(app.taskNames()).contains("greet", "gate.pass");
            AmdahlWorkerLifecycle lifecycle = context.getBean(AmdahlWorkerLifecycle.class);
            assertThat(lifecycle.isRunning()).isTrue();
            assertThat(lifecycle.options().concurrency()).isEqualTo(2);
            String greeting = app.task("greet", String.class, String.class).submit("spring").get(20, TimeUnit.SECONDS);
            assertThat(greeting).isEqualTo("hello, spring");
        });
    }

    @Test
    void workerPropertiesBecomeTheWorkersOptions() {
        runner.withPropertyValues("amdahl.worker.queues=tiles,amdahl", "amdahl.worker.concurrency=3",
                "amdahl.worker.prefetch=5", "amdahl.worker.shutdown-grace=7s", "amdahl.worker.name=spring-worker",
                "amdahl.worker.pool=threads", "amdahl.worker.track-started=true").run(context -> {
            WorkerOptions options = context.getBean(AmdahlWorkerLifecycle.class).options();
            assertThat(options.queues()).containsExactly("tiles", "amdahl");
            assertThat(options.concurrency()).isEqualTo(3);
            assertThat(options.prefetch()).isEqualTo(5);
            assertThat(options.shutdownGrace()).isEqualTo(Duration.ofSeconds(7));
            assertThat(options.name()).isEqualTo("spring-worker");
            assertThat(options.pool()).isEqualTo(Pool.THREADS);
            assertThat(options.trackStarted()).isTrue();
            assertThat(context.getBean(AmdahlWorkerLifecycle.class).worker()).get()
                    .satisfies(w -> assertThat(w.name()).isEqualTo("spring-worker"));
        });
    }

    @Test
    void theWorkerQueuesFollowTheDefaultQueue() {
        runner.withPropertyValues("amdahl.default-queue=photos").run(context ->
                assertThat(context.getBean(AmdahlWorkerLifecycle.class).options().queues()).containsExactly("photos"));
    }

    @Test
    void aClientOnlyApplicationRunsNoWorker() {
        runner.withPropertyValues("amdahl.worker.enabled=false").run(context -> {
            assertThat(context).hasSingleBean(Amdahl.class).doesNotHaveBean(AmdahlWorkerLifecycle.class);
            Health health = context.getBean(AmdahlHealthIndicator.class).health();
            assertThat(health.getStatus()).isEqualTo(Status.UP);
            assertThat(health.getDetails()).containsEntry("worker", "none (amdahl.worker.enabled=false)");
        });
    }

    @Test
    void aWrongWorkerPropertyFailsTheStartNamingIt() {
        runner.withPropertyValues("amdahl.worker.concurrency=4", "amdahl.worker.prefetch=2").run(context -> {
            assertThat(context).hasFailed();
            assertThat(context.getStartupFailure()).rootCause()
                    .hasMessageContaining("amdahl.worker.*").hasMessageContaining("prefetch (2) must be at least concurrency (4)");
        });
    }

    @Test
    void anIncludedClassThatIsNoCatalogFailsTheStart() {
        runner.withPropertyValues("amdahl.include=java.lang.String").run(context -> {
            assertThat(context).hasFailed();
            assertThat(context.getStartupFailure()).rootCause()
                    .hasMessageContaining("amdahl.include: java.lang.String does not implement dev.amdahl.TaskCatalog");
        });
    }

    @Test
    void theProcessPoolRefusesTheTasksOfBeansNamingThem() {
        runner.withPropertyValues("amdahl.worker.pool=processes").run(context -> {
            assertThat(context).hasFailed();
            assertThat(context.getStartupFailure()).rootCause()
                    .hasMessageContaining("amdahl.worker.pool=processes")
                    .hasMessageContaining(GreetingApplication.GreetingTasks.class.getName())
                    .hasMessageContaining("amdahl.include");
        });
    }

    /** A broker whose depth fails while {@link #down} is set: an outage, as the health indicator sees it. */
    static final class FlakyBroker extends dev.amdahl.spi.ForwardingBroker {
        volatile boolean down;

        FlakyBroker() {
            super(new dev.amdahl.internal.memory.MemoryBroker(java.time.Clock.systemUTC()));
        }

        @Override
        public long depth(String queue) {
            if (down) {
                throw new IllegalStateException("connection refused");
            }
            return super.depth(queue);
        }
    }

    @Test
    void healthIsDownWhileTheBrokerDoesNotAnswer() {
        FlakyBroker broker = new FlakyBroker();
        runner.withBean(AmdahlBuilderCustomizer.class, () -> builder -> builder.broker(broker)).run(context -> {
            AmdahlHealthIndicator indicator = context.getBean(AmdahlHealthIndicator.class);
            assertThat(indicator.health().getStatus()).isEqualTo(Status.UP);
            broker.down = true;
            Health down = indicator.health();
            assertThat(down.getStatus()).isEqualTo(Status.DOWN);
            assertThat(down.getDetails().get("error").toString()).contains("connection refused");
            broker.down = false;
            assertThat(indicator.health().getStatus()).isEqualTo(Status.UP);
        });
    }

    @Test
    void includedCatalogsRegisterBesideTheBeans() {
        runner.withPropertyValues("amdahl.include=" + MonteCarloPiTasks.class.getName()).run(context ->
                assertThat(context.getBean(Amdahl.class).taskNames()).contains("greet", "montecarlo.pi"));
    }

    @Test
    void anUnknownBrokerSchemeFailsTheStartNamingTheModule() {
        runner.withPropertyValues("amdahl.broker=nats://127.0.0.1:4222").run(context -> {
            assertThat(context).hasFailed();
            assertThat(context.getStartupFailure()).rootCause().hasMessageContaining("nats");
        });
    }

    @Test
    void healthIsUpWhileTheWorkerConsumesAndDownOnceItStopped() {
        runner.run(context -> {
            AmdahlHealthIndicator indicator = context.getBean(AmdahlHealthIndicator.class);
            Health up = indicator.health();
            assertThat(up.getStatus()).isEqualTo(Status.UP);
            assertThat(up.getDetails()).containsEntry("broker", "memory://").containsKey("worker");
            assertThat(up.getDetails().get("queues")).isEqualTo(java.util.Map.of("amdahl", 0L));
            context.getBean(AmdahlWorkerLifecycle.class).stop();
            Health down = indicator.health();
            assertThat(down.getStatus()).isEqualTo(Status.DOWN);
            assertThat(down.getDetails()).containsEntry("worker", "not consuming");
        });
    }

    @Test
    void healthIndicatorCanBeSwitchedOff() {
        runner.withPropertyValues("management.health.amdahl.enabled=false")
                .run(context -> assertThat(context).doesNotHaveBean(AmdahlHealthIndicator.class));
    }

    @Configuration(proxyBeanMethods = false)
    static class Registry {
        @Bean
        MeterRegistry meterRegistry() {
            return new SimpleMeterRegistry();
        }
    }

    @Test
    void metersGoToTheApplicationsRegistry() {
        runner.withUserConfiguration(Registry.class).run(context -> {
            Amdahl app = context.getBean(Amdahl.class);
            app.task("greet", String.class, String.class).submit("meters").get(20, TimeUnit.SECONDS);
            MeterRegistry registry = context.getBean(MeterRegistry.class);
            dev.amdahl.testkit.Await.until(Duration.ofSeconds(20), "the task counted",
                    () -> registry.find("amdahl.tasks").tag("task", "greet").counter() != null
                            && registry.find("amdahl.tasks").tag("task", "greet").counter().count() == 1.0);
            assertThat(registry.find("amdahl.worker.busy.ratio").gauge()).isNotNull();
        });
    }

    @Test
    void closingTheContextLetsTheRunningTaskFinish() throws Exception {
        runner.withPropertyValues("amdahl.worker.shutdown-grace=20s").run(context -> {
            GreetingApplication.Gate gate = context.getBean(GreetingApplication.Gate.class);
            context.getBean(Amdahl.class).task("gate.pass", String.class, String.class).submit("x");
            assertThat(gate.entered.await(20, TimeUnit.SECONDS)).isTrue();
            AmdahlWorkerLifecycle lifecycle = context.getBean(AmdahlWorkerLifecycle.class);
            dev.amdahl.Worker worker = lifecycle.worker().orElseThrow();
            ConfigurableApplicationContext closing = context.getSourceApplicationContext();
            CompletableFuture<Void> closed = CompletableFuture.runAsync(closing::close);
            // the worker stops consuming at once, and waits for the task it runs
            dev.amdahl.testkit.Await.until(Duration.ofSeconds(20), "the worker stopping", () -> !worker.isRunning());
            assertThat(closed).isNotDone();
            gate.open.countDown();
            closed.get(30, TimeUnit.SECONDS);
            assertThat(gate.finished).isTrue();
            assertThat(lifecycle.isRunning()).isFalse();
        });
    }

    @Test
    void configurationMetadataDescribesTheProperties() throws Exception {
        try (InputStream in = AmdahlProperties.class.getResourceAsStream("/META-INF/spring-configuration-metadata.json")) {
            assertThat(in).isNotNull();
            String json = new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            assertThat(json).contains("\"amdahl.broker\"", "\"amdahl.result-backend\"", "\"amdahl.worker.concurrency\"",
                    "\"amdahl.worker.pool\"", "\"amdahl.worker.queues\"", "\"amdahl.worker.prefetch\"",
                    "\"amdahl.worker.shutdown-grace\"", "\"amdahl.worker.enabled\"", "spring.lifecycle.timeout-per-shutdown-phase");
        }
    }
}
