package dev.amdahl.postgres;

import dev.amdahl.redis.RedisResultBackendProvider;
import dev.amdahl.spi.Broker;
import dev.amdahl.spi.ProviderContext;
import dev.amdahl.spi.ResultBackend;
import dev.amdahl.testkit.ChaosContractTest;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;

/**
 * The chaos suite on PostgreSQL: worker JVMs reach the shared server through the suite's proxy (which cuts, stalls and
 * slows their connections; the server itself is never stopped, so the restart fault is skipped until a private
 * cluster exists), in a schema of this run's own; results go to the shared Redis under a prefix of its own.
 */
class PostgresChaosContractIT extends ChaosContractTest {

    private static final String SCHEMA = PostgresTestSupport.newSchema("chaos");
    private static final String REDIS = "redis://127.0.0.1:6379/0?prefix=chaos-postgres-" + UUID.randomUUID();

    @AfterAll
    static void dropSchema() throws Exception {
        PostgresTestSupport.dropSchema(SCHEMA);
    }

    private static URI url(String hostPort, Settings s) {
        return URI.create("postgres://" + PostgresTestSupport.USER + "@" + hostPort + "/test?schema=" + SCHEMA
                + "&visibility-timeout=" + s.visibilityTimeout().toMillis() + "ms&max-deliveries=" + s.maxDeliveries());
    }

    @Override
    protected Broker openBroker(Settings s) {
        return new PostgresBrokerProvider().open(url("127.0.0.1:5432", s), ProviderContext.ofDefaults());
    }

    @Override
    protected ResultBackend openResultBackend(Settings s) {
        return new RedisResultBackendProvider().open(URI.create(REDIS), ProviderContext.ofDefaults());
    }

    @Override
    protected boolean workersInOtherJvms() {
        return true;
    }

    @Override
    protected String workerBrokerUrl(String hostPort, Settings s) {
        return url(hostPort, s).toString();
    }

    @Override
    protected String workerResultBackendUrl(String hostPort, Settings s) {
        return REDIS;
    }

    @Override
    protected Optional<InetSocketAddress> brokerAddress() {
        return Optional.of(new InetSocketAddress("127.0.0.1", 5432));
    }
}
