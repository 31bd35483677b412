package dev.amdahl.postgres;

import dev.amdahl.spi.Broker;
import dev.amdahl.spi.ProviderContext;
import dev.amdahl.testkit.BrokerContractTest;
import org.junit.jupiter.api.AfterAll;

/** The contract kit on the shared PostgreSQL, in a schema of its own; the broker keeps time by the kit's clock. */
class PostgresBrokerContractIT extends BrokerContractTest {

    private static final String SCHEMA = PostgresTestSupport.newSchema("broker_contract");

    @Override
    protected Broker createBroker(Settings s) {
        String options = "visibility-timeout=" + s.visibilityTimeout().toMillis() + "ms&max-deliveries=" + s.maxDeliveries();
        return new PostgresBrokerProvider().open(PostgresTestSupport.url(SCHEMA, options), new ProviderContext(s.clock()));
    }

    @AfterAll
    static void dropSchema() throws Exception {
        PostgresTestSupport.dropSchema(SCHEMA);
    }
}
