package dev.amdahl.redis;

import dev.amdahl.spi.Broker;
import dev.amdahl.spi.ProviderContext;
import dev.amdahl.testkit.BrokerContractTest;
import org.junit.jupiter.api.AfterAll;

class RedisBrokerContractIT extends BrokerContractTest {

    private static final String PREFIX = RedisTestSupport.newPrefix("broker-contract");

    @Override
    protected Broker createBroker(Settings s) {
        String options = "visibility-timeout=" + s.visibilityTimeout().toMillis() + "ms&max-deliveries=" + s.maxDeliveries();
        return new RedisBrokerProvider().open(RedisTestSupport.url(PREFIX, options), new ProviderContext(s.clock()));
    }

    @AfterAll
    static void deleteKeys() {
        RedisTestSupport.deleteKeys(RedisTestSupport.HOST_PORT, PREFIX);
    }
}
