package dev.amdahl.spring.boot;

import dev.amdahl.Amdahl;
import dev.amdahl.TaskCatalog;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.context.annotation.Bean;

/** The application the starter's tests run: a task bean whose code uses another bean, and a task held at a gate. */
@SpringBootConfiguration
@EnableAutoConfiguration
class GreetingApplication {

    /** An ordinary bean a task needs: what the starter's task beans are for. */
    static final class Greeter {
        String greet(String name) {
            return "hello, " + name;
        }
    }

    /** Holds {@code gate.pass} until opened, so a test can close the context while it runs. */
    static final class Gate {
        final CountDownLatch entered = new CountDownLatch(1);
        final CountDownLatch open = new CountDownLatch(1);
        final AtomicBoolean finished = new AtomicBoolean();
    }

    static final class GreetingTasks implements TaskCatalog {
        private final Greeter greeter;
        private final Gate gate;

        GreetingTasks(Greeter greeter, Gate gate) {
            this.greeter = greeter;
            this.gate = gate;
        }

        @Override
        public void register(Amdahl app) {
            app.task("greet", String.class, String.class, greeter::greet);
            app.task("gate.pass", String.class, String.class, arg -> {
                gate.entered.countDown();
                if (!gate.open.await(30, TimeUnit.SECONDS)) {
                    throw new IllegalStateException("the test never opened the gate");
                }
                gate.finished.set(true);
                return arg;
            });
        }
    }

    @Bean
    Greeter greeter() {
        return new Greeter();
    }

    @Bean
    Gate gate() {
        return new Gate();
    }

    @Bean
    GreetingTasks greetingTasks(Greeter greeter, Gate gate) {
        return new GreetingTasks(greeter, gate);
    }
}
