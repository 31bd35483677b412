package dev.amdahl.postgres;

import dev.amdahl.spi.Broker;
import dev.amdahl.spi.ProviderContext;
import dev.amdahl.spi.ResultBackend;
import dev.amdahl.testkit.PlacementContractTest;
import org.junit.jupiter.api.AfterAll;

/** Placement and data by reference on the shared PostgreSQL, in a schema of its own: derived queues are rows' queue names. */
class PostgresPlacementContractIT extends PlacementContractTest {

    private static final String SCHEMA = PostgresTestSupport.newSchema("placement");

    @Override
    protected Broker openBroker() {
        return new PostgresBrokerProvider().open(PostgresTestSupport.url(SCHEMA, ""), ProviderContext.ofDefaults());
    }

    @Override
    protected ResultBackend openResultBackend() {
        return new PostgresResultBackendProvider().open(PostgresTestSupport.url(SCHEMA, ""), ProviderContext.ofDefaults());
    }

    @AfterAll
    static void dropSchema() throws Exception {
        PostgresTestSupport.dropSchema(SCHEMA);
    }
}
