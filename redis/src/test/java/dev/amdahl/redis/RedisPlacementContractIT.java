package dev.amdahl.redis;

import dev.amdahl.spi.Broker;
import dev.amdahl.spi.ProviderContext;
import dev.amdahl.spi.ResultBackend;
import dev.amdahl.testkit.PlacementContractTest;
import org.junit.jupiter.api.AfterAll;

/** Placement and data by reference on Redis: derived queues are streams like any other. */
class RedisPlacementContractIT extends PlacementContractTest {

    private static final String PREFIX = RedisTestSupport.newPrefix("placement");

    @Override
    protected Broker openBroker() {
        return new RedisBrokerProvider().open(RedisTestSupport.url(PREFIX, ""), ProviderContext.ofDefaults());
    }

    @Override
    protected ResultBackend openResultBackend() {
        return new RedisResultBackendProvider().open(RedisTestSupport.url(PREFIX, ""), ProviderContext.ofDefaults());
    }

    @AfterAll
    static void deleteKeys() {
        RedisTestSupport.deleteKeys(RedisTestSupport.HOST_PORT, PREFIX);
    }
}
