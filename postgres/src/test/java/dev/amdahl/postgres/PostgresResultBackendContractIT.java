package dev.amdahl.postgres;

import dev.amdahl.spi.ProviderContext;
import dev.amdahl.spi.ResultBackend;
import dev.amdahl.testkit.ResultBackendContractTest;
import java.time.Clock;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;

/** The contract kit on the shared PostgreSQL, in a schema of its own; the expiry tests hand the backend their clock. */
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

    @AfterAll
    static void dropSchema() throws Exception {
        PostgresTestSupport.dropSchema(SCHEMA);
    }
}
