package dev.amdahl.celery;

import static org.assertj.core.api.Assertions.assertThat;

import dev.amdahl.SubmitOptions;
import io.lettuce.core.api.sync.RedisCommands;
import java.util.List;
import java.util.Set;

/**
 * Java and Python Celery processes on one Redis, kombu's layout as the broker and Celery's keys as the results, both in
 * db 10 (this test's own, emptied after each test).
 */
class PythonCeleryInteropIT extends PythonCeleryInterop {

    static final String URL = "redis://127.0.0.1:6379/10";

    @Override
    String broker() {
        return URL;
    }

    @Override
    String backend() {
        return URL;
    }

    @Override
    String brokerForAKilledWorker() {
        return URL + "?visibility-timeout=3s";
    }

    @Override
    List<String> pythonWorkerAfterAKill() {
        return List.of("3");   // the same visibility timeout: the Python worker restores what the killed one held
    }

    @Override
    void assertHeldAfterTheKill(RedisCommands<String, String> backend, Set<String> held) {
        assertThat(backend.hlen("unacked")).as("what it held is in kombu's unacked").isGreaterThanOrEqualTo(held.size());
    }

    /**
     * Amdahl's priority 9, which is Celery's 0 on Redis (docs/celery.md): a Java submission without a priority would sit
     * in a sub-list the Python worker drains after its default one.
     */
    @Override
    SubmitOptions mixedPoolOptions() {
        return SubmitOptions.builder().priority(9).build();
    }

    @Override
    void deleteQueue() {
        // the queue's lists are in db 10, which the base class empties
    }
}
