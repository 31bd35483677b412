package dev.amdahl.postgres;

import dev.amdahl.testkit.MultiProcessContractTest;
import java.util.UUID;

/**
 * The multi-process run on the shared PostgreSQL, in a schema of its own: the killed worker's leases lapse and the
 * survivor claims its messages.
 */
class PostgresMultiProcessIT extends MultiProcessContractTest {

    private final String schema = PostgresTestSupport.newSchema("multiprocess");
    private final String backend = "redis://127.0.0.1:6379/0?prefix=postgres-mp-" + UUID.randomUUID();

    /** Short, so the killed worker's messages come back soon; the workers renew their leases at a third of it. */
    @Override
    protected String brokerUrl() {
        return PostgresTestSupport.url(schema, "visibility-timeout=2s").toString();
    }

    @Override
    protected String resultBackendUrl() {
        return backend;
    }

    @Override
    protected void deleteQueue(String queue) throws Exception {
        PostgresTestSupport.dropSchema(schema);
    }
}
