package dev.amdahl.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;

import dev.amdahl.Amdahl;
import dev.amdahl.Task;
import dev.amdahl.testkit.Await;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.actuate.health.CompositeHealth;
import org.springframework.boot.actuate.health.HealthComponent;
import org.springframework.boot.actuate.health.HealthEndpoint;
import org.springframework.boot.actuate.health.Status;
import org.springframework.boot.test.context.SpringBootTest;

/** A whole Spring Boot application with the starter on the embedded broker: tasks, health and meters. */
@SpringBootTest(classes = GreetingApplication.class, properties = "amdahl.worker.concurrency=2")
@Timeout(60)
class EmbeddedBrokerSpringBootTest {

    @Autowired
    Amdahl app;

    @Autowired
    HealthEndpoint health;

    @Autowired
    MeterRegistry registry;

    @Test
    void tasksOfBeansRunAndShowInHealthAndMeters() throws Exception {
        Task<String, String> greet = app.task("greet", String.class, String.class);
        List<String> greetings = greet.map(List.of("ada", "alan", "grace")).get(20, TimeUnit.SECONDS);
        assertThat(greetings).containsExactly("hello, ada", "hello, alan", "hello, grace");

        HealthComponent amdahl = ((CompositeHealth) health.health()).getComponents().get("amdahl");
        assertThat(amdahl.getStatus()).isEqualTo(Status.UP);

        Await.until(Duration.ofSeconds(20), "three greetings counted",
                () -> registry.find("amdahl.tasks").tag("task", "greet").counter() != null
                        && registry.find("amdahl.tasks").tag("task", "greet").counter().count() == 3.0);
    }
}
