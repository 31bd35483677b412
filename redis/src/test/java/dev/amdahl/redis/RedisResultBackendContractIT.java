package dev.amdahl.redis;

import dev.amdahl.spi.AckingStore;
import dev.amdahl.spi.Broker;
import dev.amdahl.spi.Claims;
import dev.amdahl.spi.IdempotencyKeys;
import dev.amdahl.spi.ProviderContext;
import dev.amdahl.spi.RecordsReadAhead;
import dev.amdahl.spi.ResultBackend;
import dev.amdahl.spi.RevocationFeed;
import dev.amdahl.spi.UpdateFeed;
import dev.amdahl.spi.WorkerRegistry;
import dev.amdahl.testkit.ResultBackendContractTest;
import java.time.Clock;
import java.time.Duration;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;

class RedisResultBackendContractIT extends ResultBackendContractTest {

    private static final String PREFIX = RedisTestSupport.newPrefix("backend-contract");

    @Override
    protected ResultBackend createBackend() {
        return new RedisResultBackendProvider().open(RedisTestSupport.url(PREFIX, ""), ProviderContext.ofDefaults());
    }

    /** The kit's set, the one-step settle of a Redis broker's deliveries on the same Redis, and its records read ahead. */
    @Override
    protected Set<Class<? extends ResultBackend.Capability>> expectedCapabilities() {
        return Set.of(IdempotencyKeys.class, Claims.class, RevocationFeed.class, UpdateFeed.class, WorkerRegistry.class,
                AckingStore.class, RecordsReadAhead.class);
    }

    /** A Redis broker beside it: the settling tests store and acknowledge in one step (AckingStore), its deliveries carry records. */
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
