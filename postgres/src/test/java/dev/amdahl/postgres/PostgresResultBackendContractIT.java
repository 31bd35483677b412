package dev.amdahl.postgres;

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

/**
 * The contract kit on the shared PostgreSQL, in a schema of its own; the expiry tests hand the backend their clock, and
 * the settling tests a PostgreSQL broker of the same schema, whose acks go into the backend's stores.
 */
class PostgresResultBackendContractIT extends ResultBackendContractTest {

    private static final String SCHEMA = PostgresTestSupport.newSchema("backend_contract");

    @Override
    protected ResultBackend createBackend() {
        return new PostgresResultBackendProvider().open(PostgresTestSupport.url(SCHEMA, ""), ProviderContext.ofDefaults());
    }

    @Override
    protected ResultBackend createBackend(Clock clock, Duration resultTtl) {
        return new PostgresResultBackendProvider().open(PostgresTestSupport.url(SCHEMA, "result-ttl=" + resultTtl.toMillis() + "ms"),
                new ProviderContext(clock));
    }

    @Override
    protected Set<Class<? extends ResultBackend.Capability>> expectedCapabilities() {
        return Set.of(IdempotencyKeys.class, Claims.class, RevocationFeed.class, UpdateFeed.class, WorkerRegistry.class,
                AckingStore.class, RecordsReadAhead.class);
    }

    @Override
    protected Broker createBroker(Clock clock, Duration visibilityTimeout) {
        return new PostgresBrokerProvider().open(PostgresTestSupport.url(SCHEMA, "visibility-timeout="
                + visibilityTimeout.toMillis() + "ms"), new ProviderContext(clock));
    }

    @AfterAll
    static void dropSchema() throws Exception {
        PostgresTestSupport.dropSchema(SCHEMA);
    }
}
