package dev.amdahl.redis;

import dev.amdahl.spi.Broker;
import dev.amdahl.spi.ProviderContext;
import dev.amdahl.spi.ResultBackend;
import dev.amdahl.testkit.ResultBackendContractTest;
import java.time.Clock;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;

class RedisResultBackendContractIT extends ResultBackendContractTest {

    private static final String PREFIX = RedisTestSupport.newPrefix("backend-contract");

    @Override
    protected ResultBackend createBackend() {
        return new RedisResultBackendProvider().open(RedisTestSupport.url(PREFIX, ""), ProviderContext.ofDefaults());
    }

    /** A Redis broker beside it: the settling tests store, then acknowledge, in two steps. */
    @Override
    protected Broker createBroker(Clock clock, Duration visibilityTimeout) {
        return new RedisBrokerProvider().open(RedisTestSupport.url(PREFIX, "visibility-timeout=" + visibilityTimeout.toMillis()
                + "ms"), new ProviderContext(clock));
    }

    @AfterAll
    static void deleteKeys() {
        RedisTestSupport.deleteKeys(RedisTestSupport.HOST_PORT, PREFIX);
    }
}
