package dev.amdahl.rabbitmq;

import dev.amdahl.testkit.MultiProcessContractTest;
import java.util.List;
import java.util.UUID;

/** The multi-process run on the shared RabbitMQ: the killed worker's unacknowledged messages go to the survivor. */
class RabbitMultiProcessIT extends MultiProcessContractTest {

    private final String backend = "redis://127.0.0.1:6379/0?prefix=rabbit-mp-" + UUID.randomUUID();

    @Override
    protected String brokerUrl() {
        return RabbitTestSupport.URL;
    }

    @Override
    protected String resultBackendUrl() {
        return backend;
    }

    @Override
    protected void deleteQueue(String queue) throws Exception {
        RabbitTestSupport.deleteQueues(RabbitTestSupport.URL, List.of(queue));
    }
}
