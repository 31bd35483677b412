package dev.amdahl.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.amdahl.TaskState;
import dev.amdahl.spi.Broker;
import dev.amdahl.spi.Delivery;
import dev.amdahl.spi.OutboundMessage;
import dev.amdahl.spi.ProviderContext;
import dev.amdahl.spi.ResultBackend;
import dev.amdahl.spi.TaskRecord;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The broker and the result backend of one JVM share Lettuce's event loops: closing one leaves the other working,
 * and a client opened after the last one closed builds them again.
 */
@Timeout(60)
class RedisSharedResourcesIT {

    private static final String PREFIX = RedisTestSupport.newPrefix("shared-resources");
    private static final URI URL = RedisTestSupport.url(PREFIX, "");

    @AfterAll
    static void deleteKeys() {
        RedisTestSupport.deleteKeys(RedisTestSupport.HOST_PORT, PREFIX);
    }

    private static TaskRecord success(String id) {
        return new TaskRecord(id, "t", TaskState.SUCCESS, "\"ok\"", null, 0, "w", Instant.now(), Instant.now(), 1);
    }

    private static void roundTrip(Broker broker) throws InterruptedException {
        String queue = "q-" + UUID.randomUUID();
        String id = UUID.randomUUID().toString();
        broker.publish(queue, OutboundMessage.of(id, id.getBytes()));
        List<Delivery> got = broker.poll(List.of(queue), 1, Duration.ofSeconds(5));
        assertThat(got).extracting(Delivery::messageId).containsExactly(id);
        broker.ack(got.get(0));
    }

    @Test
    void closingTheBrokerLeavesTheBackendOfTheSameJvmConnected() throws Exception {
        ResultBackend backend = new RedisResultBackendProvider().open(URL, ProviderContext.ofDefaults());
        try {
            Broker broker = new RedisBrokerProvider().open(URL, ProviderContext.ofDefaults());
            roundTrip(broker);
            broker.close();

            String id = UUID.randomUUID().toString();
            backend.store(success(id));
            assertThat(backend.get(id)).map(TaskRecord::state).contains(TaskState.SUCCESS);
        } finally {
            backend.close();
        }
    }

    @Test
    void aClientOpenedAfterTheLastClosedWorks() throws Exception {
        Broker first = new RedisBrokerProvider().open(URL, ProviderContext.ofDefaults());
        roundTrip(first);
        first.close();
        first.close(); // a second close releases nothing more

        try (Broker again = new RedisBrokerProvider().open(URL, ProviderContext.ofDefaults());
                ResultBackend backend = new RedisResultBackendProvider().open(URL, ProviderContext.ofDefaults())) {
            roundTrip(again);
            String id = UUID.randomUUID().toString();
            backend.store(success(id));
            assertThat(backend.get(id)).map(TaskRecord::state).contains(TaskState.SUCCESS);
        }
    }
}
